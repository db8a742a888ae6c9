package io.groupthink.spring.session;

import io.groupthink.engine.groupthink.GroupThinkResult;

/** What a streamed session emits: its tokens as they are produced, then its result. */
public sealed interface GroupThinkEvent {

    /**
     * One token of one thinker.
     *
     * @param session   engine session id
     * @param lane      0-based lane; {@code lane == thinkers} is the final-answer lane
     * @param step      index of the token in its lane (the final-answer lane counts from 0 again)
     * @param text      text that became final with this token (may be empty mid-character)
     * @param synthesis whether the final-answer lane wrote it
     * @param role      the thinker's role, or null
     */
    record Token(long session, int lane, int step, String text, boolean synthesis, String role)
            implements GroupThinkEvent {

        /** 1-based thinker number as the prompt names it ("Thinker2"); 0 for the final answer. */
        public int thinker() {
            return synthesis ? 0 : lane + 1;
        }
    }

    /** The session ended; always the last event of a stream that did not fail. */
    record Completed(GroupThinkResult result) implements GroupThinkEvent {}
}
