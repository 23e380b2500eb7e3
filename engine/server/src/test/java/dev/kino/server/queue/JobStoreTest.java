package dev.kino.server.queue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The durable queue on a real SQLite file: exclusive claims, order, cancel, idempotency, recovery, migrations. */
class JobStoreTest {
    @TempDir
    Path dir;

    private static NewJob job(String model, int priority) {
        return new NewJob(null, null, null, model, "{\"prompt\":\"p\"}", "h", priority, null, null);
    }

    private JobStore store() {
        return new JobStore(Database.open(dir.resolve("kino.db")), j -> { });
    }

    @Test
    void twoWorkersOnTwoConnectionsNeverClaimTheSameJob() throws Exception {
        int n = 120;
        try (JobStore a = store(); JobStore b = store()) {
            List<NewJob> jobs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                jobs.add(job("demo", 0));
            }
            a.submit(null, jobs, null, null);
            List<String> claimed = Collections.synchronizedList(new ArrayList<>());
            AtomicInteger perWorker = new AtomicInteger();
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (JobStore s : List.of(a, b, a, b)) { // two threads per connection, four claimers in all
                String worker = "w" + perWorker.incrementAndGet();
                threads.add(new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    Job j;
                    while ((j = s.claim(worker, Set.of())) != null) {
                        claimed.add(j.id());
                        assertEquals(worker, j.worker());
                    }
                }));
            }
            threads.forEach(Thread::start);
            go.countDown();
            for (Thread t : threads) {
                t.join();
            }
            assertEquals(n, claimed.size(), "every job claimed once");
            assertEquals(n, new HashSet<>(claimed).size(), "no job claimed twice");
            assertEquals(n, a.list(JobState.RUNNING, null, 1000).size());
            assertTrue(a.list(JobState.RUNNING, null, 1000).stream().allMatch(j -> j.attempts() == 1));
        }
    }

    @Test
    void priorityFirstThenLoadedModelThenSubmissionOrder() {
        try (JobStore s = store()) {
            String low1 = s.submit(null, List.of(job("demo", 0)), null, null).jobs().get(0).id();
            String high1 = s.submit(null, List.of(job("demo", 5)), null, null).jobs().get(0).id();
            String lowOther = s.submit(null, List.of(job("other", 0)), null, null).jobs().get(0).id();
            String high2 = s.submit(null, List.of(job("demo", 5)), null, null).jobs().get(0).id();
            String low2 = s.submit(null, List.of(job("demo", 0)), null, null).jobs().get(0).id();
            assertEquals(high1, s.claim("w", Set.of("other")).id());
            assertEquals(high2, s.claim("w", Set.of("other")).id());
            assertEquals(lowOther, s.claim("w", Set.of("other")).id(), "the loaded model wins among equals");
            assertEquals(low1, s.claim("w", Set.of()).id());
            s.reprioritize(low2, -1);
            assertEquals(low2, s.claim("w", Set.of()).id());
            assertNull(s.claim("w", Set.of()));
        }
    }

    @Test
    void cancelQueuedAtOnceRunningAtItsNextStepFinishedNever() {
        try (JobStore s = store()) {
            List<Job> jobs = s.submit(null, List.of(job("demo", 0), job("demo", 0)), null, null).jobs();
            Job running = s.claim("w", Set.of());
            Job canceledRunning = s.cancel(running.id());
            assertEquals(JobState.RUNNING, canceledRunning.state(), "stops at its next step, in the worker");
            assertTrue(canceledRunning.cancelRequested());
            Job queued = s.cancel(jobs.get(1).id());
            assertEquals(JobState.CANCELED, queued.state());
            assertNull(s.claim("w", Set.of()), "a canceled job is never claimed");
            s.canceled(running.id());
            QueueException again = assertThrows(QueueException.class, () -> s.cancel(running.id()));
            assertEquals(QueueException.Reason.CONFLICT, again.reason());
            assertEquals(QueueException.Reason.NOT_FOUND,
                    assertThrows(QueueException.class, () -> s.cancel("j-0000000000000000")).reason());
        }
    }

    @Test
    void anIdempotencyKeyReturnsTheFirstResultAndRefusesAnotherBody() {
        try (JobStore s = store()) {
            JobStore.Submitted first = s.submit(null, List.of(job("demo", 0)), "key-1", "body-a");
            JobStore.Submitted retry = s.submit(null, List.of(job("demo", 0)), "key-1", "body-a");
            assertTrue(retry.replayed());
            assertEquals(first.jobs().get(0).id(), retry.jobs().get(0).id());
            QueueException e = assertThrows(QueueException.class,
                    () -> s.submit(null, List.of(job("demo", 0)), "key-1", "body-b"));
            assertEquals(QueueException.Reason.CONFLICT, e.reason());
            assertEquals(1, s.list(null, null, 100).size(), "nothing added by the retry or the conflict");
            Project p = ProjectStore.create("film", "{}", "json");
            JobStore.Submitted proj = s.submit(p, List.of(job("demo", 0), job("demo", 0)), "key-2", "body-p");
            JobStore.Submitted projRetry = s.submit(p, List.of(job("demo", 0), job("demo", 0)), "key-2", "body-p");
            assertEquals(proj.project().id(), projRetry.project().id());
            assertEquals(2, projRetry.jobs().size());
            assertEquals(3, s.list(null, null, 100).size());
        }
    }

    @Test
    void aRestartPutsRunningJobsBackAndKeepsEverything() {
        String resumed;
        String canceled;
        try (JobStore s = store()) {
            List<Job> jobs = s.submit(null, List.of(job("demo", 0), job("demo", 0), job("demo", 0)), null, null).jobs();
            resumed = s.claim("w", Set.of()).id();
            s.started(resumed, 20, null);
            s.progress(resumed, 8);
            canceled = s.claim("w", Set.of()).id();
            s.cancel(canceled);
            // the process dies here: no close, no state change
        }
        try (JobStore s = store()) {
            assertEquals(1, s.recover());
            Job r = s.get(resumed);
            assertEquals(JobState.QUEUED, r.state());
            assertEquals(8, r.step(), "progress survives");
            assertEquals(JobState.CANCELED, s.get(canceled).state(), "a cancel asked before the kill holds");
            assertEquals(2, s.list(JobState.QUEUED, null, 10).size());
            assertEquals(resumed, s.claim("w", Set.of()).id(), "the interrupted job is first again (FIFO)");
            assertEquals(2, s.get(resumed).attempts());
        }
    }

    @Test
    void theSchemaIsMigratedOnceAndVersioned() throws Exception {
        try (Connection c = Database.open(dir.resolve("kino.db"))) {
            try (var rs = c.createStatement().executeQuery("PRAGMA user_version")) {
                assertEquals(Database.version(), rs.getInt(1));
            }
            try (var rs = c.createStatement().executeQuery("PRAGMA journal_mode")) {
                assertEquals("wal", rs.getString(1));
            }
            c.createStatement().execute("PRAGMA user_version = 99");
        }
        assertTrue(assertThrows(dev.kino.KinoException.class, () -> Database.open(dir.resolve("kino.db")))
                .getMessage().contains("schema version 99"));
    }
}
