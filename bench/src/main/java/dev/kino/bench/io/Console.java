package dev.kino.bench.io;

import java.io.PrintStream;

/**
 * Where a bench command writes: results to {@link #out()}, progress and notes to {@link #err()}. The
 * {@code kino bench} program implements it and hands itself to its commands, which know only this.
 */
public interface Console {

    PrintStream out();

    PrintStream err();
}
