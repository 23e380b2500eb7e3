package dev.kino.request;

/** Where a user states a request setting; each {@link Setting} lists the surfaces that take it. */
public enum Surface {
    /** {@code kino generate} options ({@code --steps 20}). */
    CLI,
    /** {@code POST /api/jobs} fields of {@code kino serve}, and its OpenAPI description. */
    HTTP,
    /** Shot-list fields (JSON, YAML) and the columns of a table of shots (CSV, Parquet). */
    SHOT_LIST,
    /** What a Spark task carries to an executor. */
    SPARK
}
