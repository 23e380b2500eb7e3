package dev.kino.spark;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RenderJob on Spark's {@code local-cluster[2,1,1024]}: a Master and two Workers in this JVM, and every executor
 * a JVM of its own with its own working folder, as on a standalone cluster. The Workers launch executors from
 * SPARK_HOME (a stand-in in target/, set by the pom) with this test's class path. The tests on the default
 * configuration share one cluster (executors take seconds to launch); the others start their own after it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterRenderJobTest {
    static final String LIST = """
            {"project": "cluster", "seed": 5, "defaults": {"steps": 2, "takes": 2},
             "shots": [{"name": "a", "prompt": "a red circle moving right"}]}
            """;

    @TempDir
    static Path shared;
    @TempDir
    Path tmp;

    static SparkSession cluster;

    @BeforeAll
    static void oneSparkPerJvm() {
        LocalSpark.stop();
    }

    @AfterAll
    static void stopCluster() {
        stopRunning();
    }

    /** Stops the running cluster and waits until this JVM can start another Spark. */
    static void stopRunning() {
        if (cluster != null) {
            cluster.stop();
            cluster = null;
        }
        SparkSession.clearActiveSession();
        SparkSession.clearDefaultSession();
        // A context the Master shut down stops on a thread of its own: wait until it is gone.
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (org.apache.spark.SparkContext$.MODULE$.getActive().isDefined() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
    }

    static Path sparkHome() throws IOException {
        Path home = Path.of(System.getenv("SPARK_HOME"));
        Files.createDirectories(home.resolve("jars"));
        Files.createDirectories(home.resolve("launcher/target/scala-2.13"));
        Files.writeString(home.resolve("RELEASE"), "A stand-in SPARK_HOME for kino-spark's local-cluster tests\\n");
        return home;
    }

    /** The cluster with {@code conf} on top of the tests' settings; the running one when that is the same. */
    static SparkSession start(Map<String, String> conf) throws IOException {
        if (cluster != null && conf.isEmpty() && !cluster.sparkContext().isStopped()
                && !cluster.sparkContext().getConf().contains("kino.test.special")) {
            return cluster;
        }
        stopRunning();
        sparkHome();
        var b = SparkSession.builder().master("local-cluster[2,1,1024]").appName("kino-spark cluster test")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.executor.extraClassPath",
                        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")))
                .config("spark.executor.extraJavaOptions", System.getProperty("kino.spark.java17.flags", ""))
                .config("spark.executorEnv.DJL_OFFLINE", "true")
                .config("spark.task.maxFailures", "2")
                .config("spark.hadoop.fs." + TestFileSystems.PerJvm.SCHEME + ".impl", TestFileSystems.PerJvm.class.getName())
                .config("spark.hadoop." + TestFileSystems.PerJvm.ROOT, shared.resolve("perjvm").toString());
        conf.forEach(b::config);
        if (!conf.isEmpty()) {
            b.config("kino.test.special", "true");
        }
        cluster = b.getOrCreate();
        cluster.sparkContext().setLogLevel("ERROR");
        return cluster;
    }

    @Test
    @Order(1)
    void aRelativeOutLandsInTheDriversFolderAndResumes() throws IOException {
        SparkSession spark = start(Map.of());
        Path list = Files.writeString(tmp.resolve("shots.json"), LIST);
        String relative = "target/cluster-out-" + System.nanoTime();
        Path driverSide = Path.of(relative).toAbsolutePath();
        try {
            RenderJob.Summary s = RenderJobTest.job("--shots", list.toString(), "--out", relative).run(spark, null);
            assertEquals(2, s.count(RenderOutcome.RENDERED), s.outcomes().toString());
            for (RenderOutcome o : s.outcomes()) {
                assertNotEquals("driver", o.executor(), "rendered in an executor JVM");
                Path mp4 = driverSide.resolve("01-a/take-0" + o.take() + ".mp4");
                assertEquals("file:" + mp4, o.output());
                assertTrue(Files.size(mp4) > 0, mp4 + " in the driver's folder");
            }
            try (Stream<Path> work = Files.walk(sparkHome().resolve("work"))) {
                assertEquals(List.of(), work.filter(p -> p.toString().endsWith(".mp4")).toList(),
                        "nothing in the executors' working folders");
            }
            List<Row> table = spark.read().parquet(driverSide.resolve(RenderJob.PARQUET).toString()).collectAsList();
            assertEquals(2, table.size());
            for (Row r : table) {
                assertTrue(((String) r.getAs("output")).startsWith("file:" + driverSide + "/"), r.toString());
            }

            RenderJob.Summary resumed = RenderJobTest.job("--shots", list.toString(), "--out", relative, "--resume")
                    .run(spark, null);
            assertEquals(2, resumed.count(RenderOutcome.KEPT), resumed.outcomes().toString());
            assertEquals(0, resumed.count(RenderOutcome.RENDERED));
        } finally {
            deleteTree(driverSide);
        }
    }

    @Test
    @Order(2)
    void anOutTheExecutorsDoNotShareFailsInOneSentence() throws IOException {
        start(Map.of());
        Path list = Files.writeString(tmp.resolve("shots.json"), LIST);
        RenderJobTest.Run run = RenderJobTest.commandOnActive("--shots", list.toString(), "--out",
                TestFileSystems.PerJvm.SCHEME + ":///renders/cluster");
        assertEquals(1, run.code(), run.out() + run.err());
        assertEquals(1, run.err().lines().count(), run.err());
        assertTrue(run.err().contains("does not see the driver's --out folder perjvm:/renders/cluster")
                && run.err().contains("give --out as a folder the driver and every executor share"), run.err());
        try (Stream<Path> all = Files.walk(shared.resolve("perjvm"))) {
            assertEquals(List.of(), all.filter(p -> p.toString().endsWith(".mp4") || p.toString().contains("results"))
                    .toList(), "no take rendered where the driver cannot see it, no results table");
        }
    }

    @Test
    @Order(3)
    void gpusNoWorkerHasFailAfterTheStartTimeout() throws IOException {
        start(Map.of("spark.executor.resource.gpu.amount", "1", "spark.task.resource.gpu.amount", "1",
                "spark.executor.resource.gpu.discoveryScript", "/bin/true"));
        Path list = Files.writeString(tmp.resolve("shots.json"), LIST);
        long start = System.nanoTime();
        RenderJobTest.Run run = RenderJobTest.commandOnActive("--shots", list.toString(), "--out",
                tmp.resolve("out").toString(), "--start-timeout", "5");
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(1, run.code(), run.out() + run.err());
        assertEquals(1, run.err().lines().count(), run.err());
        assertTrue(run.err().contains("No executor started a task within 5 s (--start-timeout)")
                && run.err().contains("spark.executor.resource.gpu.amount=1"), run.err());
        assertTrue(seconds < 60, seconds + " s");
    }

    @Test
    @Order(4)
    void executorsThatCannotStartAreOneSentence() throws IOException {
        start(Map.of("spark.executor.extraJavaOptions", "-agentlib:kino-no-such-agent",
                "spark.deploy.maxExecutorRetries", "2"));
        Path list = Files.writeString(tmp.resolve("shots.json"), LIST);
        RenderJobTest.Run run = RenderJobTest.commandOnActive("--shots", list.toString(), "--out",
                tmp.resolve("out").toString(), "--start-timeout", "60");
        assertEquals(1, run.code(), run.out() + run.err());
        assertEquals(1, run.err().lines().count(), run.err());
        assertFalse(run.err().contains("internal error"), run.err());
        // The Master removes the application after its executors failed twice: before or during the job.
        assertTrue(run.err().contains("The Spark application stopped before it could render 2 takes of cluster")
                || run.err().contains("The cluster could not finish the job to render 2 takes of cluster"), run.err());
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
