package io.groupthink.spring.autoconfigure.it;

import io.groupthink.spring.agent.GroupThink;
import io.groupthink.spring.agent.GroupThinkAgents;
import io.groupthink.spring.agent.Thinker;
import io.groupthink.spring.client.GroupThinkResponse;
import java.util.Map;

/** Three roles, one session per group call; found by the auto-configuration package scan. */
@GroupThinkAgents(prompt = "{plan}", maxTokensPerThinker = 16)
public interface StoryCouncil {

    @Thinker("tell how it starts")
    String start(String plan);

    @Thinker("tell what happens")
    String middle(String plan);

    @Thinker("tell how it ends")
    String end(String plan);

    /** The group call: one component per role, plus the whole response. */
    Council council(String plan);

    Map<String, Object> asMap(String plan);

    @GroupThink(thinkers = 4, maxTokensPerThinker = 12, prompt = "{topic}")
    String brainstorm(String topic);

    @GroupThink(thinkers = 4, maxTokensPerThinker = 12, prompt = "{topic}")
    GroupThinkResponse brainstormResponse(String topic);

    default int councilLength(String plan) {
        Council c = council(plan);
        return c.start().length() + c.middle().length() + c.end().length();
    }

    record Council(String start, String middle, String end, GroupThinkResponse response) {}
}
