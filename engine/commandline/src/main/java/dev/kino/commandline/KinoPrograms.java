package dev.kino.commandline;

import dev.kino.KinoException;
import dev.kino.pipeline.GenerationCancelledException;
import picocli.CommandLine;

import java.io.PrintStream;
import java.io.PrintWriter;

/**
 * The conventions every Kino program ({@code kino}, {@code kino bench}) follows: a {@link KinoException} prints
 * "NAME: message" and exits {@link #USER_ERROR} without a stack trace, bad syntax exits {@link #USAGE_ERROR}, a
 * cancelled run {@link #CANCELLED}, anything else is a bug and prints its trace ({@link #INTERNAL_ERROR}).
 */
public final class KinoPrograms {
    /** Exit code for problems the user can fix. */
    public static final int USER_ERROR = 1;
    /** Exit code for bad command-line syntax. */
    public static final int USAGE_ERROR = 2;
    /** Exit code for a cancelled run. */
    public static final int CANCELLED = 130;
    /** Exit code for a bug in Kino. */
    public static final int INTERNAL_ERROR = 70;

    private KinoPrograms() {
    }

    /** Runs a picocli command with Kino's error conventions on the given streams; returns the exit code. */
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
}
