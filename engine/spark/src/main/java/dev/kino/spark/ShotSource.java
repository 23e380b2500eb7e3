package dev.kino.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kino.KinoException;
import dev.kino.shots.PictureFiles;
import dev.kino.shots.Shot;
import dev.kino.shots.ShotList;
import dev.kino.shots.ShotListException;
import dev.kino.shots.ShotListReader;
import dev.kino.shots.TakeSeeds;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads {@code --shots}: a shot list (JSON or YAML, examples/shots/README.md) or a table of shots (CSV with a header
 * row, or Parquet) whose columns are the shot fields ({@code name}, {@code prompt}, {@code steps}, ...; a
 * {@code seeds} column lists seeds separated by spaces, commas or semicolons). Any Hadoop file system URI works
 * (file:, hdfs:, s3a:). A table becomes a shot list and goes through the same reader, so both are checked the
 * same way, with every problem named at once; a CSV's problems name its lines, a Parquet file's its rows.
 */
final class ShotSource {
    // Request settings read text as their schema says; these shot-list fields of the table's own are numbers.
    private static final Set<String> INTEGERS = Set.of("takes", "pick");
    private static final Set<String> DECIMALS = Set.of("seconds");
    private static final int MAX_BYTES = ShotListReader.MAX_BYTES;

    /**
     * Where the files a shot names (pictures, videos, LoRAs) are: relative to the shot list's folder, as in
     * {@code kino render}, when the list is on a local or shared file system (a {@code file:} URI or a plain path);
     * the driver resolves them, and every executor reads the same path, checking the bytes against the hash the
     * driver's plan recorded. A list on hdfs: or s3a: names no files (executors have no folder to find them in).
     */
    static PictureFiles files(String uri) {
        java.net.URI u = new Path(uri).toUri();
        if (u.getScheme() != null && !u.getScheme().equals("file")) {
            return reference -> {
                throw new IllegalArgumentException("names a file, but the shot list is on " + u.getScheme() + ":, so"
                        + " there is no folder to find it in; put the list and its files on a folder every executor"
                        + " mounts (file:)");
            };
        }
        return PictureFiles.relativeTo(java.nio.file.Path.of(u.getPath()).toAbsolutePath().normalize().getParent());
    }

    private ShotSource() {
    }

    /**
     * The shot list at {@code uri}.
     *
     * @param projectSeed the project seed of a table (a shot list carries its own)
     * @param takes       takes of every shot whose seeds are not given explicitly; null keeps the list's
     */
    static ShotList read(SparkSession spark, String uri, long projectSeed, Integer takes) {
        String name = new Path(uri).getName();
        String lower = name.toLowerCase(Locale.ROOT);
        ShotList list;
        if (lower.endsWith(".csv")) {
            list = table(spark.read().option("header", "true").csv(uri), base(name), projectSeed, name, false, files(uri));
        } else if (lower.endsWith(".parquet")) {
            list = table(spark.read().parquet(uri), base(name), projectSeed, name, true, files(uri));
        } else if (lower.endsWith(".json") || lower.endsWith(".yaml") || lower.endsWith(".yml")) {
            ShotListReader.Format format = lower.endsWith(".json") ? ShotListReader.Format.JSON : ShotListReader.Format.YAML;
            list = ShotListReader.parse(text(spark, uri), uri, format, files(uri));
        } else {
            throw new KinoException("--shots " + uri + " is neither a shot list (.json, .yaml, .yml) nor a table of"
                    + " shots (.csv, .parquet); rename it or convert it.");
        }
        for (Shot s : list.shots()) {
            if (!s.videosFrom().isEmpty()) {
                String setting = s.videosFrom().keySet().iterator().next();
                throw new KinoException("Shot " + s.name() + " of " + name + " takes its " + setting.replace('_', ' ')
                        + " from shot " + s.videosFrom().get(setting) + ", but the Spark job renders takes independently"
                        + " of one another; render this list with kino render, or name the video's file.");
            }
            if (s.continueFrom() != null) {
                throw new KinoException("Shot " + s.name() + " of " + name + " continues from shot " + s.continueFrom()
                        + ", but the Spark job renders takes independently of one another; render this list with kino render or"
                        + " kino serve.");
            }
        }
        return takes == null ? list : withTakes(list, takes);
    }

    private static String text(SparkSession spark, String uri) {
        Path path = new Path(uri);
        try {
            FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (!fs.exists(path)) {
                throw new KinoException("The shot list " + uri + " does not exist; check the path.");
            }
            if (fs.getFileStatus(path).getLen() > MAX_BYTES) {
                throw new KinoException("The shot list " + uri + " is larger than " + (MAX_BYTES >> 20)
                        + " MiB; split the project into several lists.");
            }
            try (InputStream in = fs.open(path)) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new KinoException("Cannot read the shot list " + uri + ": " + e.getMessage() + ".", e);
        }
    }

    /**
     * A table as a shot-list text with shot {@code i} on line {@code i + 2}, the line of row {@code i} in a CSV
     * file with its header, so the reader's line numbers are the CSV's.
     */
    private static ShotList table(Dataset<Row> table, String project, long seed, String source, boolean rows,
                                  PictureFiles files) {
        ObjectMapper json = new ObjectMapper();
        List<Row> shots = table.collectAsList();
        if (shots.size() > 1000) {
            throw new KinoException("The table " + source + " has " + shots.size() + " shots; at most 1000 fit in one"
                    + " list, so split it.");
        }
        String[] columns = table.columns();
        StringBuilder text = new StringBuilder("{\"project\": ").append(json.valueToTree(project).toString())
                .append(", \"seed\": ").append(seed).append(", \"shots\": [\n");
        for (int i = 0; i < shots.size(); i++) {
            ObjectNode shot = JsonNodeFactory.instance.objectNode();
            Row row = shots.get(i);
            for (int c = 0; c < columns.length; c++) {
                JsonNode value = value(columns[c], row.isNullAt(c) ? null : row.get(c));
                if (value != null) {
                    shot.set(columns[c], value);
                }
            }
            text.append(shot).append(i + 1 < shots.size() ? ",\n" : "\n");
        }
        text.append("]}\n");
        try {
            return ShotListReader.parse(text.toString(), source, ShotListReader.Format.JSON, files);
        } catch (ShotListException e) {
            if (!rows) {
                throw e;
            }
            List<String> problems = new ArrayList<>();
            for (ShotListException.Problem p : e.problems()) {
                String field = p.field().isEmpty() ? "" : ", " + p.field();
                problems.add((p.line() >= 2 ? "row " + (p.line() - 1) : "the table") + field + ": " + p.message());
            }
            throw new KinoException("The table " + source + " has " + (problems.size() == 1 ? "a problem"
                    : problems.size() + " problems") + ": " + String.join("; ", problems) + "; fix "
                    + (problems.size() == 1 ? "it" : "them") + " and run again.", e);
        }
    }

    /** A cell as the shot-list value it means; null for an empty cell. */
    private static JsonNode value(String column, Object v) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (v == null || (v instanceof String s && s.isBlank())) {
            return null;
        }
        if (column.equals("seeds")) {
            ArrayNode seeds = f.arrayNode();
            Iterable<?> items = v instanceof scala.collection.Iterable<?> it
                    ? scala.jdk.javaapi.CollectionConverters.asJava(it)
                    : List.of(v.toString().trim().split("[\\s,;]+"));
            for (Object item : items) {
                seeds.add(value("seed", item));
            }
            return seeds;
        }
        if (v instanceof Number n) {
            return n instanceof Double || n instanceof Float ? f.numberNode(n.doubleValue()) : f.numberNode(n.longValue());
        }
        String s = v.toString().trim();
        try {
            if (INTEGERS.contains(column) || column.equals("seed")) {
                return f.numberNode(Long.parseLong(s));
            }
            if (DECIMALS.contains(column)) {
                return f.numberNode(Double.parseDouble(s));
            }
        } catch (NumberFormatException e) {
            // left as text: the reader names the field and what it must be
        }
        return f.textNode(s);
    }

    /** Every shot without explicit seeds gets {@code takes} takes with derived seeds. */
    static ShotList withTakes(ShotList list, int takes) {
        if (takes < 1 || takes > 100) {
            throw new KinoException("--takes must be from 1 to 100, but " + takes + " was given.");
        }
        List<Shot> shots = new ArrayList<>();
        for (Shot s : list.shots()) {
            if (derived(list.seed(), s)) {
                List<Long> seeds = new ArrayList<>();
                for (int t = 1; t <= takes; t++) {
                    seeds.add(TakeSeeds.derive(list.seed(), s.name(), t));
                }
                s = s.withSeeds(seeds);
            }
            shots.add(s);
        }
        return new ShotList(list.project(), list.seed(), shots);
    }

    /** True when the shot's seeds are the derived ones (the list gave none of its own). */
    private static boolean derived(long projectSeed, Shot s) {
        for (int t = 1; t <= s.takeCount(); t++) {
            if (s.seeds().get(t - 1) != TakeSeeds.derive(projectSeed, s.name(), t)) {
                return false;
            }
        }
        return true;
    }

    private static String base(String fileName) {
        int dot = fileName.lastIndexOf('.');
        return dot > 0 ? fileName.substring(0, dot) : fileName;
    }
}
