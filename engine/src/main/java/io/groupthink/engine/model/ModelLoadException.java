package io.groupthink.engine.model;

import java.nio.file.Path;

/** A model folder could not be loaded. The message always names the file and the problem. */
public class ModelLoadException extends RuntimeException {

    private final Path file;

    public ModelLoadException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public ModelLoadException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The file (or folder) at fault. */
    public Path file() {
        return file;
    }
}
