package io.groupthink.spring.client;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The final answer could not be mapped to the requested type, after every retry. Holds the raw
 * text of each attempt, so that a caller can log it, show it or map it by hand.
 */
public class StructuredOutputException extends RuntimeException {

    private final List<String> attempts;

    public StructuredOutputException(String type, String text, Throwable cause) {
        this(type, Collections.singletonList(text), cause);
    }

    /** @param attempts the raw text of each attempt, in order; the last one caused {@code cause} */
    public StructuredOutputException(String type, List<String> attempts, Throwable cause) {
        super("the final answer is not valid JSON for " + type + ": " + cause.getMessage()
                + (attempts.size() > 1 ? " (after " + attempts.size() + " attempts)" : "") + "; the answer was: "
                + abbreviate(attempts.get(attempts.size() - 1)), cause);
        this.attempts = Collections.unmodifiableList(new ArrayList<>(attempts));
    }

    /** The raw text of the last attempt (null when the session wrote no final answer). */
    public String text() {
        return attempts.get(attempts.size() - 1);
    }

    /** The raw text of every attempt, first to last. */
    public List<String> attempts() {
        return attempts;
    }

    private static String abbreviate(String s) {
        if (s == null) {
            return "<none>";
        }
        return s.length() > 200 ? "'" + s.substring(0, 197) + "...'" : "'" + s + "'";
    }
}
