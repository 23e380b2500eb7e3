package dev.kino.cli;

import dev.kino.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The {@code ./kino} launcher picks its Java: JAVA_HOME first, then the PATH, one sentence when there is none,
 * and native access enabled on Java 22+. It runs from a copy beside a stand-in jar, so it never builds.
 */
class LauncherTest {
    private static final Path LAUNCHER = Path.of("../../kino").toAbsolutePath().normalize();
    private static final Path JAVA_25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64");

    @TempDir
    Path tmp;

    record Run(int exitCode, String output) {
    }

    private Path install() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("kino-home"));
        Files.copy(LAUNCHER, home.resolve("kino"));
        Files.createDirectories(home.resolve("engine/cli/target"));
        Files.writeString(home.resolve("engine/cli/target/kino.jar"), "stand-in");
        return home.resolve("kino");
    }

    /** A JAVA_HOME whose java reports {@code version} and prints the arguments it was given. */
    private Path fakeJavaHome(String name, String version) throws Exception {
        Path bin = Files.createDirectories(tmp.resolve(name).resolve("bin"));
        Path java = bin.resolve("java");
        Files.writeString(java, "#!/bin/sh\nif [ \"$1\" = -version ]; then echo 'openjdk version \"" + version
                + "\" 2025-01-01' >&2; exit 0; fi\necho \"fake java " + name + ": $*\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return bin.getParent();
    }

    private Run launch(Path launcher, Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("/bin/bash", launcher.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().remove("JAVA_HOME");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Run(p.exitValue(), out);
    }

    @Test
    void javaHomeIsHonouredAndJava22GetsNativeAccess() throws Exception {
        Path kino = install();
        Run modern = launch(kino, Map.of("JAVA_HOME", fakeJavaHome("jdk25", "25.0.1").toString()), "--version");
        assertEquals(0, modern.exitCode(), modern.output());
        assertTrue(modern.output().startsWith("fake java jdk25: "), modern.output());
        assertTrue(modern.output().contains("--enable-native-access=ALL-UNNAMED -jar"), modern.output());
        Run lts = launch(kino, Map.of("JAVA_HOME", fakeJavaHome("jdk17", "17.0.12").toString()), "--version");
        assertTrue(lts.output().startsWith("fake java jdk17: "), lts.output());
        assertFalse(lts.output().contains("--enable-native-access"), "Java 17 has no restricted-method warnings");
    }

    @Test
    void noJavaOrAnOldOneIsOneSentence() throws Exception {
        Path kino = install();
        // A PATH with only what the launcher needs before it looks for Java.
        Path bin = Files.createDirectories(tmp.resolve("bare-bin"));
        for (String tool : new String[] {"dirname", "readlink"}) {
            Files.createSymbolicLink(bin.resolve(tool), Path.of("/usr/bin", tool).toRealPath());
        }
        Run none = launch(kino, Map.of("PATH", bin.toString()), "--version");
        assertEquals(1, none.exitCode(), none.output());
        assertEquals(1, none.output().strip().lines().count(), none.output());
        assertTrue(none.output().startsWith("kino: no Java found. Kino needs Java 17 or newer"), none.output());
        assertTrue(none.output().contains("JAVA_HOME"), none.output());

        Run broken = launch(kino, Map.of("JAVA_HOME", tmp.resolve("nowhere").toString()), "--version");
        assertEquals(1, broken.exitCode());
        assertTrue(broken.output().startsWith("kino: JAVA_HOME is " + tmp.resolve("nowhere") + " but it has no bin/java"),
                broken.output());

        Run old = launch(kino, Map.of("JAVA_HOME", fakeJavaHome("jdk8", "1.8.0_392").toString()), "--version");
        assertEquals(1, old.exitCode());
        assertTrue(old.output().contains("is Java 1. Kino needs Java 17 or newer"), old.output());
    }

    @Test
    void theNativeAccessFlagSilencesJava25sRestrictedMethodWarnings() throws Exception {
        assumeTrue(Files.isExecutable(JAVA_25.resolve("bin/java")), "no Java 25 at " + JAVA_25);
        List<String> base = List.of(JAVA_25.resolve("bin/java").toString(), "-Dai.djl.offline=true");
        List<String> tail = List.of("-cp", System.getProperty("java.class.path"), KinoCli.class.getName(), "info",
                "--model", Fixtures.dir(Fixtures.UNET).toString());
        String without = run(concat(base, List.of(), tail));
        String with = run(concat(base, List.of("--enable-native-access=ALL-UNNAMED"), tail));
        assertTrue(without.contains("WARNING: A restricted method"), "the warning this flag is for: " + without);
        assertFalse(with.contains("WARNING"), with);
        assertTrue(with.contains("fixture-unet3d-ddim"), with);
    }

    private static List<String> concat(List<String> a, List<String> b, List<String> c) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        all.addAll(c);
        return all;
    }

    private static String run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor(120, TimeUnit.SECONDS);
        return out;
    }
}
