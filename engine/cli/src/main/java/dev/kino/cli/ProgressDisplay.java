package dev.kino.cli;

import dev.kino.denoise.StepEvent;
import dev.kino.denoise.StepListener;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.Writer;

/** The denoising progress bar: steps done, it/s and ETA, on the error stream so stdout stays clean. */
final class ProgressDisplay implements StepListener, AutoCloseable {
    private final PrintWriter err;
    private final boolean quiet;
    private ProgressBar bar;

    ProgressDisplay(PrintWriter err, boolean quiet) {
        this.err = err;
        this.quiet = quiet;
    }

    @Override
    public boolean onStep(StepEvent event) {
        if (quiet) {
            return true;
        }
        if (bar == null) {
            bar = new ProgressBarBuilder()
                    .setTaskName("Denoising")
                    .setInitialMax(event.steps())
                    .setStyle(ProgressBarStyle.ASCII)
                    .setUnit(" it", 1)
                    .setUpdateIntervalMillis(100)
                    .setConsumer(new ConsoleProgressBarConsumer(new PrintStream(new WriterStream(err), true), 100))
                    .build();
        }
        // The bar's own speed reads "?" for the first whole second; the loop's clock is exact from step one.
        double seconds = event.elapsed().toNanos() / 1e9;
        if (seconds > 0) {
            bar.setExtraMessage(String.format(java.util.Locale.ROOT, "%.2f it/s", (event.step() + 1) / seconds));
        }
        bar.stepTo(event.step() + 1);
        return true;
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }

    /** Adapts the command's PrintWriter to the PrintStream the progress bar writes to. */
    private static final class WriterStream extends java.io.OutputStream {
        private final Writer writer;

        WriterStream(Writer writer) {
            this.writer = writer;
        }

        @Override
        public void write(int b) throws java.io.IOException {
            writer.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws java.io.IOException {
            writer.write(new String(b, off, len, java.nio.charset.StandardCharsets.UTF_8));
        }

        @Override
        public void flush() throws java.io.IOException {
            writer.flush();
        }
    }
}
