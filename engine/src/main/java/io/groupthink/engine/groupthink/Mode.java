package io.groupthink.engine.groupthink;

import java.util.Locale;

/** Who sees whom. */
public enum Mode {
    /** Every thinker sees every thinker's tokens up to the current step, same-step ones included. */
    GROUP_THINK,
    /** The Independent Sampling baseline: each thinker sees the prompt and itself only. */
    INDEPENDENT,
    /** Chain of thought: a single thinker. */
    COT;

    /** Parses "group", "group_think", "independent" or "cot" (any case). */
    public static Mode parse(String s) {
        String v = s == null ? "" : s.trim().toLowerCase(Locale.ROOT).replace('-', '_');
        return switch (v) {
            case "group", "group_think", "groupthink" -> GROUP_THINK;
            case "independent", "independent_sampling" -> INDEPENDENT;
            case "cot" -> COT;
            default -> throw new IllegalArgumentException("unknown mode '" + s + "'; use group, independent or cot");
        };
    }
}
