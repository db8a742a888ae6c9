package io.groupthink.eval;

import io.groupthink.engine.groupthink.SessionListener;
import io.groupthink.engine.groupthink.ThinkerEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Records every thinker's token stream with its step and time, so the joint output can be
 * replayed at any step afterwards ({@link #textsAt(int)}). Runs on the engine's thread and does
 * nothing but append.
 */
public final class StepRecorder implements SessionListener {

    private final StringBuilder[] texts;
    private final List<List<Integer>> lengths = new ArrayList<>(); // per lane: text length after token i
    private final List<Long> stepNanos = new ArrayList<>(); // per step index: time of its latest token
    private final IntConsumer onStep;
    private long startNanos = System.nanoTime();

    public StepRecorder(int lanes, IntConsumer onStep) {
        this.texts = new StringBuilder[lanes];
        for (int n = 0; n < lanes; n++) {
            texts[n] = new StringBuilder();
            lengths.add(new ArrayList<>());
        }
        this.onStep = onStep == null ? s -> {} : onStep;
    }

    /** Marks the start of the run (wall times are measured from here). */
    public void start() {
        startNanos = System.nanoTime();
    }

    @Override
    public void onToken(ThinkerEvent e) {
        if (e.synthesis() || e.lane() < 0 || e.lane() >= texts.length) {
            return;
        }
        texts[e.lane()].append(e.text());
        lengths.get(e.lane()).add(texts[e.lane()].length());
        int step = e.step();
        while (stepNanos.size() <= step) {
            stepNanos.add(0L);
        }
        stepNanos.set(step, System.nanoTime());
        onStep.accept(step + 1);
    }

    /** Steps with at least one token: the longest thinker's token count. */
    public int steps() {
        int s = 0;
        for (List<Integer> l : lengths) {
            s = Math.max(s, l.size());
        }
        return s;
    }

    /** Every thinker's text after step {@code s} (its first s tokens). */
    public List<String> textsAt(int s) {
        List<String> out = new ArrayList<>(texts.length);
        for (int n = 0; n < texts.length; n++) {
            List<Integer> l = lengths.get(n);
            int tokens = Math.min(s, l.size());
            out.add(tokens == 0 ? "" : texts[n].substring(0, l.get(tokens - 1)));
        }
        return out;
    }

    /** Milliseconds from {@link #start()} to the last token of step {@code s} (0 for step 0). */
    public double wallMillisAt(int s) {
        if (s <= 0 || stepNanos.isEmpty()) {
            return 0;
        }
        long t = stepNanos.get(Math.min(s, stepNanos.size()) - 1);
        return (t - startNanos) / 1e6;
    }

    public List<String> finalTexts() {
        return textsAt(steps());
    }
}
