package io.groupthink.spring.client;

/**
 * One streamed token, tagged by who wrote it.
 *
 * @param thinker   1-based thinker number; 0 for the final answer
 * @param role      the thinker's role, or null
 * @param step      index of the token in its lane; thinkers advance together, so thinkers' tokens
 *                  with the same step came out of the same forward pass (the final answer counts
 *                  from 0 again, after the thinkers)
 * @param text      text that became final with this token (may be empty mid-character)
 * @param finalAnswer whether the final-answer lane wrote it
 */
public record ThinkerToken(long session, int thinker, String role, int step, String text, boolean finalAnswer)
        implements GroupThinkStreamEvent {}
