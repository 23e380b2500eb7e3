package dev.kino.spark;

import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Spark's own time around each successful render task, from the scheduler's task-end events: what the
 * executor spent deserializing the task, running it and serializing its result, in milliseconds, keyed by the
 * task's partition (one take each). Subtracting the render's own time leaves Spark's executor-side overhead.
 */
final class TaskClock extends SparkListener {
    private final Map<Integer, Long> executorMs = new ConcurrentHashMap<>();
    private final int tasks;
    private volatile boolean started;

    /** Listens for {@code tasks} tasks: register it right before the one job it measures, remove it after. */
    TaskClock(int tasks) {
        this.tasks = tasks;
    }

    @Override
    public void onTaskStart(SparkListenerTaskStart start) {
        started = true;
    }

    /** True once an executor has started one of the job's tasks. */
    boolean started() {
        return started;
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        TaskMetrics m = end.taskMetrics();
        if (m == null || !end.taskInfo().successful()) {
            return;
        }
        executorMs.put(end.taskInfo().index(), m.executorDeserializeTime() + m.executorRunTime()
                + m.resultSerializationTime());
    }

    /** Waits up to {@code millis} for every task's event (the listener bus delivers them asynchronously). */
    List<Long> await(long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (executorMs.size() < tasks && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        List<Long> ms = new ArrayList<>();
        for (int i = 0; i < tasks; i++) {
            ms.add(executorMs.get(i));
        }
        return ms;
    }
}
