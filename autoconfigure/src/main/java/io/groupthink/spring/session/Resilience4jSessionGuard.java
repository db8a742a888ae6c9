package io.groupthink.spring.session;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.groupthink.spring.client.GroupThinkBusyException;
import io.groupthink.spring.client.GroupThinkTimeoutException;
import io.groupthink.spring.client.GroupThinkUnavailableException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@link SessionGuard} on Resilience4j: a bulkhead bounds concurrent sessions, a circuit breaker
 * stops calls after engine failures, and the time limiter's duration bounds each call, queueing
 * included. The limit is enforced by {@link GroupThinkSessions}, which cancels the engine session
 * when it fires (a TimeLimiter by itself would only cancel the caller's future); the outcome is
 * reported back here so the time limiter's events and metrics stay right.
 */
public class Resilience4jSessionGuard implements SessionGuard {

    private final Bulkhead bulkhead;
    private final CircuitBreaker circuitBreaker;
    private final TimeLimiter timeLimiter;

    /** Any of the three may be null to leave that concern out. */
    public Resilience4jSessionGuard(Bulkhead bulkhead, CircuitBreaker circuitBreaker, TimeLimiter timeLimiter) {
        this.bulkhead = bulkhead;
        this.circuitBreaker = circuitBreaker;
        this.timeLimiter = timeLimiter;
    }

    public Bulkhead bulkhead() {
        return bulkhead;
    }

    public CircuitBreaker circuitBreaker() {
        return circuitBreaker;
    }

    public TimeLimiter timeLimiter() {
        return timeLimiter;
    }

    @Override
    public Permit enter() {
        if (circuitBreaker != null && !circuitBreaker.tryAcquirePermission()) {
            throw new GroupThinkUnavailableException("Group Think is not taking calls: circuit breaker '"
                    + circuitBreaker.getName() + "' is " + circuitBreaker.getState()
                    + " after engine failures (resilience4j.circuitbreaker.instances." + circuitBreaker.getName()
                    + ".*)", io.github.resilience4j.circuitbreaker.CallNotPermittedException
                            .createCallNotPermittedException(circuitBreaker));
        }
        if (bulkhead != null && !bulkhead.tryAcquirePermission()) {
            if (circuitBreaker != null) {
                circuitBreaker.releasePermission();
            }
            boolean interrupted = Thread.currentThread().isInterrupted();
            throw new GroupThinkBusyException("Group Think is at its limit of "
                    + bulkhead.getBulkheadConfig().getMaxConcurrentCalls() + " concurrent sessions (resilience4j.bulkhead"
                    + ".instances." + bulkhead.getName() + ".max-concurrent-calls" + (interrupted
                            ? "); interrupted while waiting for a seat" : ", waited "
                                    + bulkhead.getBulkheadConfig().getMaxWaitDuration().toMillis() + " ms); retry later"),
                    io.github.resilience4j.bulkhead.BulkheadFullException.createBulkheadFullException(bulkhead));
        }
        return new R4jPermit();
    }

    private final class R4jPermit implements Permit {

        private final AtomicBoolean released = new AtomicBoolean();

        @Override
        public Duration timeLimit() {
            return timeLimiter == null ? null : timeLimiter.getTimeLimiterConfig().getTimeoutDuration();
        }

        @Override
        public void succeeded(long nanos) {
            if (circuitBreaker != null) {
                circuitBreaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
            }
            if (timeLimiter != null) {
                timeLimiter.onSuccess();
            }
        }

        @Override
        public void failed(Throwable error, long nanos) {
            if (circuitBreaker != null) {
                circuitBreaker.onError(nanos, TimeUnit.NANOSECONDS, error);
            }
            if (timeLimiter != null) {
                timeLimiter.onError(error instanceof GroupThinkTimeoutException && error.getCause() != null
                        ? error.getCause() : error);
            }
        }

        @Override
        public void ignored() {
            if (circuitBreaker != null) {
                circuitBreaker.releasePermission();
            }
        }

        @Override
        public void release() {
            if (bulkhead != null && released.compareAndSet(false, true)) {
                bulkhead.onComplete();
            }
        }
    }

    /** Whether the breaker refuses calls. */
    @Override
    public boolean refusing() {
        return circuitBreaker != null && (circuitBreaker.getState() == CircuitBreaker.State.OPEN
                || circuitBreaker.getState() == CircuitBreaker.State.FORCED_OPEN);
    }
}
