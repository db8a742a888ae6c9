package io.groupthink.cli;

import java.util.List;

/**
 * Text deltas of one lane, released for printing as they arrive, except a tail that could be
 * the start of a stop string: a stop string is never printed, and what is printed is always a
 * prefix of the lane's final text.
 */
final class StreamingText {

    private final List<String> stops;
    private final StringBuilder text = new StringBuilder();
    private int released;
    private boolean stopped;

    StreamingText(List<String> stops) {
        this.stops = stops;
    }

    /** Appends a delta; returns what may be printed now (possibly empty). */
    String push(String delta) {
        if (stopped || delta.isEmpty()) {
            return "";
        }
        text.append(delta);
        int safe = text.length();
        for (String stop : stops) {
            int at = text.indexOf(stop);
            if (at >= 0 && at < safe) {
                safe = at;
                stopped = true;
            }
        }
        if (!stopped) {
            safe -= heldBack();
        }
        return release(safe);
    }

    /** The rest, once the lane is over: {@code finalText} is the engine's text (stop string removed). */
    String finish(String finalText) {
        if (finalText != null && finalText.startsWith(text.substring(0, released))) {
            String rest = finalText.substring(released);
            released = finalText.length();
            return rest;
        }
        return release(stopped ? released : text.length());
    }

    /** Everything seen so far, stop strings included. */
    String seen() {
        return text.toString();
    }

    private String release(int upTo) {
        if (upTo <= released) {
            return "";
        }
        String out = text.substring(released, upTo);
        released = upTo;
        return out;
    }

    /** Length of the longest suffix of the text that is a proper prefix of a stop string. */
    private int heldBack() {
        int hold = 0;
        for (String stop : stops) {
            for (int k = Math.min(stop.length() - 1, text.length()); k > hold; k--) {
                if (stop.startsWith(text.substring(text.length() - k))) {
                    hold = k;
                    break;
                }
            }
        }
        return Math.min(hold, text.length() - released);
    }
}
