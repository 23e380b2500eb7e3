package dev.kino.pipeline;

import dev.kino.KinoException;
import dev.kino.lora.Lora;
import dev.kino.request.RequestSchema;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The LoRAs of a request: the {@code lora} files with the {@code lora_strength} list, or each file written as
 * {@code FILE:STRENGTH[:high|low]} (what {@code --lora} takes). {@link #canonical} rewrites a request into the
 * first form, which is what a plan stores (its fingerprint hashes the files' bytes).
 */
final class RequestLoras {
    private RequestLoras() {
    }

    /** The LoRAs {@code r} asks for, in order (empty: none). */
    static List<Lora> of(GenerationRequest r) {
        List<Path> files = r.get(RequestSchema.LORA);
        if (files == null || files.isEmpty()) {
            return List.of();
        }
        String text = r.get(RequestSchema.LORA_STRENGTH);
        String[] strengths = text == null || text.isBlank() ? null : text.split(",", -1);
        if (strengths != null && strengths.length != files.size()) {
            throw new KinoException(files.size() + " LoRA" + (files.size() == 1 ? " is" : "s are") + " given but "
                    + strengths.length + " lora strengths (" + text + "); give one strength per LoRA, in order.");
        }
        List<Lora> loras = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            Path file = files.get(i);
            Lora lora = Files.isRegularFile(file) ? new Lora(file, 1, null) : Lora.parse(file.toString());
            if (strengths != null) {
                Lora s = Lora.parse("x:" + strengths[i].trim());
                if (s.file().toString().length() != 1 || !lora.equals(new Lora(lora.file(), 1, null))) {
                    throw new KinoException("The lora strength '" + strengths[i].trim() + "' is not a number (with"
                            + " :high or :low), or " + file + " already carries a strength; give it once.");
                }
                lora = new Lora(lora.file(), s.strength(), s.expert());
            }
            if (!Files.isRegularFile(lora.file())) {
                throw new KinoException("The LoRA file " + lora.file() + " does not exist; check the path.");
            }
            loras.add(lora);
        }
        return loras;
    }

    /** {@code r} with its LoRAs as plain files plus one strength each (nothing changes without LoRAs). */
    static GenerationRequest canonical(GenerationRequest r, List<Lora> loras) {
        if (loras.isEmpty()) {
            return r;
        }
        String strengths = loras.stream().map(l -> l.strength() + (l.expert() == null ? "" : l.expert() == 0
                ? ":high" : ":low")).collect(Collectors.joining(","));
        return r.with(RequestSchema.LORA, loras.stream().map(l -> l.file().toAbsolutePath().normalize()).toList())
                .with(RequestSchema.LORA_STRENGTH, strengths);
    }
}
