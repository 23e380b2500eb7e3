package dev.kino.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code kino} in a fresh JVM (the test classpath), for what one process cannot show: native libraries
 * load once per process and write to the real stderr, the working folder is fixed per process.
 */
final class ChildKino {
    private ChildKino() {
    }

    /** Exit code and stdout+stderr (interleaved) of one child run. */
    record Run(int exitCode, String output) {
    }

    static Run run(Path workDir, List<String> jvmOptions, Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Dai.djl.offline=true"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), KinoCli.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).directory(workDir.toFile());
        pb.environment().put("DJL_OFFLINE", "true");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("kino did not finish: " + out);
        }
        return new Run(p.exitValue(), out);
    }
}
