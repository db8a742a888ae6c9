package io.groupthink.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** One in-process run of the CLI: exit code, stdout and stderr. */
record CliRun(int code, String out, String err) {

    static CliRun of(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = GroupThinkCli.run(args, o, e);
        }
        return new CliRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** ../shared beside the checkout, as the engine's tests find it. */
    static Path shared() {
        return io.groupthink.engine.TestModels.shared();
    }

    static Path stories() {
        return shared().resolve("models/stories260K-hf");
    }

    @Override
    public String toString() {
        return "exit " + code + "\n--- stdout ---\n" + out + "\n--- stderr ---\n" + err;
    }
}
