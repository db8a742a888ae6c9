package io.groupthink.engine.groupthink;

import java.util.List;

/**
 * What a session produced.
 *
 * @param thinkers      one entry per thinker, in lane order
 * @param finalAnswer   the synthesis lane's text, or null when synthesis was off
 * @param promptTokens  tokens prefilled (shared prompt, instructions, headers)
 * @param decodeSteps   forward passes after the prefill (the paper's latency axis)
 * @param stepMillis    wall time of every forward pass the session took part in: its prefill passes
 *                      (one per chunk under chunked prefill) first, then its decode steps
 * @param kvBytes       K/V bytes the session's tokens occupied at the end
 * @param batchRows     rows the session put in each decode step's batch (shrinks as thinkers finish)
 */
public record GroupThinkResult(long session, List<ThinkerResult> thinkers, ThinkerResult synthesis,
        String finalAnswer, int promptTokens, int decodeSteps, List<Double> stepMillis, double wallMillis,
        long kvBytes, List<Integer> batchRows) {

    /** One lane's output. {@code topLogits} holds, per generated token, its top-K [id, logit] pairs. */
    public record ThinkerResult(int lane, String label, int[] tokens, String text, FinishReason finishReason,
            List<float[][]> topLogits) {}

    /** Forward passes that prefilled the prompt: one, or one per chunk under chunked prefill. */
    public int prefillPasses() {
        return stepMillis.size() - decodeSteps;
    }

    /** Time in the prefill passes, however many chunks the prompt took. */
    public double prefillMillis() {
        return stepMillis.subList(0, prefillPasses()).stream().mapToDouble(Double::doubleValue).sum();
    }

    /** Time in the decode steps: the latency that Group Think divides by N. */
    public double decodeMillis() {
        return stepMillis.subList(prefillPasses(), stepMillis.size()).stream().mapToDouble(Double::doubleValue).sum();
    }

    public int generatedTokens() {
        int n = thinkers.stream().mapToInt(t -> t.tokens().length).sum();
        return synthesis == null ? n : n + synthesis.tokens().length;
    }

    /** Every thinker's text, labelled, in lane order: the group's joint output. */
    public String jointText() {
        StringBuilder sb = new StringBuilder();
        for (ThinkerResult t : thinkers) {
            sb.append(t.label()).append(t.text()).append('\n');
        }
        return sb.toString();
    }
}
