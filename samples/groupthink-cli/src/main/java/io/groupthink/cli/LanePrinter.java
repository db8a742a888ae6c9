package io.groupthink.cli;

import io.groupthink.engine.groupthink.FinishReason;
import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.groupthink.SessionListener;
import io.groupthink.engine.groupthink.ThinkerEvent;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Shows a session's lanes as they are written. On a live terminal, one line per thinker (the tail
 * of its text, in its colour) redrawn in place; when every thinker is done the block is replaced by
 * the full lanes. Elsewhere the full lanes are printed once the thinkers are done. The synthesis
 * lane, if any, is streamed after them. Runs on the engine's thread: it only formats and prints.
 */
final class LanePrinter implements SessionListener {

    private static final long REDRAW_NANOS = 40_000_000L;

    private final PrintStream out;
    private final Terminal term;
    private final GroupThinkRequest request;
    private final int thinkers;
    private final String[] labels;
    private final StreamingText[] lanes;
    private final int[] tokens;
    private final FinishReason[] finish;
    private final StreamingText synthesis;
    private int finished;
    private int step;
    private int drawnLines;
    private long lastDraw;
    private boolean lanesPrinted;
    private boolean answerStarted;

    LanePrinter(Command.Io io, GroupThinkRequest request) {
        this.out = io.out();
        this.term = io.terminal();
        this.request = request;
        this.thinkers = request.thinkers();
        this.labels = new String[thinkers];
        this.lanes = new StreamingText[thinkers];
        this.tokens = new int[thinkers];
        this.finish = new FinishReason[thinkers];
        for (int n = 0; n < thinkers; n++) {
            String role = request.roles().isEmpty() ? null : request.roles().get(n);
            labels[n] = request.template().fill(request.template().header(), thinkers, n + 1, request.question(), role)
                    .strip();
            lanes[n] = new StreamingText(request.stopStrings());
        }
        this.synthesis = new StreamingText(request.stopStrings());
    }

    @Override
    public void onToken(ThinkerEvent e) {
        if (e.synthesis()) {
            startAnswer();
            String text = synthesis.push(e.text());
            if (!text.isEmpty()) {
                out.print(term.lane(thinkers, text));
                out.flush();
            }
            return;
        }
        lanes[e.lane()].push(e.text());
        tokens[e.lane()]++;
        step = Math.max(step, e.step());
        if (term.live() && lastLiveLane(e.lane()) && System.nanoTime() - lastDraw > REDRAW_NANOS) {
            draw(); // once the step's last token is in, so that the lanes move together
        }
    }

    @Override
    public void onLaneFinished(long session, int lane, FinishReason reason) {
        if (lane >= thinkers) {
            return;
        }
        finish[lane] = reason;
        finished++;
        if (finished == thinkers) {
            printLanes();
        } else if (term.live()) {
            draw();
        }
    }

    /** After the run: whatever is still to show, and the end of the final answer. */
    void finish(GroupThinkResult result) {
        printLanes();
        if (result.synthesis() != null) {
            startAnswer();
            out.print(term.lane(thinkers, synthesis.finish(result.finalAnswer())));
            out.println();
        }
        out.flush();
    }

    private void startAnswer() {
        if (!answerStarted) {
            printLanes();
            answerStarted = true;
            out.println();
            out.print(term.laneBold(thinkers, "Final answer:") + " ");
        }
    }

    private void printLanes() {
        if (lanesPrinted) {
            return;
        }
        lanesPrinted = true;
        if (drawnLines > 0) {
            out.print(Terminal.rewind(drawnLines));
            drawnLines = 0;
        }
        for (int n = 0; n < thinkers; n++) {
            if (n > 0) {
                out.println();
            }
            String status = String.format(Locale.ROOT, "(%d tokens, %s)", tokens[n], reason(n));
            out.println(term.laneBold(n, labels[n]) + " " + term.dim(status));
            out.println(term.lane(n, visible(lanes[n])));
        }
        out.flush();
    }

    /** One header line and one line per thinker, rewritten in place. */
    private void draw() {
        lastDraw = System.nanoTime();
        StringBuilder sb = new StringBuilder();
        if (drawnLines > 0) {
            sb.append(Terminal.rewind(drawnLines));
        }
        int total = 0;
        for (int t : tokens) {
            total += t;
        }
        sb.append(term.dim(fit(String.format(Locale.ROOT, "%s | %d thinkers | step %d | %d tokens | %d done",
                ThinkCommand.mode(request.mode()), thinkers, step, total, finished), term.width() - 1))).append('\n');
        for (int n = 0; n < thinkers; n++) {
            String label = labels[n] + " ";
            String suffix = finish[n] == null ? "" : " [" + reason(n) + "]";
            int room = Math.max(0, term.width() - 1 - label.length() - suffix.length());
            String text = tail(visible(lanes[n]).replace('\n', '\u21b5').replace('\r', ' ').replace('\t', ' '), room);
            sb.append(term.laneBold(n, label)).append(term.lane(n, text)).append(term.dim(suffix)).append('\n');
        }
        drawnLines = thinkers + 1;
        out.print(sb);
        out.flush();
    }

    /** Whether no thinker after {@code lane} is still running: its token is the step's last. */
    private boolean lastLiveLane(int lane) {
        for (int m = lane + 1; m < thinkers; m++) {
            if (finish[m] == null) {
                return false;
            }
        }
        return true;
    }

    private String reason(int n) {
        return finish[n] == null ? "running" : finish[n].name().toLowerCase(Locale.ROOT);
    }

    /** The lane's text up to the first stop string. */
    private String visible(StreamingText lane) {
        String text = lane.seen();
        int cut = text.length();
        for (String s : request.stopStrings()) {
            int at = text.indexOf(s);
            if (at >= 0) {
                cut = Math.min(cut, at);
            }
        }
        return text.substring(0, cut);
    }

    private static String fit(String s, int width) {
        return s.length() <= width ? s : s.substring(0, Math.max(0, width));
    }

    private static String tail(String s, int width) {
        if (s.length() <= width) {
            return s;
        }
        int from = s.length() - width;
        if (from < s.length() && Character.isLowSurrogate(s.charAt(from))) {
            from++;
        }
        return s.substring(from);
    }
}
