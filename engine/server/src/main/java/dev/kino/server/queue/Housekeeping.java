package dev.kino.server.queue;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Retrying failed jobs, deleting whole projects and finding which uploads are still in use. */
public final class Housekeeping {
    private final JobStore jobs;

    public Housekeeping(JobStore jobs) {
        this.jobs = jobs;
    }

    /**
     * Puts a failed or canceled job back in the queue under the same id (picks, links and idempotency keys that
     * name it stay valid); it starts again from step 0 and its attempts keep counting.
     */
    public Job retry(String id) {
        Job j = jobs.get(id);
        if (j.state() != JobState.FAILED && j.state() != JobState.CANCELED) {
            throw new QueueException(QueueException.Reason.CONFLICT, "The job " + id + " is " + j.state().key()
                    + "; only failed and canceled jobs can be retried.");
        }
        jobs.update("UPDATE jobs SET state = 'queued', worker = NULL, cancel_requested = 0, step = 0, error = NULL, "
                + "started_at = NULL, finished_at = NULL, warnings = NULL WHERE state IN ('failed', 'canceled') AND id = ?", id);
        return jobs.get(id);
    }

    /** What deleting a project removed from the database: its jobs' video files and its cut, to remove from disk. */
    public record Deleted(List<String> jobIds, List<String> videos) {
    }

    /**
     * Deletes a project with its takes and picks in one transaction; refused while one of its takes runs (cancel
     * it first). Idempotency keys that made it stay, so a replayed submit is told it was deleted.
     */
    public Deleted deleteProject(String projectId) {
        List<String> ids = new ArrayList<>();
        List<String> videos = new ArrayList<>();
        synchronized (jobs.db) {
            jobs.inTransaction(() -> {
                Project p = jobs.projectOrNull(projectId);
                if (p == null) {
                    throw QueueException.notFound("project", projectId);
                }
                try (PreparedStatement s = jobs.db.prepareStatement("SELECT id, state, video FROM jobs WHERE project_id = ?")) {
                    s.setString(1, projectId);
                    try (ResultSet rs = s.executeQuery()) {
                        while (rs.next()) {
                            if (rs.getString(2).equals("running")) {
                                throw new QueueException(QueueException.Reason.CONFLICT, "The project " + projectId
                                        + " has a take running (" + rs.getString(1) + "); cancel it first.");
                            }
                            ids.add(rs.getString(1));
                            if (rs.getString(3) != null) {
                                videos.add(rs.getString(3));
                            }
                        }
                    }
                }
                if (p.cutVideo() != null) {
                    videos.add(p.cutVideo());
                }
                jobs.exec("DELETE FROM picks WHERE project_id = ?", projectId);
                jobs.exec("DELETE FROM jobs WHERE project_id = ?", projectId);
                jobs.exec("DELETE FROM projects WHERE id = ?", projectId);
                return null;
            });
        }
        return new Deleted(ids, videos);
    }

    /** True when a queued or running job, or a project's shot list, names the uploaded picture {@code hex}. */
    public boolean pictureInUse(String hex) {
        return jobs.read(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM jobs WHERE state IN "
                    + "('queued', 'running') AND instr(request, ?1) > 0) OR EXISTS (SELECT 1 FROM projects WHERE "
                    + "instr(shot_list, ?1) > 0)")) {
                s.setString(1, hex);
                try (ResultSet rs = s.executeQuery()) {
                    return rs.next() && rs.getInt(1) != 0;
                }
            }
        });
    }
}
