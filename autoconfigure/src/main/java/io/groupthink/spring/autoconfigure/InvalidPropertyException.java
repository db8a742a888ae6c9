package io.groupthink.spring.autoconfigure;

/** A {@code groupthink.*} property holds a value Group Think cannot run with; found at start-up. */
class InvalidPropertyException extends RuntimeException {

    private final String property;
    private final Object value;
    private final String expected;

    InvalidPropertyException(String property, Object value, String expected) {
        super("'" + property + "' is " + quote(value) + "; it must be " + expected);
        this.property = property;
        this.value = value;
        this.expected = expected;
    }

    String property() {
        return property;
    }

    Object value() {
        return value;
    }

    String expected() {
        return expected;
    }

    private static String quote(Object value) {
        return value instanceof CharSequence ? "'" + value + "'" : String.valueOf(value);
    }

    /** Checks one property: throws naming it when {@code ok} is false. */
    static void check(boolean ok, String property, Object value, String expected) {
        if (!ok) {
            throw new InvalidPropertyException(property, value, expected);
        }
    }
}
