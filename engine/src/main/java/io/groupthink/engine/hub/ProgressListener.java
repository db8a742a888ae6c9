package io.groupthink.engine.hub;

/**
 * Told about a pull's progress, on the pulling thread; keep it cheap ({@link DownloadProgress.Event#BYTES}
 * comes for every buffer received). {@link TextProgressBar} draws a terminal progress bar.
 */
@FunctionalInterface
public interface ProgressListener {

    void onProgress(DownloadProgress progress);

    /** Ignores everything. */
    ProgressListener NONE = p -> {};
}
