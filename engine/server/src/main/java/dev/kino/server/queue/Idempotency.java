package dev.kino.server.queue;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Idempotency keys: a submit with a key is done at most once. The same request again under the key answers
 * what the first one made; another request under it is a conflict; and a key outlives what it made, so a replay
 * after that was deleted is told so (GONE), rather than making it again or answering that nothing exists.
 */
final class Idempotency {
    private Idempotency() {
    }

    /** What the key made earlier, or null for a new key (runs inside the submit's transaction). */
    static JobStore.Submitted replay(JobStore store, String key, String bodyHash) throws SQLException {
        try (PreparedStatement s = store.db.prepareStatement("SELECT body_hash, kind, target FROM idempotency WHERE key = ?")) {
            s.setString(1, key);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                if (!rs.getString(1).equals(bodyHash)) {
                    throw new QueueException(QueueException.Reason.CONFLICT, "The Idempotency-Key " + key
                            + " was used for a different request; use a new key for a new request.");
                }
                if (rs.getString(2).equals("project")) {
                    String pid = rs.getString(3);
                    Project p = store.projectOrNull(pid);
                    if (p == null) {
                        throw gone(key, "project " + pid);
                    }
                    return new JobStore.Submitted(p, store.list(null, pid, Integer.MAX_VALUE), true);
                }
                List<Job> jobs = new ArrayList<>();
                for (String id : rs.getString(3).split(",")) {
                    List<Job> found = store.query("SELECT " + JobStore.COLUMNS + " FROM jobs WHERE id = ?", id);
                    if (found.isEmpty()) {
                        throw gone(key, "job " + id);
                    }
                    jobs.add(found.get(0));
                }
                return new JobStore.Submitted(null, jobs, true);
            }
        }
    }

    /**
     * A key is remembered after what it made is deleted: a replay must not make it again (the first request
     * succeeded, and a retry must not run twice), nor claim there never was one.
     */
    private static QueueException gone(String key, String what) {
        return new QueueException(QueueException.Reason.GONE, "The Idempotency-Key " + key + " made the " + what
                + ", which has since been deleted; send the request with a new key to submit it again.");
    }
}
