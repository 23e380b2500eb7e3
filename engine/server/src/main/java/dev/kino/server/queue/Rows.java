package dev.kino.server.queue;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;

/** Mapping between the {@code jobs} table's rows and {@link Job}s. */
final class Rows {
    private Rows() {
    }

    /** A job from a row of {@code SELECT} {@link JobStore}'s columns, in their order. */
    static Job job(ResultSet rs) throws SQLException {
        return new Job(rs.getString(1), rs.getString(2), rs.getString(3), integer(rs, 4), integer(rs, 5),
                rs.getString(6), rs.getString(7), rs.getString(8), rs.getInt(9), JobState.of(rs.getString(10)),
                rs.getString(11), rs.getInt(12) != 0, rs.getInt(13), rs.getInt(14), integer(rs, 15), rs.getInt(16),
                rs.getString(17), rs.getString(18), integer(rs, 19), rs.getLong(20),
                rs.getObject(21) == null ? null : rs.getLong(21), rs.getObject(22) == null ? null : rs.getLong(22),
                rs.getString(23) == null ? List.of() : List.of(rs.getString(23).split("\n")));
    }

    static Integer integer(ResultSet rs, int column) throws SQLException {
        int v = rs.getInt(column);
        return rs.wasNull() ? null : v;
    }

    static void setInt(PreparedStatement s, int i, Integer v) throws SQLException {
        if (v == null) {
            s.setNull(i, Types.INTEGER);
        } else {
            s.setInt(i, v);
        }
    }

}
