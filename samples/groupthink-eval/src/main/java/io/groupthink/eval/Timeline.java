package io.groupthink.eval;

import io.groupthink.engine.groupthink.StepHook;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntConsumer;
import java.util.function.IntSupplier;

/**
 * Every lane's tokens of one run on one step axis, so the output can be replayed at any step
 * afterwards. A plain run is one phase; a run in rounds is a phase per segment and per summary,
 * laid end to end: step g is the g-th forward pass the run waited on. Lanes 0..N-1 are the
 * thinkers (a thinker's segments joined by line breaks), lanes N.. the summaries.
 *
 * <p>Tokens arrive off the engine thread, in order; the K/V readings ({@link #probe}) on it.
 */
public final class Timeline {

    private final int thinkers;
    private final List<StringBuilder> texts = new ArrayList<>();
    private final List<List<int[]>> marks = new ArrayList<>(); // per lane: {step, text length after the token}
    private final List<Integer> lastPhase = new ArrayList<>();
    private final List<Long> stepNanos = new ArrayList<>(); // per step - 1: time of its latest token
    private final Map<Integer, Integer> offsets = new ConcurrentHashMap<>(); // phase -> steps before it
    private final Map<Long, Integer> kvReadings = new ConcurrentHashMap<>(); // (phase, token index) -> slots
    private final IntConsumer onStep;
    private int phase = Integer.MIN_VALUE;
    private int offset;
    private int phaseSteps;
    private long startNanos = System.nanoTime();

    public Timeline(int thinkers, IntConsumer onStep) {
        this.thinkers = thinkers;
        for (int n = 0; n < thinkers; n++) {
            lane(n);
        }
        this.onStep = onStep == null ? s -> {} : onStep;
    }

    /** Marks the start of the run (wall times are measured from here). */
    public void start() {
        startNanos = System.nanoTime();
    }

    /**
     * Token number {@code index} of {@code lane} in {@code phase} (phases come in increasing order).
     * A lane's first token in a new phase starts a new line, so round pieces never run together.
     */
    public synchronized void token(int phase, int lane, int index, String text) {
        if (phase != this.phase) {
            offset += phaseSteps;
            phaseSteps = 0;
            this.phase = phase;
            offsets.put(phase, offset);
        }
        int step = offset + index + 1;
        phaseSteps = Math.max(phaseSteps, index + 1);
        StringBuilder t = lane(lane);
        if (lastPhase.get(lane) != phase && !t.isEmpty()) {
            t.append('\n');
        }
        lastPhase.set(lane, phase);
        t.append(text);
        marks.get(lane).add(new int[] {step, t.length()});
        while (stepNanos.size() < step) {
            stepNanos.add(0L);
        }
        stepNanos.set(step - 1, System.nanoTime());
        onStep.accept(step);
    }

    /**
     * A hook that reads the K/V slots in use (as the engine published them after its last pass)
     * at each pass of {@code phase}: a hook runs once its session's pass is done, while the
     * session waits out of the batch, so the reading at token index i is the state after the pass
     * that produced the token, the phase's pass i, i.e. after step offset + i + 1.
     */
    public StepHook probe(int phase, IntSupplier slotsInUse) {
        return new StepHook() {
            @Override
            public void logits(int lane, int index, float[] logits) {
                kvReadings.merge(((long) phase << 32) | (index + 1), slotsInUse.getAsInt(), Math::max);
            }
        };
    }

    /** The last step with a token. */
    public synchronized int steps() {
        return offset + phaseSteps;
    }

    /** Every lane's text after step {@code g}: the thinkers', then the summaries'. */
    public synchronized List<String> textsAt(int g) {
        List<String> out = new ArrayList<>(texts.size());
        for (int n = 0; n < texts.size(); n++) {
            int length = 0;
            for (int[] m : marks.get(n)) {
                if (m[0] > g) {
                    break;
                }
                length = m[1];
            }
            out.add(texts.get(n).substring(0, length));
        }
        return out;
    }

    /** Tokens every lane (summaries included) generated up to step {@code g}. */
    public synchronized int tokensAt(int g) {
        int tokens = 0;
        for (List<int[]> lane : marks) {
            for (int[] m : lane) {
                if (m[0] > g) {
                    break;
                }
                tokens++;
            }
        }
        return tokens;
    }

    /**
     * K/V slots in use after step {@code g}, as read by the probes; a step without a reading keeps
     * the one before it, and step 0 holds nothing.
     */
    public synchronized int[] kvSlots() {
        int last = steps();
        int[] kv = new int[last + 1];
        boolean[] read = new boolean[last + 1];
        for (Map.Entry<Long, Integer> e : kvReadings.entrySet()) {
            Integer before = offsets.get((int) (e.getKey() >> 32));
            int step = before == null ? -1 : before + (int) (e.getKey() & 0xffffffffL);
            if (step >= 0 && step <= last) {
                kv[step] = e.getValue();
                read[step] = true;
            }
        }
        for (int g = 1; g <= last; g++) {
            if (!read[g]) {
                kv[g] = kv[g - 1];
            }
        }
        return kv;
    }

    /** Milliseconds from {@link #start()} to the last token of step {@code g} (0 for step 0). */
    public synchronized double wallMillisAt(int g) {
        if (g <= 0 || stepNanos.isEmpty()) {
            return 0;
        }
        long t = stepNanos.get(Math.min(g, stepNanos.size()) - 1);
        return (t - startNanos) / 1e6;
    }

    /** The thinkers' final texts. */
    public List<String> thinkerTexts() {
        return textsAt(steps()).subList(0, thinkers);
    }

    /** The summaries' final texts, one per summary lane (none for a plain run). */
    public List<String> summaryTexts() {
        List<String> all = textsAt(steps());
        return all.subList(thinkers, all.size());
    }

    private StringBuilder lane(int n) {
        while (texts.size() <= n) {
            texts.add(new StringBuilder());
            marks.add(new ArrayList<>());
            lastPhase.add(Integer.MIN_VALUE);
        }
        return texts.get(n);
    }
}
