package dev.kino.spark;

import dev.kino.demo.DemoModel;
import dev.kino.sweep.Sweep;
import dev.kino.sweep.SweepResults;
import dev.kino.sweep.SweepSpec;
import dev.kino.sweep.report.ResultsCsv;
import dev.kino.sweep.report.SweepReport;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Spark sweep gives the local sweep's results: the same runs, files and figures; only the clocks differ. */
class SweepJobTest {
    @TempDir
    Path tmp;

    @Test
    void aTwoByTwoGridEqualsTheLocalSweep() throws IOException {
        Path model = DemoModel.folder();
        String prompt = "a red circle moving right";
        // Local: one process, one ONNX Runtime thread (what each local[2] task gets).
        SweepSpec spec = SweepSpec.builder(model).prompts(List.of(prompt)).schedulers(List.of("flow-euler", "flow-unipc"))
                .steps(List.of(1, 2)).reference(4, null).device("cpu").threads(1).build();
        Path local = tmp.resolve("local");
        SweepReport.write(Sweep.run(spec, local, null), null);

        Path spark = tmp.resolve("spark");
        SweepJob job = new SweepJob();
        new CommandLine(job).parseArgs("--model", model.toString(), "--prompt", prompt, "--schedulers",
                "flow-euler,flow-unipc", "--steps", "1,2", "--reference-steps", "4", "--out", spark.toString());
        SweepResults results = job.run(LocalSpark.session());
        assertEquals(4, results.cells().size());
        assertEquals(1, results.references().size());
        assertEquals(5, results.ran());
        SweepReport.write(results, null);

        for (String f : List.of("results.csv", "results.json", "report.html", "sweep.json")) {
            assertTrue(Files.size(spark.resolve(f)) > 0, f);
        }
        List<String> columns = ResultsCsv.header().stream()
                .filter(c -> !c.endsWith("_ms") && !c.equals("peak_rss_bytes") && !c.equals("gpu_memory_bytes")
                        && !c.equals("finished_at")).toList();
        List<Row> expected = csv(local, columns);
        List<Row> actual = csv(spark, columns);
        assertEquals(5, expected.size());
        assertEquals(expected, actual);
        assertEquals(Files.readString(local.resolve("sweep.json")), Files.readString(spark.resolve("sweep.json")));

        // A re-run finds everything finished: nothing runs again.
        SweepJob again = new SweepJob();
        new CommandLine(again).parseArgs("--model", model.toString(), "--prompt", prompt, "--schedulers",
                "flow-euler,flow-unipc", "--steps", "1,2", "--reference-steps", "4", "--out", spark.toString());
        SweepResults rerun = again.run(LocalSpark.session());
        assertEquals(0, rerun.ran());
        assertEquals(5, rerun.reused());
    }

    private static List<Row> csv(Path folder, List<String> columns) {
        SparkSession spark = LocalSpark.session();
        Dataset<Row> t = spark.read().option("header", "true").option("multiLine", "true").option("escape", "\"")
                .csv(folder.resolve("results.csv").toString());
        return t.selectExpr(columns.stream().map(c -> "`" + c + "`").toArray(String[]::new)).orderBy("id").collectAsList();
    }
}
