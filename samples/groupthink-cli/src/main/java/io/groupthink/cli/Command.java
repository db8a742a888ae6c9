package io.groupthink.cli;

import java.io.PrintStream;
import java.util.List;

/** One sub-command of the CLI. */
interface Command {

    /** Where a command writes: results on {@code out}, progress and logs on {@code err}. */
    record Io(PrintStream out, PrintStream err, Terminal terminal, long startNanos) {
        double elapsedMillis() {
            return (System.nanoTime() - startNanos) / 1e6;
        }
    }

    String name();

    /** One line for the global help. */
    String summary();

    /** The usage line after the program name. */
    String usage();

    /** A paragraph or two under the usage line. */
    String description();

    List<Options.Spec> options();

    /** Runs the command; returns the exit code. */
    int execute(Options options, Io io) throws Exception;
}
