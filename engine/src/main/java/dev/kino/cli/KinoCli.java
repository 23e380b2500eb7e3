package dev.kino.cli;

import dev.kino.KinoException;
import dev.kino.pipeline.GenerationCancelledException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintStream;
import java.io.PrintWriter;

/**
 * The {@code kino} command line. User errors (a {@link KinoException}, a bad option) print one sentence and
 * exit non-zero without a stack trace; anything else is a bug and prints its trace.
 */
@Command(name = "kino", mixinStandardHelpOptions = true, versionProvider = KinoCli.Version.class,
        description = "Text-to-video diffusion on your own machine: ONNX models, Java, no Python.",
        subcommands = {GenerateCommand.class, InfoCommand.class, SchedulersCommand.class,
                CommandLine.HelpCommand.class})
public final class KinoCli implements Runnable {
    /** Exit code for problems the user can fix. */
    public static final int USER_ERROR = 1;
    /** Exit code for bad command-line syntax. */
    public static final int USAGE_ERROR = 2;
    /** Exit code for a cancelled run. */
    public static final int CANCELLED = 130;
    /** Exit code for a bug in Kino. */
    public static final int INTERNAL_ERROR = 70;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command line with the given streams; returns the exit code (in-process use and tests). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return execute(new CommandLine(new KinoCli()), "kino", args, out, err);
    }

    /**
     * Runs a picocli command with Kino's error conventions (shared by {@code kino bench}): a
     * {@link KinoException} prints "NAME: message" and exits {@link #USER_ERROR}, bad syntax exits
     * {@link #USAGE_ERROR}, a cancelled run {@link #CANCELLED}, anything else prints its trace and exits 70.
     */
    public static int execute(CommandLine cli, String name, String[] args, PrintStream out, PrintStream err) {
        PrintWriter errWriter = new PrintWriter(err, true);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(errWriter);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof KinoException) {
                errWriter.println(name + ": " + e.getMessage());
                return USER_ERROR;
            }
            if (e instanceof GenerationCancelledException) {
                errWriter.println(name + ": " + e.getMessage());
                return CANCELLED;
            }
            errWriter.println(name + ": internal error (this is a bug in Kino; please report it with the trace below)");
            e.printStackTrace(errWriter);
            return INTERNAL_ERROR;
        });
        cli.setParameterExceptionHandler((e, a) -> {
            errWriter.println(name + ": " + e.getMessage());
            errWriter.println("Run '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help' for usage.");
            return USAGE_ERROR;
        });
        return cli.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Version from the jar manifest when packaged. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = KinoCli.class.getPackage().getImplementationVersion();
            return new String[] {"kino " + (v == null ? "(development build)" : v)};
        }
    }
}
