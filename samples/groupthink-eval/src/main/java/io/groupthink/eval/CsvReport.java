package io.groupthink.eval;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * coverage.csv: one row per run per step, columns
 * {@code task,seed,instance,mode,thinkers,step,wall_ms,coverage}. Step 0 is the empty output;
 * a run's rows stop at its last step (see {@link Curves} for how shorter runs are averaged).
 */
public final class CsvReport {

    public static final String HEADER = "task,seed,instance,mode,thinkers,step,wall_ms,coverage";

    private CsvReport() {}

    public static void write(Path file, List<RunResult> runs) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(HEADER);
            w.write('\n');
            for (RunResult r : runs) {
                for (RunResult.StepPoint p : r.points()) {
                    w.write(String.format(Locale.ROOT, "%s,%d,%s,%s,%d,%d,%.1f,%.4f%n", r.task(), r.seed(),
                            csv(r.instance()), r.mode(), r.thinkers(), p.step(), p.wallMs(), p.coverage()));
                }
            }
        }
    }

    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
