package dev.kino.spark;

import dev.kino.commandline.KinoPrograms;
import dev.kino.demo.DemoModel;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SweepJob on Spark's {@code local-cluster[2,1,1024]} (executors in JVMs of their own, as in
 * {@link ClusterRenderJobTest}), one cluster for the whole class: the sweep folder is checked as shared by the
 * driver and every executor, and cluster failures and a report that cannot be written are one sentence, exit 1.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterSweepJobTest {
    @TempDir
    static Path tmp;
    static SparkSession cluster;

    @BeforeAll
    static void startCluster() throws IOException {
        LocalSpark.stop();
        ClusterRenderJobTest.stopRunning();
        ClusterRenderJobTest.sparkHome();
        cluster = SparkSession.builder().master("local-cluster[2,1,1024]").appName("kino-spark sweep cluster test")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.executor.extraClassPath",
                        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")))
                .config("spark.executor.extraJavaOptions", System.getProperty("kino.spark.java17.flags", ""))
                .config("spark.executorEnv.DJL_OFFLINE", "true")
                .config("spark.task.maxFailures", "2")
                .getOrCreate();
        cluster.sparkContext().setLogLevel("ERROR");
        ClusterRenderJobTest.cluster = cluster; // stopRunning stops it
    }

    @AfterAll
    static void stopCluster() {
        ClusterRenderJobTest.stopRunning();
    }

    private static Run sweep(String out, String... more) {
        List<String> args = new ArrayList<>(List.of("--model", DemoModel.folder().toString(), "--prompt",
                "a red circle moving right", "--schedulers", "flow-euler", "--steps", "1", "--reference-steps", "2",
                "--out", out));
        args.addAll(List.of(more));
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code;
        PrintStream stdout = System.out;
        try (PrintStream op = new PrintStream(o, true, StandardCharsets.UTF_8);
             PrintStream ep = new PrintStream(e, true, StandardCharsets.UTF_8)) {
            System.setOut(op); // SweepJob prints its summary to the process's stdout, as spark-submit shows it
            code = KinoPrograms.execute(new CommandLine(new SweepJob()), "SweepJob", args.toArray(String[]::new), op, ep);
        } finally {
            System.setOut(stdout);
        }
        return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    record Run(int code, String out, String err) {
    }

    @Test
    @Order(1)
    void aSweepRunsOnExecutorJvmsIntoTheDriversFolder() throws IOException {
        Path out = tmp.resolve("sweep");
        Run run = sweep(out.toString());
        assertEquals(0, run.code(), run.out() + run.err());
        assertTrue(run.out().contains("Ran 2 runs"), run.out());
        assertTrue(Files.size(out.resolve("results.csv")) > 0 && Files.size(out.resolve("report.html")) > 0);
        assertEquals(List.of(), names(out, n -> n.startsWith(OutputStore.MARK_PREFIX)), "the check file is removed");
    }

    @Test
    @Order(2)
    void aReportThatCannotBeWrittenIsOneSentenceAndTheRunsAreKept() throws IOException {
        Path out = tmp.resolve("sweep");
        Files.delete(out.resolve("results.csv"));
        Files.writeString(Files.createDirectories(out.resolve("results.csv")).resolve("in-the-way"), "x");
        Run run = sweep(out.toString());
        assertEquals(1, run.code(), run.out() + run.err());
        assertEquals(1, run.err().lines().count(), run.err());
        assertTrue(run.err().contains("The sweep's 2 runs are in " + out + ", but the report could not be written"
                + " there (Could not write " + out.resolve("results.csv"))
                && run.err().contains("rerun with the same --out once that is fixed"), run.err());
        deleteTree(out.resolve("results.csv"));
        Run again = sweep(out.toString());
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("Ran 0 runs, reused 2"), again.out());
    }

    @Test
    @Order(3)
    void aFolderTheExecutorsDoNotShareFailsInOneSentence() throws IOException {
        // /proc/self/cwd is each process's own working folder: through it one path names a different folder in
        // the driver and in each executor, as a local path does on a cluster of several machines.
        Path view = Files.createSymbolicLink(tmp.resolve("view"), Path.of("/proc/self/cwd"));
        String name = "target/sweep-unshared-" + System.nanoTime();
        Path driverSide = Path.of(name).toAbsolutePath();
        try {
            Run run = sweep(view.resolve(name).toString());
            assertEquals(1, run.code(), run.out() + run.err());
            assertEquals(1, run.err().lines().count(), run.err());
            assertTrue(run.err().contains("does not see the driver's sweep folder " + view.resolve(name))
                    && run.err().contains("give --out as a folder the driver and every executor share"), run.err());
            try (Stream<Path> work = Files.walk(ClusterRenderJobTest.sparkHome().resolve("work"))) {
                assertEquals(List.of(), work.filter(p -> p.toString().contains("sweep-unshared")
                        && p.getFileName().toString().equals("result.json")).toList(), "no run landed on an executor");
            }
        } finally {
            deleteTree(driverSide);
        }
    }

    @Test
    @Order(4)
    void aClusterThatStartsNoTaskFailsAfterTheStartTimeout() throws Exception {
        // Both executors' only cores busy with another job: none of the sweep's tasks can start.
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(cluster.sparkContext());
        CompletableFuture<Void> busy = CompletableFuture.runAsync(() -> {
            jsc.setJobGroup("busy", "two tasks that hold both cores", true);
            try {
                jsc.parallelize(List.of(1, 2), 2).foreach(i -> Thread.sleep(120_000));
            } catch (Exception cancelled) { // Spark's SparkException, thrown through Scala unchecked
                // cancelled below
            }
        });
        try {
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (running(cluster) < 2 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertEquals(2, running(cluster), "both cores busy");
            Thread.sleep(1000); // the listener bus delivers the busy tasks' start events before the sweep listens
            long start = System.nanoTime();
            Run run = sweep(tmp.resolve("never").toString(), "--start-timeout", "3");
            double seconds = (System.nanoTime() - start) / 1e9;
            assertEquals(1, run.code(), run.out() + run.err());
            assertEquals(1, run.err().lines().count(), run.err());
            assertTrue(run.err().contains("No executor started a task within 3 s (--start-timeout), so the job to"
                    + " resolve the grid was cancelled"), run.err());
            assertFalse(run.err().contains("internal error"), run.err());
            assertTrue(seconds < 60, seconds + " s");
        } finally {
            cluster.sparkContext().cancelJobGroup("busy");
            busy.join();
        }
    }

    private static int running(SparkSession spark) {
        int n = 0;
        for (int stage : spark.sparkContext().statusTracker().getActiveStageIds()) {
            var info = spark.sparkContext().statusTracker().getStageInfo(stage);
            if (info.isDefined()) {
                n += info.get().numActiveTasks();
            }
        }
        return n;
    }

    private static List<String> names(Path dir, java.util.function.Predicate<String> keep) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(keep).toList();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
