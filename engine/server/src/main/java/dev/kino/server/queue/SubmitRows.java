package dev.kino.server.queue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The rows one {@link JobStore#submit} writes: the project (when there is one), its jobs in one batched
 * statement, and the idempotency key's record. Runs inside the submit's write transaction.
 */
final class SubmitRows {
    private SubmitRows() {
    }

    /** Inserts the rows and returns the jobs as they were queued. */
    static List<Job> insert(Connection db, Project project, List<NewJob> jobs, String idempotencyKey, String bodyHash)
            throws SQLException {
        List<Job> made = new ArrayList<>();
        long now = System.currentTimeMillis();
        String target;
        if (project != null) {
            try (PreparedStatement s = db.prepareStatement("INSERT INTO projects (id, name, shot_list, format, "
                    + "created_at) VALUES (?, ?, ?, ?, ?)")) {
                s.setString(1, project.id());
                s.setString(2, project.name());
                s.setString(3, project.shotList());
                s.setString(4, project.format());
                s.setLong(5, now);
                s.executeUpdate();
            }
            target = project.id();
        } else {
            target = null;
        }
        List<String> ids = new ArrayList<>();
        // One statement, batched: a 100,000-take project is inserted in about a second, not minutes.
        try (PreparedStatement s = db.prepareStatement("INSERT INTO jobs (id, project_id, shot, shot_index, "
                + "take, model, request, request_hash, priority, state, created_at, continue_from, plan) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?)")) {
            for (NewJob j : jobs) {
                String id = JobStore.newId('j');
                s.setString(1, id);
                s.setString(2, project == null ? null : project.id());
                s.setString(3, j.shot());
                Rows.setInt(s, 4, j.shotIndex());
                Rows.setInt(s, 5, j.take());
                s.setString(6, j.model());
                s.setString(7, j.requestJson());
                s.setString(8, j.requestHash());
                s.setInt(9, j.priority());
                s.setLong(10, now);
                s.setString(11, j.continueFrom());
                s.setString(12, j.planJson());
                s.addBatch();
                if (ids.size() % 1000 == 999) {
                    s.executeBatch();
                }
                ids.add(id);
                made.add(new Job(id, project == null ? null : project.id(), j.shot(), j.shotIndex(), j.take(),
                        j.model(), j.requestJson(), j.requestHash(), j.priority(), JobState.QUEUED, null, false,
                        0, 0, null, 0, null, null, null, now, null, null, List.of()));
            }
            s.executeBatch();
        }
        if (idempotencyKey != null) {
            try (PreparedStatement s = db.prepareStatement("INSERT INTO idempotency (key, body_hash, kind, target,"
                    + " created_at) VALUES (?, ?, ?, ?, ?)")) {
                s.setString(1, idempotencyKey);
                s.setString(2, bodyHash);
                s.setString(3, project != null ? "project" : "jobs");
                s.setString(4, project != null ? target : String.join(",", ids));
                s.setLong(5, now);
                s.executeUpdate();
            }
        }
        return made;
    }
}
