package io.groupthink.engine.groupthink;

/**
 * Assigns a position id to each token a lane contributes after the prompt (its header, then its
 * generated tokens). Pluggable: the mask does not depend on positions, only RoPE does.
 */
@FunctionalInterface
public interface PositionPolicy {

    /**
     * @param lane        the thinker (the synthesis lane comes after the thinkers)
     * @param indexInLane how many tokens this lane placed before this one (header included)
     * @param arrival     how many lane tokens the session placed before this one, all lanes together
     */
    int position(int lane, int indexInLane, int arrival);

    /**
     * Each lane continues its own instructions at consecutive positions, as if it were a separate
     * sequence: what INDEPENDENT and COT use, so that an independent thinker is exactly a plain
     * generation of its own prompt. Lanes at or past {@code laneStarts.length} (the synthesis
     * lane) start at {@code after}.
     */
    static PositionPolicy perLane(int[] laneStarts, int after) {
        return (lane, indexInLane, arrival) -> (lane < laneStarts.length ? laneStarts[lane] : after) + indexInLane;
    }
}
