package io.groupthink.spring.session;

import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.groupthink.GroupThinkSession;
import io.groupthink.engine.scheduler.EngineListener;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans the scheduler's events out to every {@link EngineListener} bean (metrics, the session
 * registry, the application's own). Runs on the engine thread: a listener that throws is logged and
 * skipped, so observability can never fail a step.
 */
public class CompositeEngineListener implements EngineListener {

    private static final Logger log = LoggerFactory.getLogger(CompositeEngineListener.class);

    private final List<EngineListener> listeners;

    public CompositeEngineListener(List<EngineListener> listeners) {
        this.listeners = List.copyOf(listeners);
    }

    public List<EngineListener> listeners() {
        return listeners;
    }

    @Override
    public void onStep(int rows, int sessions, double millis) {
        each(l -> l.onStep(rows, sessions, millis));
    }

    @Override
    public void onAdmitted(GroupThinkSession session, double queueMillis) {
        each(l -> l.onAdmitted(session, queueMillis));
    }

    @Override
    public void onCompleted(GroupThinkSession session, GroupThinkResult result) {
        each(l -> l.onCompleted(session, result));
    }

    @Override
    public void onFailed(GroupThinkSession session, Throwable error) {
        each(l -> l.onFailed(session, error));
    }

    @Override
    public void onRejected(GroupThinkSession session, Throwable reason) {
        each(l -> l.onRejected(session, reason));
    }

    private void each(java.util.function.Consumer<EngineListener> call) {
        for (EngineListener l : listeners) {
            try {
                call.accept(l);
            } catch (RuntimeException e) {
                log.warn("engine listener {} failed", l, e);
            }
        }
    }
}
