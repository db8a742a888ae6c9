package io.groupthink.spring.client;

/**
 * The question or conversation is longer than {@code groupthink.limits.max-prompt-chars}: refused
 * before it is tokenized. A web layer answers it with 413.
 */
public class PromptTooLongException extends IllegalArgumentException {

    public PromptTooLongException(String message) {
        super(message);
    }
}
