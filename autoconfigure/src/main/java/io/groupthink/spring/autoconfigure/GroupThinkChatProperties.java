package io.groupthink.spring.autoconfigure;

import static io.groupthink.spring.autoconfigure.InvalidPropertyException.check;

import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.spring.ai.GroupThinkChatOptions;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The Spring AI ChatModel's defaults, under {@code groupthink.chat.*}. Sampling comes from
 * {@code groupthink.sampling.*} and the Group Think defaults from {@code groupthink.defaults.*}.
 */
@ConfigurationProperties(GroupThinkChatProperties.PREFIX)
public class GroupThinkChatProperties implements InitializingBean {

    public static final String PREFIX = "groupthink.chat";

    /** Thinkers per ChatModel call; 1 is plain chat, more turns Group Think on for every call. */
    private int thinkers = 1;

    /** Token budget of each thinker; unset takes groupthink.defaults.tokens-per-thinker. */
    private Integer maxTokens;

    /** Model name reported in responses and observations; unset takes the model folder's name. */
    private String model;

    /** When streaming Group Think with a final answer, also stream the thinkers' tokens. */
    private boolean streamThinkers = false;

    @Override
    public void afterPropertiesSet() {
        check(thinkers >= 1 && thinkers <= GroupThinkRequest.MAX_THINKERS, PREFIX + ".thinkers", thinkers,
                "between 1 (plain chat) and " + GroupThinkRequest.MAX_THINKERS);
        check(maxTokens == null || maxTokens >= 1, PREFIX + ".max-tokens", maxTokens, "at least 1, or unset");
    }

    public GroupThinkChatOptions toOptions(String defaultModel, int defaultMaxTokens) {
        return GroupThinkChatOptions.builder()
                .model(model != null ? model : defaultModel)
                .maxTokens(maxTokens != null ? maxTokens : defaultMaxTokens)
                .thinkers(thinkers)
                .streamThinkers(streamThinkers)
                .build();
    }

    public int getThinkers() {
        return thinkers;
    }

    public void setThinkers(int thinkers) {
        this.thinkers = thinkers;
    }

    public Integer getMaxTokens() {
        return maxTokens;
    }

    public void setMaxTokens(Integer maxTokens) {
        this.maxTokens = maxTokens;
    }

    public String getModel() {
        return model;
    }

    public void setModel(String model) {
        this.model = model;
    }

    public boolean isStreamThinkers() {
        return streamThinkers;
    }

    public void setStreamThinkers(boolean streamThinkers) {
        this.streamThinkers = streamThinkers;
    }
}
