package dev.kino.shots;

import dev.kino.KinoException;

import java.util.List;

/**
 * A shot list with problems. The message names every problem (line and field), so one edit fixes them all.
 */
public final class ShotListException extends KinoException {
    private static final long serialVersionUID = 1L;

    /**
     * One problem.
     *
     * @param line    1-based line in the file, or 0 when unknown
     * @param field   where, e.g. {@code shots[1].steps}; empty for the whole file
     * @param message what is wrong and what is expected, e.g. "must be a whole number from 1 to 1000"
     */
    public record Problem(int line, String field, String message) {
        @Override
        public String toString() {
            String where = (line > 0 ? "line " + line : "") + (line > 0 && !field.isEmpty() ? ", " : "") + field;
            return where.isEmpty() ? message : where + ": " + message;
        }
    }

    private final transient List<Problem> problems;

    ShotListException(String source, List<Problem> problems) {
        super(message(source, problems));
        this.problems = List.copyOf(problems);
    }

    public List<Problem> problems() {
        return problems;
    }

    private static String message(String source, List<Problem> problems) {
        StringBuilder s = new StringBuilder("The shot list " + source + " has ");
        s.append(problems.size() == 1 ? "a problem" : problems.size() + " problems").append(": ");
        for (int i = 0; i < problems.size(); i++) {
            s.append(i == 0 ? "" : "; ").append(problems.get(i));
        }
        return s.append("; fix ").append(problems.size() == 1 ? "it" : "them").append(" and run again.").toString();
    }
}
