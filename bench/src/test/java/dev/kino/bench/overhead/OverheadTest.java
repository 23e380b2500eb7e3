package dev.kino.bench.overhead;

import dev.kino.pipeline.StageTimings;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The overhead figures from hand-made timings, worked out on paper. */
class OverheadTest {

    private static List<Overhead.Stage> run(long tokenize, long encWall, long encOnnx, long denWall, long denOnnx,
                                            long mp4) {
        return List.of(new Overhead.Stage(StageTimings.TOKENIZE, tokenize, 0, 0),
                new Overhead.Stage(StageTimings.TEXT_ENCODE, encWall, encOnnx, 1),
                new Overhead.Stage(StageTimings.DENOISE, denWall, denOnnx, 4),
                new Overhead.Stage(StageTimings.ENCODE_MP4, mp4, 0, 0));
    }

    @Test
    void meansPerStageSharesPerRunAndMp4Apart() {
        // generation walls 100 (outside 12), 200 (outside 60), 60 (outside 3): shares 0.12, 0.3, 0.05
        List<List<Overhead.Stage>> runs = List.of(run(2, 8, 6, 90, 82, 40), run(10, 20, 10, 170, 130, 50),
                run(1, 9, 8, 50, 49, 30));
        Overhead.Result r = Overhead.summarize(runs, 2, null);
        assertEquals(List.of("tokenize", "text encode", "denoise"), r.stages().stream().map(Overhead.Stage::name).toList());
        assertEquals(13.0 / 3, r.stages().get(0).wallMs(), 1e-9);
        assertEquals(0.0, r.stages().get(0).onnxMs(), 1e-9);
        assertEquals(37.0 / 3, r.stages().get(1).wallMs(), 1e-9);
        assertEquals(8.0, r.stages().get(1).onnxMs(), 1e-9);
        assertEquals(310.0 / 3, r.stages().get(2).wallMs(), 1e-9);
        assertEquals(261.0 / 3, r.stages().get(2).onnxMs(), 1e-9);
        assertEquals(120.0, r.generation().wallMs(), 1e-9);           // (100 + 200 + 60) / 3
        assertEquals(95.0, r.generation().onnxMs(), 1e-9);            // (88 + 140 + 57) / 3
        assertEquals(25.0 / 120, r.generation().outsideShare(), 1e-12);
        assertEquals(0.05, r.minShare(), 1e-12);
        assertEquals(0.12, r.medianShare(), 1e-12);
        assertEquals(0.3, r.maxShare(), 1e-12);
        assertEquals(40.0, r.encodeMp4().wallMs(), 1e-9);
        assertEquals(5.0, r.generation().onnxRuns(), 1e-12);
        assertEquals(3, r.runs());
        assertEquals(2, r.warmups());
    }
}
