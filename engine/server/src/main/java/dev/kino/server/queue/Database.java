package dev.kino.server.queue;

import dev.kino.KinoException;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The server's SQLite database ({@code kino.db} under the data folder): write-ahead logging, so readers never
 * block the worker that claims a job, and full fsync on commit, so a committed state change survives kill -9
 * and power loss. The schema is versioned: {@link #MIGRATIONS} runs in order from the stored
 * {@code PRAGMA user_version}; never edit a published migration, append one.
 */
public final class Database {
    /** Schema migrations; migration {@code i} brings the schema from version {@code i} to {@code i + 1}. */
    static final List<String> MIGRATIONS = List.of("""
            CREATE TABLE projects (
              id TEXT PRIMARY KEY,
              name TEXT NOT NULL,
              shot_list TEXT NOT NULL,
              format TEXT NOT NULL,
              created_at INTEGER NOT NULL,
              cut_video TEXT,
              cut_frames INTEGER
            );
            CREATE TABLE jobs (
              seq INTEGER PRIMARY KEY AUTOINCREMENT,
              id TEXT NOT NULL UNIQUE,
              project_id TEXT REFERENCES projects(id),
              shot TEXT,
              shot_index INTEGER,
              take INTEGER,
              model TEXT NOT NULL,
              request TEXT NOT NULL,
              request_hash TEXT NOT NULL,
              priority INTEGER NOT NULL DEFAULT 0,
              state TEXT NOT NULL,
              worker TEXT,
              cancel_requested INTEGER NOT NULL DEFAULT 0,
              step INTEGER NOT NULL DEFAULT 0,
              steps INTEGER NOT NULL DEFAULT 0,
              resumed_from INTEGER,
              attempts INTEGER NOT NULL DEFAULT 0,
              error TEXT,
              video TEXT,
              frames INTEGER,
              created_at INTEGER NOT NULL,
              started_at INTEGER,
              finished_at INTEGER
            );
            CREATE INDEX jobs_queue ON jobs(state, priority DESC, seq);
            CREATE INDEX jobs_project ON jobs(project_id);
            CREATE TABLE picks (
              project_id TEXT NOT NULL REFERENCES projects(id),
              shot TEXT NOT NULL,
              job_id TEXT NOT NULL,
              PRIMARY KEY (project_id, shot)
            );
            CREATE TABLE idempotency (
              key TEXT PRIMARY KEY,
              body_hash TEXT NOT NULL,
              kind TEXT NOT NULL,
              target TEXT NOT NULL,
              created_at INTEGER NOT NULL
            );
            """, """
            ALTER TABLE jobs ADD COLUMN continue_from TEXT;
            """, """
            ALTER TABLE jobs ADD COLUMN plan TEXT;
            """, """
            ALTER TABLE jobs ADD COLUMN warnings TEXT;
            CREATE INDEX jobs_project_shot ON jobs(project_id, shot_index);
            """);

    private Database() {
    }

    /** Opens (creating if needed) the database at {@code file} and brings its schema up to date. */
    public static Connection open(Path file) {
        try {
            Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=FULL");
                s.execute("PRAGMA foreign_keys=ON");
                s.execute("PRAGMA busy_timeout=10000");
            }
            migrate(c);
            return c;
        } catch (SQLException e) {
            throw new KinoException("Cannot open the server database " + file + ": " + e.getMessage()
                    + "; check that the data folder is writable and not used by another Kino server version.", e);
        }
    }

    /** A second connection to {@code file} for reads only (it never waits for the writer: write-ahead logging). */
    public static Connection openReader(Path file) {
        try {
            Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA query_only=ON");
                s.execute("PRAGMA busy_timeout=10000");
            }
            return c;
        } catch (SQLException e) {
            throw new KinoException("Cannot open the server database " + file + ": " + e.getMessage()
                    + "; check that the data folder is readable.", e);
        }
    }

    /** The schema version this Kino writes. */
    public static int version() {
        return MIGRATIONS.size();
    }

    private static void migrate(Connection c) throws SQLException {
        int current;
        try (Statement s = c.createStatement(); var rs = s.executeQuery("PRAGMA user_version")) {
            current = rs.getInt(1);
        }
        if (current > MIGRATIONS.size()) {
            throw new KinoException("The server database has schema version " + current + " but this Kino knows "
                    + MIGRATIONS.size() + "; run the newer Kino that wrote it, or use another --data folder.");
        }
        for (int v = current; v < MIGRATIONS.size(); v++) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                for (String sql : MIGRATIONS.get(v).split(";\\s*\\n")) {
                    if (!sql.isBlank()) {
                        s.execute(sql);
                    }
                }
                s.execute("PRAGMA user_version = " + (v + 1));
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }
}
