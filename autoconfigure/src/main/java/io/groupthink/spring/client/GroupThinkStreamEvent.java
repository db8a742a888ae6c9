package io.groupthink.spring.client;

/**
 * What {@link GroupThinkChatClient.PromptSpec#streamEvents()} emits: every token as it is written,
 * then the whole {@link GroupThinkResponse} (usage and timings included) last.
 */
public sealed interface GroupThinkStreamEvent permits ThinkerToken, GroupThinkResponse {}
