package io.groupthink.spring.session;

import io.groupthink.engine.groupthink.GroupThinkSession;
import io.groupthink.engine.scheduler.EngineListener;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sessions Spring has in flight, for the actuator endpoint. It hears admissions from the
 * scheduler (an {@link EngineListener}) and owns no engine state, so the scheduler can depend on it.
 */
public class SessionRegistry implements EngineListener {

    private final Map<Long, LiveSession> live = new ConcurrentHashMap<>();

    void add(LiveSession session) {
        live.put(session.id(), session);
    }

    void remove(long id) {
        live.remove(id);
    }

    public Optional<LiveSession> get(long id) {
        return Optional.ofNullable(live.get(id));
    }

    /** Oldest first. */
    public List<LiveSession> all() {
        Collection<LiveSession> values = live.values();
        return values.stream().sorted(Comparator.comparingLong(LiveSession::id)).toList();
    }

    public int size() {
        return live.size();
    }

    @Override
    public void onAdmitted(GroupThinkSession session, double queueMillis) {
        LiveSession s = live.get(session.id());
        if (s != null) {
            s.admitted(queueMillis);
        }
    }
}
