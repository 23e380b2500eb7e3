package dev.kino.server.queue;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Projects, their picked takes and their cut, in the same database (and under the same lock) as the jobs. */
public final class ProjectStore {
    /** SQL condition on a {@code jobs} row: it continues from no shot, or that shot's picked take has finished. */
    static final String SOURCE_PICKED = "(continue_from IS NULL OR EXISTS (SELECT 1 FROM picks p JOIN jobs src ON "
            + "src.id = p.job_id WHERE p.project_id = jobs.project_id AND p.shot = jobs.continue_from AND "
            + "src.state = 'succeeded' AND src.video IS NOT NULL))";

    private final JobStore jobs;

    public ProjectStore(JobStore jobs) {
        this.jobs = jobs;
    }

    /** A new project's row, to submit together with its takes ({@link JobStore#submit}). */
    public static Project create(String name, String shotList, String format) {
        return new Project(JobStore.newId('p'), name, shotList, format, System.currentTimeMillis(), null, null);
    }

    public Project get(String id) {
        Project p = jobs.projectOrNull(id);
        if (p == null) {
            throw QueueException.notFound("project", id);
        }
        return p;
    }

    /** Every project, newest first. */
    public List<Project> list() {
        return jobs.read(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT id, name, shot_list, format, created_at, "
                    + "cut_video, cut_frames FROM projects ORDER BY created_at DESC, id")) {
                List<Project> out = new ArrayList<>();
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        out.add(project(rs));
                    }
                }
                return out;
            }
        });
    }

    /** Shot name → picked job id. */
    public Map<String, String> picks(String projectId) {
        return jobs.read(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT shot, job_id FROM picks WHERE project_id = ?")) {
                s.setString(1, projectId);
                Map<String, String> out = new LinkedHashMap<>();
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        out.put(rs.getString(1), rs.getString(2));
                    }
                }
                return out;
            }
        });
    }

    /** Picks {@code jobId} as the take of its shot (it must be one of the project's takes of that shot). */
    public void pick(String projectId, String jobId) {
        get(projectId);
        Job j = jobs.get(jobId);
        if (!projectId.equals(j.projectId())) {
            throw new QueueException(QueueException.Reason.CONFLICT, "The job " + jobId + " is not a take of the project "
                    + projectId + "; pick one of its own takes.");
        }
        synchronized (jobs.db) {
            jobs.inTransaction(() -> jobs.exec("INSERT INTO picks (project_id, shot, job_id) VALUES (?, ?, ?) "
                    + "ON CONFLICT (project_id, shot) DO UPDATE SET job_id = excluded.job_id", projectId, j.shot(), jobId));
        }
    }

    /**
     * The job whose video the take {@code jobId} starts from: the pick of the shot it continues from, as it is
     * now. Null when the take continues from no shot.
     *
     * @throws QueueException CONFLICT when that shot has no finished pick (any more)
     */
    public Job source(String jobId) {
        Job j = jobs.get(jobId);
        String shot = jobs.read(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT continue_from FROM jobs WHERE id = ?")) {
                s.setString(1, jobId);
                try (ResultSet rs = s.executeQuery()) {
                    return rs.next() ? rs.getString(1) : null;
                }
            }
        });
        if (shot == null) {
            return null;
        }
        String pick = picks(j.projectId()).get(shot);
        Job source = pick == null ? null : jobs.get(pick);
        if (source == null || source.state() != JobState.SUCCEEDED || source.video() == null) {
            throw new QueueException(QueueException.Reason.CONFLICT, "Shot " + shot + " has no finished pick to"
                    + " continue from; pick one of its finished takes.");
        }
        return source;
    }

    /** Shot name → the shot it continues from, for the project's shots that continue from one. */
    public Map<String, String> continuations(String projectId) {
        return jobs.read(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT DISTINCT shot, continue_from FROM jobs "
                    + "WHERE project_id = ? AND continue_from IS NOT NULL")) {
                s.setString(1, projectId);
                Map<String, String> out = new LinkedHashMap<>();
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        out.put(rs.getString(1), rs.getString(2));
                    }
                }
                return out;
            }
        });
    }

    /** The takes of the shots at positions {@code fromShot} (inclusive) to {@code toShot} (exclusive). */
    public List<Job> takes(String projectId, int fromShot, int toShot) {
        return jobs.query("SELECT " + JobStore.COLUMNS + " FROM jobs WHERE project_id = ? AND shot_index >= ? "
                + "AND shot_index < ? ORDER BY shot_index, take", projectId, fromShot, toShot);
    }

    /** The project's take count and how many of them finished. */
    public int[] counts(String projectId) {
        return jobs.read(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT COUNT(*), COALESCE(SUM(state IN ('succeeded', "
                    + "'failed', 'canceled')), 0) FROM jobs WHERE project_id = ?")) {
                s.setString(1, projectId);
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    return new int[] {rs.getInt(1), rs.getInt(2)};
                }
            }
        });
    }

    /** Records the project's latest cut. */
    public void cut(String projectId, String video, int frames) {
        synchronized (jobs.db) {
            jobs.inTransaction(() -> jobs.exec("UPDATE projects SET cut_video = ?, cut_frames = ? WHERE id = ?",
                    video, frames, projectId));
        }
    }

    static Project project(ResultSet rs) throws SQLException {
        int frames = rs.getInt(7);
        Integer cutFrames = rs.wasNull() ? null : frames;
        return new Project(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5),
                rs.getString(6), cutFrames);
    }
}
