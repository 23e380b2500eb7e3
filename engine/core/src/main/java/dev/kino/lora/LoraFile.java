package dev.kino.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kino.KinoException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A LoRA file read into what it changes, layer by layer, in diffusers' module names.
 *
 * <p>Layouts read (the keys are the ones diffusers' {@code WanLoraLoaderMixin.lora_state_dict} accepts):
 * <ul>
 * <li>diffusers / PEFT: {@code transformer.blocks.N.attn1.to_q.lora_A.weight}, {@code lora_B.weight}, and
 *     {@code lora_B.bias} (a bias delta); scale 1, or {@code lora_alpha / r} from the
 *     {@code lora_adapter_metadata} diffusers writes;</li>
 * <li>original Wan / ComfyUI: {@code diffusion_model.blocks.N.self_attn.q.lora_down.weight} / {@code lora_up}
 *     (or {@code lora_A} / {@code lora_B}), {@code .alpha} (scale {@code alpha / rank}), {@code .diff} (a full
 *     weight delta) and {@code .diff_b} (a bias delta), module names translated by {@link WanModuleNames}.</li>
 * </ul>
 * A key that fits neither is an error naming it: a LoRA is never applied in part.
 */
public final class LoraFile {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PART = Pattern.compile(
            "(.+)\\.(lora_A\\.weight|lora_down\\.weight|lora_B\\.weight|lora_up\\.weight|lora_B\\.bias|alpha|diff|diff_b)");

    /** What a LoRA does to one layer: {@code W += scale · up · down + diff}, {@code b += bias}. */
    public record LayerChange(String module, float[] down, float[] up, int rank, int in, int out, double scale,
                              float[] diff, long[] diffShape, float[] bias) {
    }

    private final Path file;
    private final String layout;
    private final Map<String, LayerChange> layers;

    private LoraFile(Path file, String layout, Map<String, LayerChange> layers) {
        this.file = file;
        this.layout = layout;
        this.layers = layers;
    }

    /** The file. */
    public Path file() {
        return file;
    }

    /** {@code diffusers} or {@code wan} (the original / ComfyUI layout). */
    public String layout() {
        return layout;
    }

    /** Changed layers by diffusers module name (e.g. {@code blocks.0.attn1.to_q}), in name order. */
    public Map<String, LayerChange> layers() {
        return layers;
    }

    /** Reads and checks {@code file}. */
    public static LoraFile read(Path file) {
        SafetensorsFile st = SafetensorsFile.open(file);
        String name = file.getFileName().toString();
        if (st.entries().isEmpty()) {
            throw new KinoException("The LoRA file " + name + " holds no tensors; it is not a LoRA.");
        }
        boolean wan = st.entries().keySet().stream().anyMatch(k -> k.startsWith("diffusion_model."));
        if (!wan && st.entries().keySet().stream().anyMatch(k -> k.startsWith("lora_unet_"))) {
            throw new KinoException("The LoRA file " + name + " is in musubi-tuner's lora_unet_ layout, which Kino"
                    + " does not read yet; save it in the diffusers or ComfyUI layout.");
        }
        Map<String, Map<String, String>> parts = new TreeMap<>();    // module -> part -> key
        List<String> unknown = new ArrayList<>();
        for (String key : st.entries().keySet()) {
            String bare = wan ? strip(key, "diffusion_model.") : strip(key, "transformer.");
            Matcher m = bare == null ? null : PART.matcher(bare);
            String module = m != null && m.matches() ? (wan ? WanModuleNames.toDiffusers(m.group(1)) : m.group(1)) : null;
            if (module == null) {
                unknown.add(key);
                continue;
            }
            String part = switch (m.group(2)) {
                case "lora_A.weight", "lora_down.weight" -> "down";
                case "lora_B.weight", "lora_up.weight" -> "up";
                case "lora_B.bias", "diff_b" -> "bias";
                default -> m.group(2);
            };
            if (parts.computeIfAbsent(module, k -> new LinkedHashMap<>()).put(part, key) != null) {
                unknown.add(key);   // two keys for one thing (lora_down and lora_A of one layer)
            }
        }
        if (!unknown.isEmpty()) {
            throw new KinoException("The LoRA file " + name + " has " + unknown.size() + " key"
                    + (unknown.size() == 1 ? "" : "s") + " Kino cannot map (" + String.join(", ",
                    unknown.subList(0, Math.min(3, unknown.size()))) + (unknown.size() > 3 ? ", ..." : "")
                    + "); it is not a Wan LoRA in the diffusers or ComfyUI layout.");
        }
        Alphas alphas = wan ? null : Alphas.fromMetadata(st.metadata(), name);
        Map<String, LayerChange> layers = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, String>> e : parts.entrySet()) {
            LayerChange change = layer(st, name, e.getKey(), e.getValue(), alphas);
            if (change != null) {
                layers.put(e.getKey(), change);
            }
        }
        return new LoraFile(file, wan ? "wan" : "diffusers", Collections.unmodifiableMap(layers));
    }

    private static String strip(String key, String prefix) {
        return key.startsWith(prefix) ? key.substring(prefix.length()) : prefix.equals("transformer.") ? key : null;
    }

    private static LayerChange layer(SafetensorsFile st, String name, String module, Map<String, String> keys,
                                     Alphas alphas) {
        if (WanModuleNames.isNorm(module)) {      // diffusers drops these as zeros; Kino checks that they are
            for (String key : keys.values()) {
                for (float v : st.floats(key)) {
                    if (v != 0f) {
                        throw new KinoException("The LoRA file " + name + " changes the normalisation weight " + key
                                + ", which Kino (like diffusers) does not apply; remove that key from the file.");
                    }
                }
            }
            return null;
        }
        String downKey = keys.get("down");
        String upKey = keys.get("up");
        if ((downKey == null) != (upKey == null) || (keys.containsKey("alpha") && downKey == null)) {
            throw new KinoException("The LoRA file " + name + " has " + (downKey != null ? downKey : upKey != null
                    ? upKey : keys.get("alpha")) + " without its other low-rank half; its rank layout is not one"
                    + " Kino reads (each layer needs lora_A/lora_down and lora_B/lora_up).");
        }
        float[] down = null;
        float[] up = null;
        int rank = 0;
        int in = 0;
        int out = 0;
        double scale = 1;
        if (downKey != null) {
            long[] ds = st.entries().get(downKey).shape();
            long[] us = st.entries().get(upKey).shape();
            if (ds.length != 2 || us.length != 2 || ds[0] != us[1]) {
                throw new KinoException("The LoRA file " + name + " has " + downKey + " of shape " + shape(ds)
                        + " and " + upKey + " of shape " + shape(us) + "; its rank layout is not one Kino reads"
                        + " (down [rank, in] and up [out, rank] of one rank, linear layers only).");
            }
            rank = (int) ds[0];
            in = (int) ds[1];
            out = (int) us[0];
            down = st.floats(downKey);
            up = st.floats(upKey);
            if (keys.containsKey("alpha")) {
                scale = st.floats(keys.get("alpha"))[0] / rank;
            } else if (alphas != null) {
                scale = alphas.alpha(module, rank) / rank;
            }
        }
        String diffKey = keys.get("diff");
        String biasKey = keys.get("bias");
        return new LayerChange(module, down, up, rank, in, out, scale,
                diffKey == null ? null : st.floats(diffKey),
                diffKey == null ? null : st.entries().get(diffKey).shape(),
                biasKey == null ? null : st.floats(biasKey));
    }

    static String shape(long[] s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length; i++) {
            b.append(i == 0 ? "" : "x").append(s[i]);
        }
        return b.toString();
    }

    /**
     * diffusers' saved adapter config ({@code lora_adapter_metadata}: PEFT's {@code LoraConfig}); without it,
     * diffusers takes alpha = rank (scale 1). Per-layer {@code alpha_pattern}/{@code rank_pattern} are refused.
     */
    private record Alphas(double alpha) {
        static Alphas fromMetadata(Map<String, String> metadata, String file) {
            String raw = metadata.get("lora_adapter_metadata");
            if (raw == null) {
                return null;
            }
            try {
                JsonNode n = JSON.readTree(raw);
                for (String pattern : new String[] {"alpha_pattern", "rank_pattern"}) {
                    if (n.path(pattern).size() > 0) {
                        throw new KinoException("The LoRA file " + file + " sets a per-layer " + pattern + " in its"
                                + " metadata, which Kino does not read yet; save it with one alpha and rank.");
                    }
                }
                return n.path("lora_alpha").isNumber() ? new Alphas(n.path("lora_alpha").asDouble()) : null;
            } catch (IOException e) {
                throw new KinoException("The LoRA file " + file + " has a lora_adapter_metadata entry that is not"
                        + " JSON; the file is damaged, download it again.", e);
            }
        }

        double alpha(String module, int rank) {
            return alpha;
        }
    }
}
