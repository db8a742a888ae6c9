package io.groupthink.cli;

import io.groupthink.engine.model.ChatTemplate;
import io.groupthink.engine.model.ModelLoadException;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code groupthink-cli} command line: generate, think, bench, random-model, pull and train-demo.
 *
 * <p>Exit codes: 0 success, 1 the model or the engine failed (a bad model folder prints the
 * loader's message, which names the file and the problem), 2 a bad command line (one line that
 * names the option). Results go to stdout, progress and logs to stderr, so {@code --json} output
 * is clean.
 */
public final class GroupThinkCli {

    static final String NAME = "groupthink-cli";
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    static {
        configureLogging();
    }

    private static final List<Command> COMMANDS = List.of(new GenerateCommand(), new ThinkCommand(),
            new BenchCommand(), new RandomModelCommand(), new GgufQuantizeCommand(), new PullCommand(),
            new TrainDemoCommand());

    private GroupThinkCli() {}

    /** slf4j-simple reads these when its first logger is created: logs to stderr, warnings and up. */
    static void configureLogging() {
        if (System.getProperty("org.slf4j.simpleLogger.logFile") == null) {
            System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        }
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        // DJL probes for CUDA on every engine start and warns when there is no GPU: noise on a CPU machine
        String cuda = "org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils";
        if (System.getProperty(cuda) == null) {
            System.setProperty(cuda, "error");
        }
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16),
                false, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        PrintStream systemOut = System.out;
        System.setOut(err); // anything a library prints on stdout must not corrupt --json
        int code = run(args, out, err, Terminal.detect());
        out.flush();
        systemOut.flush();
        System.exit(code);
    }

    /** The whole CLI, in-process: parses {@code args}, runs the command, returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, out, err, Terminal.PLAIN);
    }

    static int run(String[] args, PrintStream out, PrintStream err, Terminal terminal) {
        long start = System.nanoTime();
        try {
            if (args.length == 0) {
                printHelp(err);
                return USAGE;
            }
            String first = args[0];
            if (first.equals("--help") || first.equals("-h") || first.equals("help")) {
                if (args.length > 1 && !first.equals("help")) {
                    throw new UsageException("unexpected argument '" + args[1] + "' after " + first);
                }
                if (args.length > 1) {
                    Command c = find(args[1]);
                    out.print(help(c));
                } else {
                    printHelp(out);
                }
                out.flush();
                return OK;
            }
            if (first.equals("eval")) { // the evaluation harness parses its own options
                return io.groupthink.eval.EvalCommand.run(Arrays.copyOfRange(args, 1, args.length), out, err);
            }
            Command command = find(first);
            Options options = Options.parse(command.name(), command.options(),
                    Arrays.copyOfRange(args, 1, args.length));
            if (options.help()) {
                out.print(help(command));
                out.flush();
                return OK;
            }
            return command.execute(options, new Command.Io(out, err, terminal, start));
        } catch (UsageException e) {
            return fail(err, USAGE, e.getMessage());
        } catch (ModelLoadException | ChatTemplate.ChatTemplateException | io.groupthink.engine.hub.HubException e) {
            return fail(err, FAILED, e.getMessage());
        } catch (IllegalArgumentException e) {
            // the engine's request validation: a bad value, and the message names it
            return fail(err, USAGE, e.getMessage());
        } catch (IllegalStateException e) {
            return fail(err, FAILED, e.getMessage());
        } catch (Exception | Error e) {
            err.println("error: " + e);
            e.printStackTrace(err);
            return FAILED;
        } finally {
            out.flush();
            err.flush();
        }
    }

    private static int fail(PrintStream err, int code, String message) {
        err.println("error: " + message);
        return code;
    }

    private static Command find(String name) {
        for (Command c : COMMANDS) {
            if (c.name().equals(name)) {
                return c;
            }
        }
        throw new UsageException((name.startsWith("-") ? "unknown option " : "unknown command ") + name
                + "; commands are generate, think, bench, random-model, pull, train-demo, eval (see " + NAME + " --help)");
    }

    private static void printHelp(PrintStream out) {
        StringBuilder sb = new StringBuilder();
        sb.append("Usage: ").append(NAME).append(" <command> [options]\n\n");
        sb.append("Group Think: one model acting as N concurrent thinkers in one batched forward pass.\n\n");
        sb.append("Commands:\n");
        for (Command c : COMMANDS) {
            sb.append(String.format("  %-14s %s%n", c.name(), c.summary()));
        }
        sb.append(String.format("  %-14s %s%n", "eval", "coverage against decoding steps on enumeration, "
                + "Floyd-Warshall and programming tasks (CSV, PNG charts, summary)"));
        sb.append("\nRun '").append(NAME).append(" <command> --help' for the options of a command.\n");
        sb.append("Exit codes: 0 ok, 1 model or engine failure, 2 bad command line.\n");
        sb.append("Environment: NO_COLOR disables colour. Logs go to stderr (slf4j-simple, level warn;\n");
        sb.append("  -Dorg.slf4j.simpleLogger.defaultLogLevel=info for more).\n");
        out.print(sb);
        out.flush();
    }

    static String help(Command c) {
        StringBuilder sb = new StringBuilder();
        sb.append("Usage: ").append(NAME).append(' ').append(c.name()).append(' ').append(c.usage()).append("\n\n");
        sb.append(c.description().strip()).append("\n\nOptions:\n");
        for (Options.Spec s : c.options()) {
            String left = s.name() + (s.metavar() == null ? "" : " " + s.metavar());
            if (s.kind() == Options.Kind.MULTI) {
                left += " ...";
            }
            sb.append(String.format("  %-26s %s%n", left, s.help()));
        }
        sb.append(String.format("  %-26s %s%n", "-h, --help", "show this help"));
        return sb.toString();
    }
}
