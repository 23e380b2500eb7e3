package dev.kino.sweep;

import dev.kino.denoise.StepEvent;
import dev.kino.denoise.StepListener;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;
import java.text.DecimalFormat;
import java.time.temporal.ChronoUnit;

/**
 * One progress bar over the whole grid. It counts denoising steps, not cells, so that the ETA weighs a
 * 50-step reference fifty times a 1-step cell; the message names the run in progress.
 */
final class GridProgress implements StepListener, AutoCloseable {
    private final ProgressBar bar;

    /** @param err where to draw the bar; null for none */
    GridProgress(PrintStream err, long totalSteps) {
        bar = err == null ? null : new ProgressBarBuilder()
                .setTaskName("Sweep")
                .setInitialMax(totalSteps)
                .setStyle(ProgressBarStyle.ASCII)
                .setUnit(" steps", 1)
                .showSpeed(new DecimalFormat("0.0"))
                .setSpeedUnit(ChronoUnit.SECONDS)
                .setUpdateIntervalMillis(200)
                .setConsumer(new ConsoleProgressBarConsumer(err, 150))
                .build();
    }

    void starting(String what) {
        if (bar != null) {
            bar.setExtraMessage(" " + what);
        }
    }

    @Override
    public boolean onStep(StepEvent event) {
        if (bar != null) {
            bar.step();
        }
        return true;
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
