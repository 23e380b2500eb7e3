package dev.kino.server.queue;

import dev.kino.KinoException;

import java.sql.SQLException;

/** The database could not save a change because the disk under the data folder is full (HTTP 507). */
public final class DiskFullException extends KinoException {
    DiskFullException(SQLException cause) {
        super("The disk under the server's data folder is full, so the database cannot save this change; free space"
                + " there and try again.", cause);
    }

    static boolean isFull(SQLException e) {
        String m = String.valueOf(e.getMessage());
        return m.contains("SQLITE_FULL") || m.contains("disk is full");
    }
}
