package dev.kino.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code kino schedulers}: the samplers Kino can run, one line each. */
@Command(name = "schedulers", mixinStandardHelpOptions = true,
        description = "List the schedulers (samplers) that --scheduler accepts.")
final class SchedulersCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        return 0;
    }
}
