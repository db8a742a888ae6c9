package io.groupthink.eval.tasks;

import java.util.List;
import java.util.Locale;

/** A family of problems with a coverage metric; {@link #instance(long)} is deterministic in the seed. */
public interface Task {

    String name();

    TaskInstance instance(long seed);

    /**
     * The general tasks, in their canonical order (the default run). {@link #byName} also knows
     * {@link TrainedEnumerationTask}, which only the shipped model is trained for.
     */
    List<String> NAMES = List.of(EnumerationTask.NAME, FloydWarshallTask.NAME, ProgrammingTask.NAME);

    /** enumeration, floyd-warshall (or fw), programming or trained-enumeration; IllegalArgumentException otherwise. */
    static Task byName(String name) {
        String v = name == null ? "" : name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        return switch (v) {
            case "enumeration", "enum" -> new EnumerationTask();
            case "floyd-warshall", "floydwarshall", "fw" -> new FloydWarshallTask();
            case "programming", "code" -> new ProgrammingTask();
            case "trained-enumeration", "trained" -> new TrainedEnumerationTask();
            default -> throw new IllegalArgumentException("unknown task '" + name
                    + "'; use enumeration, floyd-warshall, programming or "
                    + "trained-enumeration");
        };
    }
}
