package dev.kino.cli;

import dev.kino.schedule.Schedulers;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code kino schedulers}: the samplers Kino can run, one line each. */
@Command(name = "schedulers", mixinStandardHelpOptions = true,
        description = "List the schedulers (samplers) that --scheduler accepts.")
final class SchedulersCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.println("Schedulers for noise-prediction models (epsilon / v_prediction):");
        Schedulers.catalog().stream().filter(i -> !i.forFlowModels())
                .forEach(i -> out.printf("  %-18s %s%n", i.name(), i.description()));
        out.println("Schedulers for flow-matching models (Wan, LTX-Video, the demo model):");
        Schedulers.catalog().stream().filter(i -> i.forFlowModels())
                .forEach(i -> out.printf("  %-18s %s%n", i.name(), i.description()));
        out.println("Without --scheduler, a model runs the scheduler its kino.json names.");
        return 0;
    }
}
