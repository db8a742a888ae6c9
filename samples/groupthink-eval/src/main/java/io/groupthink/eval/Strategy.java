package io.groupthink.eval;

import java.util.Locale;

/** How a run spends its tokens: one plain session, or a session in rounds (InftyThink) in a fixed K/V budget. */
public enum Strategy {
    PLAIN,
    ROUNDS;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** How a run of {@code mode} with this strategy is named: "group", "group rounds". */
    public String name(String mode) {
        return this == PLAIN ? mode : mode + " " + label();
    }

    public static Strategy parse(String s) {
        for (Strategy v : values()) {
            if (v.label().equals(s.trim().toLowerCase(Locale.ROOT))) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown strategy '" + s + "' (plain or rounds)");
    }
}
