package dev.kino.cli.doctor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The shared libraries ONNX Runtime's CUDA 12 provider loads, found or missing, each with the fix.
 *
 * <p>The list is ONNX Runtime's requirements for its CUDA 12 builds (the CUDA execution provider page: CUDA 12.x
 * and cuDNN 9.x; the provider library links cuBLAS/cuBLASLt, cuFFT, cuRAND, the CUDA runtime and cuDNN, and the
 * driver's {@code libcuda.so.1}). They are looked up where the dynamic loader looks: {@code LD_LIBRARY_PATH},
 * the folders of {@code /etc/ld.so.conf(.d)} and the system library folders, plus the usual CUDA install
 * folders, which are reported with the {@code LD_LIBRARY_PATH} fix when only found there.
 */
public final class CudaLibraries {

    /** One library: its file name, what it is, the folder it was found in (null: missing) and the fix. */
    public record Library(String file, String what, Path foundIn, boolean onLoaderPath, String fix) {
        public boolean found() {
            return foundIn != null;
        }
    }

    static final List<String[]> REQUIRED = List.of(
            new String[] {"libcuda.so.1", "NVIDIA driver", "install the NVIDIA driver (nvidia-smi should then list the GPU)"},
            new String[] {"libcudart.so.12", "CUDA 12 runtime", "install the CUDA 12 runtime (apt-get install cuda-cudart-12-x, or the CUDA 12 toolkit)"},
            new String[] {"libcublas.so.12", "cuBLAS 12", "install cuBLAS for CUDA 12 (apt-get install libcublas-12-x)"},
            new String[] {"libcublasLt.so.12", "cuBLASLt 12", "install cuBLAS for CUDA 12 (apt-get install libcublas-12-x)"},
            new String[] {"libcufft.so.11", "cuFFT (CUDA 12)", "install cuFFT for CUDA 12 (apt-get install libcufft-12-x)"},
            new String[] {"libcurand.so.10", "cuRAND (CUDA 12)", "install cuRAND for CUDA 12 (apt-get install libcurand-12-x)"},
            new String[] {"libcudnn.so.9", "cuDNN 9", "install cuDNN 9 for CUDA 12 (apt-get install libcudnn9-cuda-12)"});

    private static final List<Path> SYSTEM = List.of(Path.of("/lib"), Path.of("/usr/lib"), Path.of("/lib64"),
            Path.of("/usr/lib64"), Path.of("/lib/x86_64-linux-gnu"), Path.of("/usr/lib/x86_64-linux-gnu"),
            Path.of("/usr/local/lib"), Path.of("/usr/lib/wsl/lib"));
    private static final List<Path> CUDA_HOMES = List.of(Path.of("/usr/local/cuda/lib64"),
            Path.of("/usr/local/cuda/targets/x86_64-linux/lib"), Path.of("/usr/local/cuda-12/lib64"),
            Path.of("/opt/cuda/lib64"));

    private CudaLibraries() {
    }

    /** Every required library, looked up on this machine. */
    public static List<Library> probe() {
        return probe(loaderPath(System.getenv("LD_LIBRARY_PATH")), CUDA_HOMES);
    }

    /** As {@link #probe()} with the folders given: those the loader searches, and the extra places to look. */
    static List<Library> probe(List<Path> loaderFolders, List<Path> otherFolders) {
        List<Library> result = new ArrayList<>();
        for (String[] r : REQUIRED) {
            Path onPath = find(r[0], loaderFolders);
            if (onPath != null) {
                result.add(new Library(r[0], r[1], onPath, true, null));
                continue;
            }
            Path elsewhere = find(r[0], otherFolders);
            result.add(elsewhere != null
                    ? new Library(r[0], r[1], elsewhere, false, "add " + elsewhere
                            + " to LD_LIBRARY_PATH (the loader does not search it)")
                    : new Library(r[0], r[1], null, false, r[2] + ", or add the folder holding " + r[0]
                            + " to LD_LIBRARY_PATH"));
        }
        return result;
    }

    private static Path find(String file, List<Path> folders) {
        for (Path folder : folders) {
            if (Files.exists(folder.resolve(file))) {
                return folder;
            }
        }
        return null;
    }

    /** LD_LIBRARY_PATH, then /etc/ld.so.conf's folders, then the system folders: where dlopen looks. */
    static List<Path> loaderPath(String ldLibraryPath) {
        Set<Path> folders = new LinkedHashSet<>();
        if (ldLibraryPath != null) {
            for (String p : ldLibraryPath.split(":")) {
                if (!p.isBlank()) {
                    folders.add(Path.of(p));
                }
            }
        }
        folders.addAll(ldSoConf(Path.of("/etc/ld.so.conf")));
        folders.addAll(SYSTEM);
        return List.copyOf(folders);
    }

    private static List<Path> ldSoConf(Path conf) {
        List<Path> folders = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(conf)) {
                String l = line.strip();
                if (l.startsWith("include ")) {
                    String pattern = l.substring(8).strip();
                    Path dir = Path.of(pattern).getParent();
                    if (dir != null && Files.isDirectory(dir)) {
                        try (Stream<Path> files = Files.list(dir)) {
                            files.filter(f -> f.getFileName().toString().endsWith(".conf")).sorted()
                                    .forEach(f -> folders.addAll(ldSoConf(f)));
                        }
                    }
                } else if (!l.isEmpty() && !l.startsWith("#")) {
                    folders.add(Path.of(l));
                }
            }
        } catch (IOException | RuntimeException e) {
            // no ld.so.conf (containers, non-glibc systems): the system folders still count
        }
        return folders;
    }
}
