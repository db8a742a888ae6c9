package io.groupthink.engine.template;

/** A template that cannot be parsed or rendered; {@link #line()} is the template line, 0 when unknown. */
public class TemplateException extends RuntimeException {

    private final int line;
    private final boolean raised;

    public TemplateException(int line, String message) {
        this(line, message, false);
    }

    TemplateException(int line, String message, boolean raised) {
        super(message);
        this.line = line;
        this.raised = raised;
    }

    public int line() {
        return line;
    }

    /** Whether the template itself raised this with {@code raise_exception(...)}; the message is the template's. */
    public boolean raisedByTemplate() {
        return raised;
    }

    /** The same error, pinned to a line if it has none yet. */
    TemplateException at(int newLine) {
        if (line > 0 || newLine <= 0) {
            return this;
        }
        TemplateException t = new TemplateException(newLine, getMessage(), raised);
        t.setStackTrace(getStackTrace());
        return t;
    }
}
