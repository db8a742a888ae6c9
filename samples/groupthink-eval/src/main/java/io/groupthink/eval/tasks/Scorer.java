package io.groupthink.eval.tasks;

import java.util.List;

/**
 * Scores the group's joint output: every thinker's text (in lane order) at one decoding step.
 * Implementations never throw on malformed text; what they cannot read counts as nothing.
 */
@FunctionalInterface
public interface Scorer {

    /** Coverage in [0, 1] of the joint output {@code lanes}. */
    double score(List<String> lanes);
}
