package dev.kino.sweep;

import dev.kino.KinoException;
import dev.kino.model.ModelPackage;
import dev.kino.model.Weights;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The precision axis of a sweep: which package renders each mode. A mode is a package (docs/precision.md), so
 * each mode's cells run on that mode's package of the same model, and are compared with the fp32 cell of the same
 * prompt, seed, guidance, scheduler and steps rendered by the fp32 package ({@code --model}).
 *
 * <p>A mode's package is the one named with {@code --precision-package MODE=DIR}, else the folder beside the fp32
 * package named after it and the mode ({@code wan-1.3b} → {@code wan-1.3b-int8}), as
 * {@code models/quantize/quantize_package.py wan-1.3b wan-1.3b-int8 --mode int8} writes it. Each package's
 * manifest must say it holds that mode, so a mislabelled folder cannot pass for another mode.
 */
public final class PrecisionAxis {
    /** The mode every other is compared with: the {@code --model} package itself. */
    public static final String FP32 = "fp32";

    private PrecisionAxis() {
    }

    /**
     * The axis as asked for ({@code --precision}, {@code --precision-package}), before its packages are found: the
     * Spark sweep resolves it on an executor, where the packages are.
     *
     * @param modes the modes asked for; empty with no {@code given}: no precision axis
     * @param given packages named explicitly, mode to folder
     */
    public record Request(List<String> modes, Map<String, Path> given) {
        public Request {
            modes = modes == null ? List.of() : List.copyOf(modes);
            given = given == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(given));
        }

        /** {@link PrecisionAxis#resolve} against the fp32 package {@code base}. */
        public Map<String, Path> resolve(Path base) {
            return PrecisionAxis.resolve(base, modes, given);
        }
    }

    /**
     * The packages of {@code modes} other than fp32, in the order given (fp32 always runs first).
     *
     * @param base  the fp32 package ({@code --model})
     * @param modes the modes asked for ({@code --precision}); empty with {@code given}: fp32 and the given modes
     * @param given packages named explicitly, mode to folder
     * @return mode to package folder, fp32 excluded; empty when there is no precision axis
     * @throws KinoException naming the mode and the fix when a package is missing or holds another mode
     */
    public static Map<String, Path> resolve(Path base, List<String> modes, Map<String, Path> given) {
        Set<String> asked = new LinkedHashSet<>(modes);
        if (asked.isEmpty() && !given.isEmpty()) {
            asked.add(FP32);
            asked.addAll(given.keySet());
        }
        for (String g : given.keySet()) {
            if (!asked.contains(g)) {
                throw new KinoException("--precision-package names the mode " + g + ", which --precision does not list;"
                        + " add it, e.g. --precision fp32," + g + ".");
            }
        }
        Map<String, Path> packages = new LinkedHashMap<>();
        if (asked.isEmpty()) {
            return packages;
        }
        String baseMode = modeOf(ModelPackage.open(base));
        if (!baseMode.equals(FP32)) {
            throw new KinoException("The precision axis compares each mode with the fp32 package, but --model " + base
                    + " holds " + baseMode + " weights; give the fp32 package as --model.");
        }
        for (String mode : asked) {
            if (mode.equals(FP32)) {
                continue;
            }
            Path dir = given.getOrDefault(mode, base.resolveSibling(base.getFileName() + "-" + mode));
            if (!Files.isRegularFile(dir.resolve("kino.json"))) {
                throw new KinoException("No package for the precision mode " + mode + " at " + dir + "; make it with "
                        + "models/quantize/quantize_package.py " + base + " " + dir + " --mode " + mode
                        + ", or name another with --precision-package " + mode + "=DIR.");
            }
            String holds = modeOf(ModelPackage.open(dir));
            if (!holds.equals(mode)) {
                throw new KinoException("The package " + dir + " holds " + holds + " weights, not " + mode
                        + " (its manifest's denoiser); give the " + mode + " package with --precision-package "
                        + mode + "=DIR.");
            }
            packages.put(mode, dir);
        }
        return packages;
    }

    /** The precision mode a package's denoiser holds: the quantizer's mode, or the exported format (fp32, fp16). */
    public static String modeOf(ModelPackage pkg) {
        Weights w = pkg.manifest().denoiser().weights();
        return w.converted() ? w.mode() : w.format();
    }
}
