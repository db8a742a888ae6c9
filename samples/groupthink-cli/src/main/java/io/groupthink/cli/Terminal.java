package io.groupthink.cli;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * What stdout is: an interactive terminal (live redraw, ANSI colour unless {@code NO_COLOR} is set)
 * or a pipe/file/test buffer (plain text, no escapes).
 *
 * @param live   stdout is an interactive terminal: lanes may be redrawn in place
 * @param colour ANSI colours are on
 * @param width  columns available for one line
 */
record Terminal(boolean live, boolean colour, int width) {

    static final Terminal PLAIN = new Terminal(false, false, 100);

    private static final String RESET = "\u001b[0m";
    private static final String BOLD = "\u001b[1m";
    private static final String DIM = "\u001b[2m";
    private static final String[] LANE_COLOURS = {
        "\u001b[36m", "\u001b[35m", "\u001b[33m", "\u001b[32m", "\u001b[34m", "\u001b[31m",
        "\u001b[96m", "\u001b[95m", "\u001b[93m", "\u001b[92m", "\u001b[94m", "\u001b[91m",
    };

    /** Looks at the process's stdout: an interactive terminal or not. */
    static Terminal detect() {
        if (System.console() == null || "dumb".equals(System.getenv("TERM"))) {
            return PLAIN;
        }
        String noColor = System.getenv("NO_COLOR");
        boolean colour = noColor == null || noColor.isEmpty();
        return new Terminal(true, colour, columns());
    }

    /** The lane's colour (the synthesis lane is {@code lane == thinkers}). */
    String lane(int lane, String text) {
        return colour && !text.isEmpty() ? LANE_COLOURS[lane % LANE_COLOURS.length] + text + RESET : text;
    }

    String laneBold(int lane, String text) {
        return colour && !text.isEmpty() ? BOLD + LANE_COLOURS[lane % LANE_COLOURS.length] + text + RESET : text;
    }

    String bold(String text) {
        return colour && !text.isEmpty() ? BOLD + text + RESET : text;
    }

    String dim(String text) {
        return colour && !text.isEmpty() ? DIM + text + RESET : text;
    }

    /** Moves the cursor up {@code lines} lines to column 0 and clears from there to the end of the screen. */
    static String rewind(int lines) {
        return (lines > 0 ? "\u001b[" + lines + "A" : "") + "\r\u001b[J";
    }

    /** Terminal width from $COLUMNS or {@code stty size}; 80 when neither answers. */
    private static int columns() {
        try {
            String env = System.getenv("COLUMNS");
            if (env != null) {
                int c = Integer.parseInt(env.trim());
                if (c > 10) {
                    return c;
                }
            }
        } catch (NumberFormatException ignored) {
            // fall through to stty
        }
        try {
            File tty = new File("/dev/tty");
            if (tty.exists()) {
                Process p = new ProcessBuilder("stty", "size").redirectInput(tty)
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                if (p.waitFor(500, TimeUnit.MILLISECONDS)) {
                    String[] parts = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)
                            .trim().split("\\s+");
                    if (parts.length == 2) {
                        int c = Integer.parseInt(parts[1]);
                        if (c > 10) {
                            return c;
                        }
                    }
                } else {
                    p.destroy();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception ignored) {
            // no tty, no stty: use the default
        }
        return 80;
    }
}
