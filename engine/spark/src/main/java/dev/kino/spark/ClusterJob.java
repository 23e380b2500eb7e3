package dev.kino.spark;

import dev.kino.KinoException;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.scheduler.SparkListenerInterface;
import scala.Tuple2;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Waits for a Spark job the way a user would want: a job whose tasks no executor ever starts (a job asking for
 * GPUs no worker has, executors that cannot launch) fails after a bounded wait, and a job the cluster aborts
 * becomes one sentence with Spark's reason, not a stack trace.
 */
final class ClusterJob {
    private ClusterJob() {
    }

    /**
     * The job's result.
     *
     * @param startTimeoutSeconds how long to wait for the first task to start; 0 waits forever
     * @param what                what the job does, for the messages ("render 6 takes")
     * @param rerun               how the user continues once the cause is fixed ("rerun with --resume")
     * @throws KinoException when no task started in time (the job is cancelled) or the job failed
     */
    static <T> List<T> await(SparkContext sc, Supplier<JavaFutureAction<List<T>>> submit, TaskClock clock,
                             long startTimeoutSeconds, String what, String rerun) {
        SparkConf conf = sc.getConf();
        JavaFutureAction<List<T>> job;
        try {
            job = sc.isStopped() ? null : submit.get();
        } catch (IllegalStateException e) {
            if (!sc.isStopped()) {
                throw e;
            }
            job = null;
        }
        if (job == null) {
            throw stopped(what, rerun);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(startTimeoutSeconds);
        try {
            while (true) {
                try {
                    return job.get(200, TimeUnit.MILLISECONDS);
                } catch (TimeoutException notYet) {
                    if (startTimeoutSeconds > 0 && !clock.started() && System.nanoTime() > deadline) {
                        job.cancel(true);
                        throw new KinoException("No executor started a task within " + startTimeoutSeconds
                                + " s (--start-timeout), so the job to " + what + " was cancelled: no worker offers"
                                + " what each executor and task ask for (" + asks(conf) + "); start workers with"
                                + " those resources (GPUs need a discovery script in SPARK_WORKER_OPTS), ask for"
                                + " less, or raise --start-timeout if the cluster is only busy.");
                    }
                }
            }
        } catch (InterruptedException e) {
            job.cancel(true);
            Thread.currentThread().interrupt();
            throw new KinoException("Interrupted while waiting for the job to " + what + "; " + rerun + ".", e);
        } catch (ExecutionException e) {
            throw new KinoException("The cluster could not finish the job to " + what + ": " + reason(e.getCause())
                    + "; what was written so far is kept: fix the cause (the executors' logs on the workers say"
                    + " more) and " + rerun + ".", e.getCause());
        }
    }

    /** Registers {@code listener}, or says the application has stopped already. */
    static void listen(SparkContext sc, SparkListenerInterface listener, String what, String rerun) {
        try {
            sc.addSparkListener(listener);
        } catch (IllegalStateException e) { // "LiveListenerBus is stopped"
            if (sc.isStopped()) {
                throw stopped(what, rerun);
            }
            throw e;
        }
    }

    private static KinoException stopped(String what, String rerun) {
        return new KinoException("The Spark application stopped before it could " + what + ": the cluster"
                + " manager ends an application whose executors keep failing to start (a bad"
                + " spark.executor.extraJavaOptions, more memory or cores than a worker has); the executors'"
                + " logs on the workers say why: fix the cause and " + rerun + ".");
    }

    /** Spark's reason, on one line: the first line of its message, which names the last task failure. */
    static String reason(Throwable t) {
        String msg = t == null ? null : t.getMessage();
        if (msg == null || msg.isBlank()) {
            return t == null ? "unknown failure" : t.getClass().getSimpleName();
        }
        return msg.lines().findFirst().orElse(msg).strip().replaceAll("[.;:]+$", "");
    }

    /** The resources an executor and a task ask for, as set in the job's configuration. */
    static String asks(SparkConf conf) {
        List<String> asks = new ArrayList<>();
        for (Tuple2<String, String> kv : conf.getAll()) {
            String k = kv._1();
            if (k.matches("spark\\.(executor|task)\\.resource\\.[^.]+\\.amount") || k.equals("spark.task.cpus")
                    || k.equals("spark.executor.cores") || k.equals("spark.executor.memory")
                    || k.equals("spark.executor.instances")) {
                asks.add(k + "=" + kv._2());
            }
        }
        asks.sort(null);
        return asks.isEmpty() ? "Spark's defaults: 1 core and 1 GiB per executor, 1 core per task"
                : String.join(", ", asks);
    }
}
