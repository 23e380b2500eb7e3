package dev.kino.spark;

import org.apache.spark.sql.SparkSession;

/**
 * The one local Spark of the test JVM, shared by every test class: two task threads, up to three attempts per
 * task ({@code local[2,3]}, so a crashed task is retried as on a cluster), no UI, few shuffle partitions. A JVM
 * holds one Spark at a time: a test that needs another (a local cluster) stops this one, and the next test
 * asking for it gets a new one.
 */
final class LocalSpark {
    private static SparkSession spark;

    private LocalSpark() {
    }

    static synchronized SparkSession session() {
        if (spark == null || spark.sparkContext().isStopped()) {
            spark = SparkSession.builder().master("local[2,3]").appName("kino-spark tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.sql.shuffle.partitions", "2")
                    .config("spark.default.parallelism", "2")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.hadoop.fs." + TestFileSystems.FullTable.SCHEME + ".impl",
                            TestFileSystems.FullTable.class.getName())
                    .getOrCreate();
            spark.sparkContext().setLogLevel("WARN");
        }
        return spark;
    }

    /** Stops the shared local Spark, if running, so that another can start in this JVM. */
    static synchronized void stop() {
        if (spark != null) {
            spark.stop();
            spark = null;
        }
        SparkSession.clearActiveSession();
        SparkSession.clearDefaultSession();
    }
}
