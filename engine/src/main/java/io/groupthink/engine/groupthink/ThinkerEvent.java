package io.groupthink.engine.groupthink;

/**
 * One token of one thinker, as it is produced.
 *
 * @param lane  0-based thinker index; {@code lane == thinkers} is the synthesis lane
 * @param step  the decoding step that produced it
 * @param text  the text that became final with this token (may be empty mid-character)
 */
public record ThinkerEvent(long session, int lane, int step, int token, String text, boolean synthesis) {}
