package io.groupthink.engine.groupthink;

import java.util.Locale;

/** Where thinkers' tokens sit in position space. Visibility does not depend on it. */
public enum Layout {
    /** The paper's local (edge) layout: thinker n's k-th token at P + n*W + k, W its slot width. */
    SLOTTED,
    /** The data-centre layout: consecutive positions in arrival (step) order. */
    INTERLEAVED;

    public static Layout parse(String s) {
        String v = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "slotted", "local" -> SLOTTED;
            case "interleaved", "datacenter", "data-centre" -> INTERLEAVED;
            default -> throw new IllegalArgumentException("unknown layout '" + s + "'; use slotted or interleaved");
        };
    }

    /**
     * The position rule for a session whose lanes start at {@code base}, each with a slot of
     * {@code slotWidth} positions (header plus budget).
     */
    public PositionPolicy policy(int base, int slotWidth) {
        return switch (this) {
            case SLOTTED -> (lane, indexInLane, arrival) -> base + lane * slotWidth + indexInLane;
            case INTERLEAVED -> (lane, indexInLane, arrival) -> base + arrival;
        };
    }
}
