package io.groupthink.cli;

/** A bad command line: unknown option, missing or malformed value. Exit code 2, one line, no stack trace. */
final class UsageException extends RuntimeException {

    UsageException(String message) {
        super(message);
    }
}
