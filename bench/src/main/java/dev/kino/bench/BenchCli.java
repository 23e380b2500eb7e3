package dev.kino.bench;

import dev.kino.bench.demo.AccuracyCommand;
import dev.kino.bench.memory.ExpertsMemoryCommand;
import dev.kino.bench.demo.ContinuationCommand;
import dev.kino.bench.demo.RestyleCommand;
import dev.kino.bench.io.Console;
import dev.kino.bench.overhead.OverheadCommand;
import dev.kino.bench.lora.LoraCommand;
import dev.kino.bench.parity.ParityCommand;
import dev.kino.bench.precision.PrecisionCommand;
import dev.kino.bench.serve.ServeBigProjectCommand;
import dev.kino.bench.serve.ServeLoadCommand;
import dev.kino.bench.serve.ServeMemoryCommand;
import dev.kino.bench.sweep.SweepCommand;
import dev.kino.commandline.KinoPrograms;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintStream;

/**
 * {@code kino bench}: programs that measure Kino on real models. Like {@code kino} itself, a problem the user
 * can fix prints one sentence and exits 1 without a stack trace; bad syntax exits 2; anything else is a bug and
 * prints its trace.
 */
@Command(name = "kino bench", mixinStandardHelpOptions = true, versionProvider = BenchCli.Version.class,
        description = "Measure Kino: step sweeps over schedulers, the engine's own overhead, parity with a plain ONNX Runtime loop, precision modes against fp32, LoRA load/step/switch costs, the demo model's accuracy, shot continuation and restyling, the render server under load.",
        subcommands = {SweepCommand.class, OverheadCommand.class, ParityCommand.class, PrecisionCommand.class,
                AccuracyCommand.class, ContinuationCommand.class, RestyleCommand.class, ServeLoadCommand.class,
                ServeMemoryCommand.class, ServeBigProjectCommand.class, LoraCommand.class, ExpertsMemoryCommand.class,
                CommandLine.HelpCommand.class})
public final class BenchCli implements Runnable, Console {
    public static final int USER_ERROR = KinoPrograms.USER_ERROR;
    public static final int USAGE_ERROR = KinoPrograms.USAGE_ERROR;
    public static final int CANCELLED = KinoPrograms.CANCELLED;
    public static final int INTERNAL_ERROR = KinoPrograms.INTERNAL_ERROR;

    private PrintStream out;
    private PrintStream err;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // Charts and contact sheets are drawn with AWT; servers have no display.
        System.setProperty("java.awt.headless", "true");
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command line with the given streams; returns the exit code (in-process use and tests). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        BenchCli bench = new BenchCli();
        bench.out = out;
        bench.err = err;
        return KinoPrograms.execute(new CommandLine(bench), "kino bench", args, out, err);
    }

    /** Where results go. */
    @Override
    public PrintStream out() {
        return out;
    }

    /** Where progress and notes go. */
    @Override
    public PrintStream err() {
        return err;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The engine's version from its jar manifest, which is what the figures measure. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = dev.kino.pipeline.TextToVideoPipeline.class.getPackage().getImplementationVersion();
            return new String[] {"kino bench, engine " + (v == null ? "(development build)" : v)};
        }
    }
}
