package io.groupthink.engine.sampling;

/**
 * How the next token is chosen. Temperature 0 is greedy (argmax, lowest id on ties).
 *
 * @param topK              keep the k most likely tokens; 0 = off
 * @param topP              nucleus mass in (0, 1]; 1 = off
 * @param repetitionPenalty CTRL-style penalty on tokens already in the lane (1 = off)
 * @param seed              base seed; each thinker derives its own so sampled thinkers diverge
 */
public record SamplingOptions(double temperature, int topK, double topP, double repetitionPenalty, long seed) {

    public static final SamplingOptions GREEDY = new SamplingOptions(0, 0, 1, 1, 0);

    public SamplingOptions {
        if (Double.isNaN(temperature) || temperature < 0) {
            throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top_k must be >= 0, got " + topK);
        }
        if (Double.isNaN(topP) || topP <= 0 || topP > 1) {
            throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        }
        if (Double.isNaN(repetitionPenalty) || repetitionPenalty <= 0) {
            throw new IllegalArgumentException("repetition_penalty must be > 0, got " + repetitionPenalty);
        }
    }

    public static SamplingOptions sampled(double temperature, double topP, long seed) {
        return new SamplingOptions(temperature, 0, topP, 1, seed);
    }

    public boolean greedy() {
        return temperature == 0;
    }

    /** The options for thinker {@code lane}: same settings, a seed of its own. */
    public SamplingOptions forLane(int lane) {
        return new SamplingOptions(temperature, topK, topP, repetitionPenalty, seed + 0x9E3779B97F4A7C15L * (lane + 1));
    }
}
