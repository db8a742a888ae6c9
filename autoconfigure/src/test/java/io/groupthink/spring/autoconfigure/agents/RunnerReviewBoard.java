package io.groupthink.spring.autoconfigure.agents;

import io.groupthink.spring.agent.GroupThinkAgents;
import io.groupthink.spring.agent.Thinker;

/** Found by the ApplicationContextRunner tests' scan of this package. */
@GroupThinkAgents
public interface RunnerReviewBoard {

    @Thinker("look at safety")
    String safety(String plan);

    @Thinker("look at cost")
    String cost(String plan);
}
