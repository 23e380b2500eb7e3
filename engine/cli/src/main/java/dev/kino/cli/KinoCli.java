package dev.kino.cli;

import dev.kino.commandline.KinoPrograms;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintStream;

/**
 * The {@code kino} command line. User errors (a Kino exception, a bad option) print one sentence and exit
 * non-zero without a stack trace; anything else is a bug and prints its trace ({@link KinoPrograms}).
 */
@Command(name = "kino", mixinStandardHelpOptions = true, versionProvider = KinoCli.Version.class,
        description = "Text-to-video diffusion on your own machine: ONNX models, Java, no Python.",
        subcommands = {GenerateCommand.class, RenderCommand.class, ServeCommand.class, InfoCommand.class, SchedulersCommand.class,
                DoctorCommand.class,
                CommandLine.HelpCommand.class})
public final class KinoCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command line with the given streams; returns the exit code (in-process use and tests). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return KinoPrograms.execute(command(), "kino", args, out, err);
    }

    /** The command line, with the request options made from the schema (what {@link #run} executes). */
    public static CommandLine command() {
        CommandLine cli = new CommandLine(new KinoCli());
        GenerateCommand.withRequestOptions(cli.getSubcommands().get("generate").getCommandSpec());
        return cli;
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
