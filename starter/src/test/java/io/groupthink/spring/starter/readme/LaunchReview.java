package io.groupthink.spring.starter.readme;

import io.groupthink.spring.agent.GroupThinkAgents;
import io.groupthink.spring.agent.Thinker;

// The README's agent group, word for word.
@GroupThinkAgents(prompt = "Review this launch plan: {plan}")
public interface LaunchReview {

    @Thinker("security reviewer")
    String security(String plan);

    @Thinker("cost analyst")
    String cost(String plan);

    Review review(String plan);   // the group call: one session, one component per role

    record Review(String security, String cost) {}
}
