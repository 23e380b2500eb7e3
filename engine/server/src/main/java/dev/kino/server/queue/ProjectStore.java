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
        synchronized (jobs.db) {
            try (PreparedStatement s = jobs.db.prepareStatement("SELECT id, name, shot_list, format, created_at, "
                    + "cut_video, cut_frames FROM projects ORDER BY created_at DESC, id")) {
                List<Project> out = new ArrayList<>();
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        out.add(project(rs));
                    }
                }
                return out;
            } catch (SQLException e) {
                throw JobStore.storage(e);
            }
        }
    }

    /** Shot name → picked job id. */
    public Map<String, String> picks(String projectId) {
        synchronized (jobs.db) {
            try (PreparedStatement s = jobs.db.prepareStatement("SELECT shot, job_id FROM picks WHERE project_id = ?")) {
                s.setString(1, projectId);
                Map<String, String> out = new LinkedHashMap<>();
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        out.put(rs.getString(1), rs.getString(2));
                    }
                }
                return out;
            } catch (SQLException e) {
                throw JobStore.storage(e);
            }
        }
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
