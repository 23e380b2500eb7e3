package dev.kino.runtime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ONNX Runtime 1.29 died with SIGSEGV (no error report) while starting in a JVM whose {@code -cp} was long, as
 * applications, test runners and Spark executors have it. Kino starts it on a thread with a large stack; this
 * runs a child JVM with a long class path and checks that it starts and runs a session.
 */
class LongClassPathStartTest {
    /** The child: starts ONNX Runtime through Kino and prints its provider. */
    public static final class Child {
        public static void main(String[] args) {
            System.out.println("started on " + OnnxRuntime.create(Device.CPU).provider().label());
        }
    }

    @Test
    void onnxRuntimeStartsInAJvmWithALongClassPath(@TempDir Path dir) throws Exception {
        String padding = IntStream.range(0, 80)
                .mapToObj(i -> dir.resolve("not-there-" + "x".repeat(60) + i).toString())
                .collect(Collectors.joining(File.pathSeparator));
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path")
                + File.pathSeparator + padding, Child.class.getName())
                .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the child finished");
        String log = Files.readString(dir.resolve("child.log"));
        assertEquals(0, child.exitValue(), "exit code (139 is the SIGSEGV); log: " + log);
        assertTrue(log.contains("started on"), log);
    }
}
