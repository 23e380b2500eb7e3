package dev.kino.spark;

import dev.kino.KinoException;
import dev.kino.shots.ShotList;
import dev.kino.shots.ShotListReader;
import dev.kino.shots.Take;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A table of shots (CSV, Parquet) means what the same shots mean in a shot list. */
class ShotSourceTest {
    static final String JSON = """
            {"project": "shots", "seed": 5, "shots": [
              {"name": "a", "prompt": "a red circle moving right", "steps": 4, "takes": 2},
              {"name": "b", "prompt": "a blue square, moving up", "guidance": 4.5, "seeds": [7, 42]}]}
            """;

    @TempDir
    Path tmp;

    private static List<String> hashes(ShotList list) {
        return list.takes().stream().map(Take::requestHash).toList();
    }

    @Test
    void csvAndParquetTablesGiveTheShotListsTakes() throws IOException {
        SparkSession spark = LocalSpark.session();
        ShotList json = ShotListReader.parse(JSON, "shots.json", ShotListReader.Format.JSON);
        Path csv = Files.writeString(tmp.resolve("shots.csv"), """
                name,prompt,steps,takes,guidance,seeds
                a,a red circle moving right,4,2,,
                b,"a blue square, moving up",,,4.5,7 42
                """);
        ShotList fromCsv = ShotSource.read(spark, csv.toString(), 5, null);
        assertEquals(hashes(json), hashes(fromCsv));
        assertEquals(List.of(7L, 42L), fromCsv.shot("b").seeds());

        StructType schema = new StructType().add("name", DataTypes.StringType).add("prompt", DataTypes.StringType)
                .add("steps", DataTypes.IntegerType).add("takes", DataTypes.IntegerType)
                .add("guidance", DataTypes.DoubleType)
                .add("seeds", DataTypes.createArrayType(DataTypes.LongType));
        Path parquet = tmp.resolve("shots.parquet");
        spark.createDataFrame(List.of(
                RowFactory.create("a", "a red circle moving right", 4, 2, null, null),
                RowFactory.create("b", "a blue square, moving up", null, null, 4.5,
                        scala.jdk.javaapi.CollectionConverters.asScala(List.of(7L, 42L)).toList())), schema)
                .coalesce(1).write().parquet(parquet.toString());
        assertEquals(hashes(json), hashes(ShotSource.read(spark, parquet.toString(), 5, null)));
    }

    @Test
    void aTablesProblemsNameTheirLinesAndRows() throws IOException {
        SparkSession spark = LocalSpark.session();
        Path csv = Files.writeString(tmp.resolve("bad.csv"), """
                name,prompt,stpes
                a,a red circle,4
                b,,x
                """);
        KinoException e = assertThrows(KinoException.class, () -> ShotSource.read(spark, csv.toString(), 0, null));
        assertTrue(e.getMessage().contains("line 2, shots[0].stpes: is not a shot-list field (did you mean \"steps\"?)"),
                e.getMessage());
        assertTrue(e.getMessage().contains("line 3, shots[1]: \"prompt\" is missing"), e.getMessage());

        Path parquet = tmp.resolve("bad.parquet");
        StructType schema = new StructType().add("name", DataTypes.StringType).add("prompt", DataTypes.StringType)
                .add("steps", DataTypes.IntegerType);
        spark.createDataFrame(List.of(RowFactory.create("a", "x", 4), RowFactory.create("b", "y", 0)), schema)
                .coalesce(1).write().parquet(parquet.toString());
        KinoException p = assertThrows(KinoException.class, () -> ShotSource.read(spark, parquet.toString(), 0, null));
        assertTrue(p.getMessage().startsWith("The table bad.parquet has a problem: row 2, shots[1].steps: must be"),
                p.getMessage());

        KinoException other = assertThrows(KinoException.class,
                () -> ShotSource.read(spark, tmp.resolve("shots.txt").toString(), 0, null));
        assertTrue(other.getMessage().contains(".csv, .parquet"), other.getMessage());
    }

    @Test
    void filesAreRelativeToTheListAndContinuationsAreRefusedInOneSentence() throws IOException {
        SparkSession spark = LocalSpark.session();
        Files.writeString(tmp.resolve("a.png"), "x");
        Path image = Files.writeString(tmp.resolve("image.json"), """
                {"project": "p", "shots": [{"name": "a", "prompt": "x", "image": "a.png",
                                            "reference_image": ["a.png"], "control_video": "a.png"}]}""");
        var shot = ShotSource.read(spark, image.toString(), 0, null).shots().get(0);
        assertEquals(tmp.resolve("a.png").toAbsolutePath(), shot.request().get(dev.kino.request.RequestSchema.CONTROL_VIDEO));
        Path missing = Files.writeString(tmp.resolve("missing.json"), """
                {"project": "p", "shots": [{"name": "a", "prompt": "x", "source_video": "no.mp4"}]}""");
        KinoException e = assertThrows(KinoException.class, () -> ShotSource.read(spark, missing.toString(), 0, null));
        assertTrue(e.getMessage().contains("shots[0].source_video: names " + tmp.resolve("no.mp4").toAbsolutePath()
                + ", which is not a file; check the path (it is relative to the shot list's folder)"), e.getMessage());
        Path chain = Files.writeString(tmp.resolve("chain.json"), """
                {"project": "p", "shots": [{"name": "a", "prompt": "x"},
                                           {"name": "b", "prompt": "y", "continue_from": "a"}]}""");
        KinoException c = assertThrows(KinoException.class, () -> ShotSource.read(spark, chain.toString(), 0, null));
        assertEquals("Shot b of chain.json continues from shot a, but the Spark job renders takes independently of one"
                + " another; render this list with kino render or kino serve.", c.getMessage());
    }

    @Test
    void takesOptionGivesEveryShotWithoutOwnSeedsThatManyTakes() {
        ShotList list = ShotSource.withTakes(ShotListReader.parse(JSON, "shots.json", ShotListReader.Format.JSON), 3);
        assertEquals(3, list.shot("a").takeCount());
        assertEquals(List.of(7L, 42L), list.shot("b").seeds(), "explicit seeds stay");
        ShotList two = ShotListReader.parse(JSON, "shots.json", ShotListReader.Format.JSON);
        assertEquals(two.shot("a").seeds(), list.shot("a").seeds().subList(0, 2), "the first takes keep their seeds");
        assertThrows(KinoException.class, () -> ShotSource.withTakes(two, 0));
    }
}
