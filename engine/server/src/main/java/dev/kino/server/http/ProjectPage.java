package dev.kino.server.http;

import io.javalin.http.Context;

/**
 * Which shots of a project {@code GET /api/projects/ID} shows: {@code ?shots_from=N&shots_limit=M} (default the
 * first {@link #DEFAULT_LIMIT}), and {@code ?shot_list=true} adds the submitted shot list's text.
 */
record ProjectPage(int from, int limit, boolean withShotList) {
    static final int DEFAULT_LIMIT = 20;
    static final int MAX_LIMIT = 1000;
    static final ProjectPage FIRST = new ProjectPage(0, DEFAULT_LIMIT, false);

    static ProjectPage of(Context ctx) {
        int from = number(ctx, "shots_from", 0, Integer.MAX_VALUE, 0);
        int limit = number(ctx, "shots_limit", 1, MAX_LIMIT, DEFAULT_LIMIT);
        String list = ctx.queryParam("shot_list");
        if (list != null && !list.equals("true") && !list.equals("false")) {
            throw ApiError.bad("shot_list must be true or false.");
        }
        return new ProjectPage(from, limit, "true".equals(list));
    }

    private static int number(Context ctx, String name, int min, int max, int otherwise) {
        String v = ctx.queryParam(name);
        if (v == null) {
            return otherwise;
        }
        try {
            int n = Integer.parseInt(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // answered below
        }
        throw ApiError.bad(name + " must be a whole number from " + min + " to " + max + ".");
    }
}
