package io.groupthink.spring.autoconfigure;

import io.groupthink.engine.hub.DownloadProgress;
import io.groupthink.engine.hub.ProgressListener;
import org.slf4j.Logger;

/**
 * Hub download progress as log lines at INFO: a Spring application reports through its logging,
 * not by drawing on a terminal (the CLI draws its bar). One line per file started and finished,
 * and one per tenth of a file, so a 1 GB download logs a dozen lines, not thousands.
 */
final class LoggingDownloadProgress implements ProgressListener {

    private final Logger log;
    private int lastTenth = -1;

    LoggingDownloadProgress(Logger log) {
        this.log = log;
    }

    @Override
    public synchronized void onProgress(DownloadProgress p) {
        switch (p.event()) {
            case FILE_STARTED -> {
                lastTenth = -1;
                log.info("Downloading {} file {}/{}: {}{}", p.repoId(), p.fileIndex(), p.fileCount(), p.file(),
                        p.fileTotal() >= 0 ? " (" + mib(p.fileTotal()) + ")" : "");
            }
            case BYTES -> {
                int tenth = (int) Math.floor(p.fileFraction() * 10);
                if (p.fileFraction() >= 0 && tenth > lastTenth && tenth < 10) {
                    lastTenth = tenth;
                    log.info("Downloading {}: {}% of {}, {}% overall", p.repoId(), tenth * 10, p.file(),
                            p.overallFraction() < 0 ? "?" : Math.round(p.overallFraction() * 100));
                }
            }
            case FILE_DONE -> log.info("Downloaded {} file {}/{}: {}", p.repoId(), p.fileIndex(), p.fileCount(), p.file());
            case ALL_DONE -> log.info("Model {} is in the cache ({} downloaded)", p.repoId(), mib(p.overallBytes()));
        }
    }

    private static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / 1048576.0);
    }
}
