package io.groupthink.engine.hub;

/**
 * One progress report of a {@link ModelPuller#pull pull}. Files already in the cache are not reported;
 * {@code fileIndex}/{@code fileCount} and the overall numbers cover only the files being downloaded.
 *
 * @param event what happened
 * @param repoId the model
 * @param file the file (path inside the repo); null for {@link Event#ALL_DONE}
 * @param fileIndex 1-based position of the file among the downloads of this pull
 * @param fileCount how many files this pull downloads
 * @param fileBytes bytes of the file on disk (a resumed download starts above zero)
 * @param fileTotal the file's size, or -1 when the hub did not say
 * @param overallBytes bytes of all this pull's downloads on disk
 * @param overallTotal the sum of their sizes, or -1 when some size is unknown
 */
public record DownloadProgress(Event event, String repoId, String file, int fileIndex, int fileCount,
        long fileBytes, long fileTotal, long overallBytes, long overallTotal) {

    /** What a report is about. */
    public enum Event {
        /** A file's download starts (or resumes; then {@code fileBytes} is above zero). */
        FILE_STARTED,
        /** More bytes of the file arrived. */
        BYTES,
        /** The file is verified and in the cache. */
        FILE_DONE,
        /** Every file is in place; the snapshot is ready. */
        ALL_DONE
    }

    /** The file's fraction done in [0, 1], or -1 when its size is unknown. */
    public double fileFraction() {
        return fraction(fileBytes, fileTotal);
    }

    /** The pull's fraction done in [0, 1], or -1 when the total is unknown. */
    public double overallFraction() {
        return fraction(overallBytes, overallTotal);
    }

    private static double fraction(long done, long total) {
        if (total < 0) {
            return -1;
        }
        if (total == 0) {
            return 1;
        }
        return Math.max(0, Math.min(1, (double) done / total));
    }
}
