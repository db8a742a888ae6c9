package io.groupthink.spring.actuate;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.model.ModelConfig;
import io.groupthink.engine.scheduler.EngineStats;
import io.groupthink.engine.scheduler.Scheduler;
import io.groupthink.engine.scheduler.SchedulerOptions;
import io.groupthink.spring.session.GroupThinkSessions;
import io.groupthink.spring.session.LiveSession;
import java.util.List;
import java.util.Locale;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * {@code /actuator/groupthink}: the model, the engine's state, and every live session with each
 * thinker's progress. {@code GET /actuator/groupthink/{id}} shows one session and
 * {@code DELETE /actuator/groupthink/{id}} cancels it. A session in rounds is one entry: its
 * {@code rounds} say which round and phase it is in, its lanes show the current round.
 */
@Endpoint(id = "groupthink")
public class GroupThinkEndpoint {

    private final GroupThinkModel model;
    private final Scheduler scheduler;
    private final GroupThinkSessions sessions;

    public GroupThinkEndpoint(GroupThinkModel model, Scheduler scheduler, GroupThinkSessions sessions) {
        this.model = model;
        this.scheduler = scheduler;
        this.sessions = sessions;
    }

    @ReadOperation
    public GroupThinkDescriptor groupThink() {
        ModelConfig c = model.config();
        ModelDescriptor m = new ModelDescriptor(String.valueOf(model.dir()), c.modelType(), c.numLayers(),
                c.hiddenSize(), c.numHeads(), c.numKvHeads(), c.vocabSize(), c.maxPositions(),
                model.chatTemplate().present(), !model.isClosed());
        SchedulerOptions o = scheduler.options();
        EngineStats s = scheduler.stats();
        EngineDescriptor e = new EngineDescriptor(s.alive(), s.activeSessions(), s.queued(), s.lastBatchRows(),
                s.kvTokensInUse(), s.kvTokensReserved(), s.kvTokensCapacity(), s.kvBytesInUse(), s.kvBytesCapacity(),
                s.steps(), s.submitted(), s.completed(), s.rejected(), s.failed(), o.maxQueue(),
                o.queueTimeout().toMillis(), o.prefillTokensPerStep(), o.prefixSharing(), s.sharedPrefixTokens(),
                s.lastError() == null ? null : s.lastError().toString());
        return new GroupThinkDescriptor(m, e, sessions.registry().all().stream().map(GroupThinkEndpoint::describe).toList());
    }

    @ReadOperation
    public SessionDescriptor session(@Selector long id) {
        return sessions.registry().get(id).map(GroupThinkEndpoint::describe).orElse(null);
    }

    /** Cancels a live session: its lanes stop and its KV memory is freed at the next step. */
    @DeleteOperation
    public CancelDescriptor cancel(@Selector long id) {
        return new CancelDescriptor(id, sessions.cancel(id));
    }

    static SessionDescriptor describe(LiveSession s) {
        return new SessionDescriptor(s.id(), s.surface(), s.state(), s.question(),
                s.request().mode().name().toLowerCase(Locale.ROOT), s.request().layout().name().toLowerCase(Locale.ROOT),
                s.request().thinkers(), s.request().maxTokens(), System.currentTimeMillis() - s.startedMillis(),
                s.queueMillis(), s.rounds(), s.lanes());
    }

    public record GroupThinkDescriptor(ModelDescriptor model, EngineDescriptor engine, List<SessionDescriptor> sessions) {}

    public record ModelDescriptor(String path, String type, int layers, int hiddenSize, int heads, int kvHeads,
            int vocabSize, int contextLength, boolean chatTemplate, boolean loaded) {}

    public record EngineDescriptor(boolean alive, int activeSessions, int queuedSessions, int lastBatchRows,
            int kvTokensInUse, long kvTokensReserved, int kvTokensCapacity, long kvBytesInUse, long kvBytesCapacity,
            long steps, long submitted, long completed, long rejected, long failed, int maxQueue, long queueTimeoutMillis,
            int prefillTokensPerStep, boolean prefixSharing, long sharedPrefixTokens, String lastError) {}

    public record SessionDescriptor(long id, String surface, String state, String question, String mode,
            String layout, int thinkers, int maxTokensPerThinker, long ageMillis, Double queueMillis,
            LiveSession.RoundProgress rounds, List<LiveSession.LaneProgress> lanes) {}

    public record CancelDescriptor(long id, boolean cancelled) {}
}
