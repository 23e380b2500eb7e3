package dev.kino.server.queue;

import dev.kino.KinoException;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The durable queue: jobs, projects, picks and idempotency keys in SQLite. Every change is one transaction;
 * a job is claimed with {@code BEGIN IMMEDIATE} (the database's write lock), so no two workers, threads or
 * processes ever run the same job. {@code changes} hears every job whose row changed, after the commit, except
 * the jobs of a submit of more than {@link #BULK} (its caller announces those once).
 */
public final class JobStore implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();
    static final String COLUMNS = "id, project_id, shot, shot_index, take, model, request, request_hash, "
            + "priority, state, worker, cancel_requested, step, steps, resumed_from, attempts, error, video, frames, "
            + "created_at, started_at, finished_at, warnings";

    /** Jobs one submit announces one by one; more are announced as one reload. */
    public static final int BULK = 1000;
    final Connection db;
    private final Connection reader;
    private final Consumer<Job> changes;

    /** A store that reads and writes on one connection. */
    public JobStore(Connection db, Consumer<Job> changes) {
        this(db, db, changes);
    }

    /** A store that writes on {@code db} and reads on {@code reader} (another connection to the same file). */
    public JobStore(Connection db, Connection reader, Consumer<Job> changes) {
        this.db = db;
        this.reader = reader;
        this.changes = changes;
    }

    /** A fresh random id: {@code prefix-} and 16 hex digits. */
    static String newId(char prefix) {
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        return prefix + "-" + HexFormat.of().formatHex(b);
    }

    /** What a submit produced: the jobs (and project), and whether an earlier identical request made them. */
    public record Submitted(Project project, List<Job> jobs, boolean replayed) {
    }

    /**
     * Enqueues {@code jobs} (and {@code project} when not null) in one transaction. With an idempotency key the
     * first request's result is returned again for a retry with the same body, and a different body under the
     * same key is a conflict.
     */
    public Submitted submit(Project project, List<NewJob> jobs, String idempotencyKey, String bodyHash) {
        List<Job> made = new ArrayList<>();
        synchronized (db) {
            Submitted replay = inTransaction(() -> {
                if (idempotencyKey != null) {
                    Submitted earlier = Idempotency.replay(this, idempotencyKey, bodyHash);
                    if (earlier != null) {
                        return earlier;
                    }
                }
                made.addAll(SubmitRows.insert(db, project, jobs, idempotencyKey, bodyHash));
                return null;
            });
            if (replay != null) {
                return replay;
            }
        }
        if (made.size() <= BULK) {
            made.forEach(changes);
        } // a bigger submit is announced once by its caller (EventHub.reload), not as 100,000 events
        return new Submitted(project == null ? null : projectOrNull(project.id()), made, false);
    }

    /** The plan stored with job {@code id} when it was submitted, as JSON, or null (a take continuing a shot). */
    public String plan(String id) {
        return read(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT plan FROM jobs WHERE id = ?")) {
                s.setString(1, id);
                try (ResultSet rs = s.executeQuery()) {
                    return rs.next() ? rs.getString(1) : null;
                }
            }
        });
    }

    /** The job {@code id}, or a NOT_FOUND {@link QueueException}. */
    public Job get(String id) {
        List<Job> jobs = query("SELECT " + COLUMNS + " FROM jobs WHERE id = ?", id);
        if (jobs.isEmpty()) {
            throw QueueException.notFound("job", id);
        }
        return jobs.get(0);
    }

    /** Jobs in queue order (priority, then submission), optionally of one state and/or project. */
    public List<Job> list(JobState state, String projectId, int limit) {
        return list(state, projectId, limit, 0);
    }

    /** As {@link #list(JobState, String, int)}, skipping the first {@code offset} (the next page). */
    public List<Job> list(JobState state, String projectId, int limit, int offset) {
        return query("SELECT " + COLUMNS + " FROM jobs WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR "
                + "project_id = ?2) ORDER BY CASE state WHEN 'running' THEN 0 WHEN 'queued' THEN 1 ELSE 2 END, "
                + "CASE WHEN state IN ('running', 'queued') THEN -priority ELSE 0 END, "
                + "CASE WHEN state IN ('running', 'queued') THEN seq ELSE -seq END LIMIT ?3 OFFSET ?4",
                state == null ? null : state.key(), projectId, limit, offset);
    }

    /** How many jobs are in {@code state}. */
    public int count(JobState state) {
        return read(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM jobs WHERE state = ?")) {
                s.setString(1, state.key());
                try (ResultSet rs = s.executeQuery()) {
                    return rs.next() ? rs.getInt(1) : 0;
                }
            }
        });
    }

    /**
     * Claims the next job for {@code worker}: highest priority first; among equals, a job whose model the
     * worker has loaded, then the oldest. A take continuing from another shot waits until that shot has a
     * finished pick. Null when nothing is queued.
     */
    public Job claim(String worker, Set<String> loadedModels) {
        Job job;
        synchronized (db) {
            job = inTransaction(() -> {
                String loaded = String.join(",", loadedModels.stream().map(m -> "'" + m.replace("'", "''") + "'").toList());
                String preferLoaded = loadedModels.isEmpty() ? "" : "CASE WHEN model IN (" + loaded + ") THEN 0 ELSE 1 END, ";
                String id;
                try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT id FROM jobs WHERE "
                        + "state = 'queued' AND " + ProjectStore.SOURCE_PICKED
                        + " ORDER BY priority DESC, " + preferLoaded + "seq LIMIT 1")) {
                    if (!rs.next()) {
                        return null;
                    }
                    id = rs.getString(1);
                }
                try (PreparedStatement s = db.prepareStatement("UPDATE jobs SET state = 'running', worker = ?, "
                        + "attempts = attempts + 1, started_at = ? WHERE id = ? AND state = 'queued'")) {
                    s.setString(1, worker);
                    s.setLong(2, System.currentTimeMillis());
                    s.setString(3, id);
                    if (s.executeUpdate() != 1) {
                        throw new IllegalStateException("job " + id + " changed inside the write lock");
                    }
                }
                return get(id);
            });
        }
        if (job != null) {
            changes.accept(job);
        }
        return job;
    }

    /** The running job knows its step count and where it resumed from. */
    public void started(String id, int steps, Integer resumedFrom) {
        update("UPDATE jobs SET steps = ?, step = ?, resumed_from = ? WHERE id = ? AND state = 'running'",
                steps, resumedFrom == null ? 0 : resumedFrom, resumedFrom, id);
    }

    /** Steps done so far (written at checkpoints: the database is not a progress bar). */
    public void progress(String id, int step) {
        update("UPDATE jobs SET step = ? WHERE id = ? AND state = 'running'", step, id);
    }

    /** The job's video is written; {@code warnings} are what the user should know (words the model ignored). */
    public void succeeded(String id, String video, int frames, List<String> warnings) {
        update("UPDATE jobs SET state = 'succeeded', step = steps, video = ?, frames = ?, finished_at = ?, error = NULL,"
                + " warnings = ? WHERE id = ? AND state = 'running'", video, frames, System.currentTimeMillis(),
                warnings.isEmpty() ? null : String.join("\n", warnings), id);
    }

    public void failed(String id, String error) {
        update("UPDATE jobs SET state = 'failed', error = ?, finished_at = ? WHERE id = ? AND state = 'running'",
                error, System.currentTimeMillis(), id);
    }

    public void canceled(String id) {
        update("UPDATE jobs SET state = 'canceled', finished_at = ? WHERE id = ? AND state IN ('running', 'queued')",
                System.currentTimeMillis(), id);
    }

    /** Gives a running job back to the queue (its worker stopped without finishing it, e.g. at shutdown). */
    public void requeue(String id) {
        update("UPDATE jobs SET state = 'queued', worker = NULL WHERE id = ? AND state = 'running'", id);
    }

    /**
     * Cancels: a queued job at once; a running one is marked and its worker stops it at the next step.
     * Returns the job as it is now.
     */
    public Job cancel(String id) {
        Job j = get(id);
        if (j.state().finished()) {
            throw new QueueException(QueueException.Reason.CONFLICT, "The job " + id + " already " + j.state().key()
                    + "; only queued and running jobs can be canceled.");
        }
        update("UPDATE jobs SET state = CASE state WHEN 'queued' THEN 'canceled' ELSE state END, cancel_requested = 1,"
                + " finished_at = CASE state WHEN 'queued' THEN ? ELSE finished_at END WHERE id = ?",
                System.currentTimeMillis(), id);
        return get(id);
    }

    /** Changes a queued or running job's priority (a running job keeps running; a requeued one honours it). */
    public Job reprioritize(String id, int priority) {
        Job j = get(id);
        if (j.state().finished()) {
            throw new QueueException(QueueException.Reason.CONFLICT, "The job " + id + " already " + j.state().key()
                    + "; only queued and running jobs have a priority to change.");
        }
        update("UPDATE jobs SET priority = ? WHERE id = ?", priority, id);
        return get(id);
    }

    /** Deletes a finished or queued job and returns it (its files are the caller's to remove). */
    public Job delete(String id) {
        Job j = get(id);
        if (j.state() == JobState.RUNNING) {
            throw new QueueException(QueueException.Reason.CONFLICT, "The job " + id + " is running; cancel it first.");
        }
        synchronized (db) {
            inTransaction(() -> {
                exec("DELETE FROM picks WHERE job_id = ?", id);
                exec("DELETE FROM jobs WHERE id = ?", id);
                return null;
            });
        }
        changes.accept(new Job(j.id(), j.projectId(), j.shot(), j.shotIndex(), j.take(), j.model(), j.request(),
                j.requestHash(), j.priority(), j.state(), j.worker(), j.cancelRequested(), j.step(), j.steps(),
                j.resumedFrom(), j.attempts(), "deleted", null, j.frames(), j.createdAt(), j.startedAt(), j.finishedAt(),
                j.warnings()));
        return j;
    }

    /**
     * After a restart: jobs left running by a killed server go back to the queue (their checkpoints stay), or
     * to canceled when a cancel had been asked. Returns how many went back to work.
     */
    public int recover() {
        synchronized (db) {
            return inTransaction(() -> {
                exec("UPDATE jobs SET state = 'canceled', finished_at = ? WHERE state = 'running' AND cancel_requested = 1",
                        System.currentTimeMillis());
                try (PreparedStatement s = db.prepareStatement(
                        "UPDATE jobs SET state = 'queued', worker = NULL WHERE state = 'running'")) {
                    return s.executeUpdate();
                }
            });
        }
    }

    Project projectOrNull(String id) {
        return read(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT id, name, shot_list, format, created_at, cut_video,"
                    + " cut_frames FROM projects WHERE id = ?")) {
                s.setString(1, id);
                try (ResultSet rs = s.executeQuery()) {
                    return rs.next() ? ProjectStore.project(rs) : null;
                }
            }
        });
    }

    void update(String sql, Object... args) {
        String id = (String) args[args.length - 1];
        synchronized (db) {
            try {
                exec(sql, args);
            } catch (SQLException e) {
                throw storage(e);
            }
        }
        changes.accept(get(id));
    }

    int exec(String sql, Object... args) throws SQLException {
        try (PreparedStatement s = db.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                if (args[i] == null) {
                    s.setNull(i + 1, Types.NULL);
                } else {
                    s.setObject(i + 1, args[i]);
                }
            }
            return s.executeUpdate();
        }
    }

    List<Job> query(String sql, Object... args) {
        return read(c -> {
            try (PreparedStatement s = c.prepareStatement(sql)) {
                for (int i = 0; i < args.length; i++) {
                    s.setObject(i + 1, args[i]);
                }
                List<Job> jobs = new ArrayList<>();
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        jobs.add(Rows.job(rs));
                    }
                }
                return jobs;
            }
        });
    }

    /** A read on one connection. */
    interface Read<T> {
        T run(Connection c) throws SQLException;
    }

    /**
     * Runs a read on the reader connection, which sees the last commit and never waits for a write in progress
     * (write-ahead logging), so a 100,000-take submit does not hold up the page; a thread inside a write
     * transaction reads on the writer, to see its own changes.
     */
    <T> T read(Read<T> work) {
        Connection c = Thread.holdsLock(db) ? db : reader;
        synchronized (c) {
            try {
                return work.run(c);
            } catch (SQLException e) {
                throw storage(e);
            }
        }
    }

    /** Work that runs inside one write transaction. */
    interface Tx<T> {
        T run() throws SQLException;
    }

    /** Runs {@code work} in a {@code BEGIN IMMEDIATE} transaction (the caller holds the monitor of {@link #db}). */
    <T> T inTransaction(Tx<T> work) {
        try {
            try (Statement s = db.createStatement()) {
                s.execute("BEGIN IMMEDIATE");
            }
            try {
                T result = work.run();
                try (Statement s = db.createStatement()) {
                    s.execute("COMMIT");
                }
                return result;
            } catch (SQLException | RuntimeException e) {
                try (Statement s = db.createStatement()) {
                    s.execute("ROLLBACK");
                } catch (SQLException rollback) {
                    // SQLite rolls back by itself after SQLITE_FULL or an I/O error ("no transaction is
                    // active"): the first error is the one that says what happened.
                    e.addSuppressed(rollback);
                }
                throw e;
            }
        } catch (SQLException e) {
            throw storage(e);
        }
    }

    static KinoException storage(SQLException e) {
        if (DiskFullException.isFull(e)) {
            return new DiskFullException(e);
        }
        return new KinoException("The server database failed: " + e.getMessage()
                + "; check the disk under the data folder.", e);
    }

    @Override
    public void close() {
        synchronized (db) {
            try {
                db.close();
                if (reader != db) {
                    synchronized (reader) {
                        reader.close();
                    }
                }
            } catch (SQLException ignored) {
                // closing at shutdown: nothing left to save
            }
        }
    }
}
