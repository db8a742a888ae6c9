package io.groupthink.eval;

import java.io.PrintStream;

/**
 * A one-line progress bar on stderr, redrawn in place ({@code \r}) at most every 200 ms:
 * runs done out of the total, the current run, and its step out of its budget.
 */
public final class Progress {

    private static final int WIDTH = 24;
    private static final long REDRAW_NANOS = 200_000_000L;

    private final PrintStream err;
    private final int total;
    private int done;
    private String current = "";
    private int budget;
    private long lastDraw;
    private int lastLength;

    public Progress(PrintStream err, int total) {
        this.err = err;
        this.total = Math.max(1, total);
    }

    public void startRun(String label, int budget) {
        this.current = label;
        this.budget = budget;
        draw(0, true);
    }

    public void step(int step) {
        draw(step, false);
    }

    public void finishRun(int lastStep) {
        done++;
        draw(lastStep, true);
    }

    /** Ends the bar's line. */
    public void finish() {
        current = "done";
        draw(0, true);
        err.println();
        err.flush();
    }

    private void draw(int step, boolean force) {
        long now = System.nanoTime();
        if (!force && now - lastDraw < REDRAW_NANOS) {
            return;
        }
        lastDraw = now;
        int filled = (int) Math.round((double) WIDTH * done / total);
        StringBuilder sb = new StringBuilder("\r[");
        for (int i = 0; i < WIDTH; i++) {
            sb.append(i < filled ? '#' : '.');
        }
        sb.append("] ").append(done).append('/').append(total).append(" runs  ").append(current);
        if (budget > 0 && !current.equals("done")) {
            sb.append("  step ").append(step).append('/').append(budget);
        }
        int length = sb.length();
        for (int i = length; i < lastLength; i++) {
            sb.append(' ');
        }
        lastLength = length;
        err.print(sb);
        err.flush();
    }
}
