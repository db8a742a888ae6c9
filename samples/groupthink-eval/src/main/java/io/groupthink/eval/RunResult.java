package io.groupthink.eval;

import java.util.List;

/**
 * One run: a task instance in one mode with N thinkers, and its coverage curve.
 *
 * @param points     coverage of the joint output after each step, step 0 (nothing yet) first
 * @param laneTexts  each thinker's final text
 * @param budget     the per-thinker budget it ran with
 */
public record RunResult(String task, long seed, String instance, String mode, int thinkers, int budget,
        String question, List<StepPoint> points, List<String> laneTexts, int decodeSteps, double wallMillis) {

    /**
     * @param step    tokens per thinker so far: step s is after s forward passes (the prefill,
     *                which yields every thinker's first token, then s - 1 decode passes)
     * @param wallMs  wall time from the start of the run to the step's last token
     */
    public record StepPoint(int step, double wallMs, double coverage) {}

    public double finalCoverage() {
        return points.isEmpty() ? 0 : points.get(points.size() - 1).coverage();
    }
}
