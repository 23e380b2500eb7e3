package dev.kino.server.queue;

/**
 * A submitted shot list.
 *
 * @param id        {@code p-} and 16 hex digits
 * @param name      the list's project name
 * @param shotList  the list's text as submitted
 * @param format    json or yaml
 * @param createdAt epoch milliseconds
 * @param cutVideo  file name of the last cut under {@code videos/}, or null
 * @param cutFrames its frame count, or null
 */
public record Project(String id, String name, String shotList, String format, long createdAt, String cutVideo,
                      Integer cutFrames) {
}
