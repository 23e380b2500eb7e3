package dev.kino.cli.doctor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CudaLibrariesTest {

    @Test
    void foundOnThePathElsewhereOrMissingEachWithItsFix(@TempDir Path tmp) throws IOException {
        Path onPath = Files.createDirectories(tmp.resolve("lib"));
        Path cudaHome = Files.createDirectories(tmp.resolve("cuda/lib64"));
        Files.createFile(onPath.resolve("libcudart.so.12"));
        Files.createFile(cudaHome.resolve("libcudnn.so.9"));
        Map<String, CudaLibraries.Library> libs = CudaLibraries.probe(List.of(onPath), List.of(cudaHome)).stream()
                .collect(Collectors.toMap(CudaLibraries.Library::file, Function.identity()));

        CudaLibraries.Library runtime = libs.get("libcudart.so.12");
        assertTrue(runtime.found() && runtime.onLoaderPath());
        assertEquals(onPath, runtime.foundIn());
        assertNull(runtime.fix());

        CudaLibraries.Library cudnn = libs.get("libcudnn.so.9");
        assertTrue(cudnn.found());
        assertFalse(cudnn.onLoaderPath());
        assertEquals("add " + cudaHome + " to LD_LIBRARY_PATH (the loader does not search it)", cudnn.fix());

        CudaLibraries.Library cublas = libs.get("libcublas.so.12");
        assertFalse(cublas.found());
        assertTrue(cublas.fix().startsWith("install cuBLAS for CUDA 12"), cublas.fix());
        assertTrue(cublas.fix().endsWith("or add the folder holding libcublas.so.12 to LD_LIBRARY_PATH"), cublas.fix());
    }

    @Test
    void ldLibraryPathComesFirstThenTheSystemFolders() {
        List<Path> path = CudaLibraries.loaderPath("/opt/a::/opt/b");
        assertEquals(List.of(Path.of("/opt/a"), Path.of("/opt/b")), path.subList(0, 2));
        assertTrue(path.contains(Path.of("/usr/lib/x86_64-linux-gnu")), path.toString());
    }
}
