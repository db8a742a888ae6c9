package io.groupthink.engine.hub;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A text progress bar for terminals: one line per file, redrawn in place with a carriage return,
 *
 * <pre>
 * [2/3] model.safetensors  [##########..........]  50%  494.0/988.1 MB  41.2 MB/s  total 49%
 * </pre>
 *
 * and a newline when the file is done. When the stream is not a terminal ({@code interactive == false}) it
 * prints only a line when each file starts and ends, so logs stay readable. Redraws are limited to about ten
 * a second.
 */
public final class TextProgressBar implements ProgressListener {

    private static final int NAME_WIDTH = 40;

    private final PrintStream out;
    private final boolean interactive;
    private final int barWidth;
    private final long minRedrawNanos;
    private final LongSupplier clock;

    private long lastDraw = Long.MIN_VALUE;
    private int lastLength;
    private long fileStartNanos;
    private long fileStartBytes;
    private long filesDone;
    private long bytesDone;

    /** On {@code System.err}; interactive when the JVM has a console. */
    public TextProgressBar() {
        this(System.err, System.console() != null);
    }

    public TextProgressBar(PrintStream out, boolean interactive) {
        this(out, interactive, 20, 100_000_000L, System::nanoTime);
    }

    TextProgressBar(PrintStream out, boolean interactive, int barWidth, long minRedrawNanos, LongSupplier clock) {
        this.out = out;
        this.interactive = interactive;
        this.barWidth = barWidth;
        this.minRedrawNanos = minRedrawNanos;
        this.clock = clock;
    }

    /** A bar on {@code System.err}. */
    public static TextProgressBar stderr() {
        return new TextProgressBar();
    }

    @Override
    public synchronized void onProgress(DownloadProgress p) {
        long now = clock.getAsLong();
        switch (p.event()) {
            case FILE_STARTED -> {
                fileStartNanos = now;
                fileStartBytes = p.fileBytes();
                if (interactive) {
                    draw(p, now);
                } else {
                    out.println("Downloading " + p.file() + " [" + p.fileIndex() + "/" + p.fileCount() + "]"
                            + (p.fileTotal() >= 0 ? " (" + bytes(p.fileTotal()) + ")" : "")
                            + (p.fileBytes() > 0 ? ", resuming at " + bytes(p.fileBytes()) : ""));
                    out.flush();
                }
            }
            case BYTES -> {
                if (interactive && now - lastDraw >= minRedrawNanos) {
                    draw(p, now);
                }
            }
            case FILE_DONE -> {
                filesDone++;
                bytesDone += Math.max(0, p.fileBytes());
                if (interactive) {
                    draw(p, now);
                    out.print('\n');
                    lastLength = 0;
                } else {
                    out.println("Downloaded " + p.file() + " (" + bytes(p.fileBytes()) + ")");
                }
                out.flush();
            }
            case ALL_DONE -> {
                if (filesDone > 0) {
                    out.println("Downloaded " + filesDone + " file" + (filesDone == 1 ? "" : "s") + ", "
                            + bytes(bytesDone) + " of " + p.repoId());
                    out.flush();
                }
            }
        }
    }

    private void draw(DownloadProgress p, long now) {
        lastDraw = now;
        String line = line(p, speed(p.fileBytes(), now));
        StringBuilder sb = new StringBuilder(line.length() + 8).append('\r').append(line);
        for (int i = line.length(); i < lastLength; i++) {
            sb.append(' '); // wipe the end of a longer previous line
        }
        lastLength = line.length();
        out.print(sb);
        out.flush();
    }

    private double speed(long fileBytes, long now) {
        double seconds = (now - fileStartNanos) / 1e9;
        return seconds < 0.2 ? -1 : (fileBytes - fileStartBytes) / seconds;
    }

    /** One line of the bar (no carriage return). */
    String line(DownloadProgress p, double bytesPerSecond) {
        StringBuilder sb = new StringBuilder();
        sb.append('[').append(p.fileIndex()).append('/').append(p.fileCount()).append("] ");
        sb.append(shorten(p.file()));
        double f = p.fileFraction();
        if (f >= 0) {
            int filled = (int) Math.round(f * barWidth);
            sb.append("  [").append("#".repeat(filled)).append(".".repeat(barWidth - filled)).append(']');
            sb.append(String.format(Locale.ROOT, " %3d%%", (int) Math.floor(f * 100)));
            sb.append("  ").append(pair(p.fileBytes(), p.fileTotal()));
        } else {
            sb.append("  ").append(bytes(p.fileBytes()));
        }
        if (bytesPerSecond >= 0) {
            sb.append("  ").append(bytes((long) bytesPerSecond)).append("/s");
        }
        double o = p.overallFraction();
        if (o >= 0 && p.fileCount() > 1) {
            sb.append(String.format(Locale.ROOT, "  total %d%%", (int) Math.floor(o * 100)));
        }
        return sb.toString();
    }

    private static String shorten(String name) {
        if (name == null) {
            return "";
        }
        return name.length() <= NAME_WIDTH ? name : "..." + name.substring(name.length() - NAME_WIDTH + 3);
    }

    /** {@code 494.0/988.1 MB}: both in the total's unit. */
    static String pair(long done, long total) {
        String unit = unit(total);
        double scale = scale(unit);
        return String.format(Locale.ROOT, "%.1f/%.1f %s", done / scale, total / scale, unit);
    }

    /** Decimal units, as {@code huggingface_hub} prints them. */
    static String bytes(long n) {
        String unit = unit(n);
        if (unit.equals("B")) {
            return n + " B";
        }
        return String.format(Locale.ROOT, "%.1f %s", n / scale(unit), unit);
    }

    private static String unit(long n) {
        if (n >= 1_000_000_000L) {
            return "GB";
        }
        if (n >= 1_000_000L) {
            return "MB";
        }
        if (n >= 1_000L) {
            return "kB";
        }
        return "B";
    }

    private static double scale(String unit) {
        return switch (unit) {
            case "GB" -> 1e9;
            case "MB" -> 1e6;
            case "kB" -> 1e3;
            default -> 1;
        };
    }
}
