package io.groupthink.spring.autoconfigure.client;

/** The final answer could not be mapped to the requested type. Holds the text that was produced. */
public class StructuredOutputException extends RuntimeException {

    private final String text;

    public StructuredOutputException(String type, String text, Throwable cause) {
        super("the final answer is not valid JSON for " + type + ": " + cause.getMessage() + "; the answer was: "
                + abbreviate(text), cause);
        this.text = text;
    }

    public String text() {
        return text;
    }

    private static String abbreviate(String s) {
        if (s == null) {
            return "<none>";
        }
        return s.length() > 200 ? "'" + s.substring(0, 197) + "...'" : "'" + s + "'";
    }
}
