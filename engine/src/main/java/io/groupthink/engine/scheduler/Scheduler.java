package io.groupthink.engine.scheduler;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.groupthink.GroupThinkSession;
import io.groupthink.engine.groupthink.SessionListener;
import io.groupthink.engine.runtime.Batch;
import io.groupthink.engine.runtime.KvCache;
import io.groupthink.engine.runtime.LogitBuffers;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine: continuous batching of every admitted session's live lanes into one forward pass
 * per step, over one KV cache, on one engine thread that owns every tensor.
 *
 * <p>Each step is planned apart from its execution, as in vLLM: the {@link Planner} reads
 * {@link SessionView}s and returns a {@link StepPlan} (ends, admissions, prefix borrowing, prompt
 * chunks, decodes, preemption); this runner applies it: it frees and lends cache slots, has each
 * session place its tokens in a {@link Batch} (which carries each session's visibility rule), runs
 * the forward pass and hands the logits back.
 *
 * <p>Faults stay in their session. User code never runs on the engine thread: listener events,
 * futures and engine-listener calls go through a bounded per-session {@link Outbox} on a pool
 * thread, so a slow consumer delays only its own session, and one that falls
 * {@link SchedulerOptions#eventBuffer()} events behind is cancelled ({@link SlowConsumerException}).
 * A callback that throws (any Throwable) fails its own session. A {@code StepHook} is user code
 * too: after each pass its session is CHOOSING, out of the batch while the others go on, until
 * the hook has run on a pool thread; a hook that throws fails its own session, and a slow one
 * slows only its own. If the loop itself meets a fault (the forward pass throws),
 * every session it holds and every queued one fails with the cause at once, health goes DOWN,
 * and the loop restarts with an empty cache unless the fault is a VirtualMachineError.
 */
public final class Scheduler implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Scheduler.class);
    private static final AtomicInteger ENGINES = new AtomicInteger();
    private static final EngineListener NO_LISTENER = new EngineListener() {};
    /** How long health stays DOWN after a recoverable fault before the loop takes work again. */
    static final long RESTART_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final GroupThinkModel model;
    private final SchedulerOptions options;
    private final Planner planner;
    private final EngineListener listener;
    private final KvCache cache;
    private final ExecutorService events;
    private final Outbox engineEvents;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final Condition idle = lock.newCondition();
    private final ArrayDeque<SessionHandle> queue = new ArrayDeque<>(); // guarded by lock
    private long signals; // guarded by lock: submits and cancels, so the loop never sleeps through one
    private final List<SessionHandle> active = new ArrayList<>(); // engine thread only
    private final List<Runnable> outgoing = new ArrayList<>(); // engine thread: posts made after the stats are published
    private final Thread thread;
    private volatile boolean accepting = true;
    private volatile boolean closing;
    private volatile boolean recovering;
    private volatile Snapshot snapshot = Snapshot.EMPTY;
    private final AtomicLong submitted = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private volatile Runnable faultInjector; // tests: runs at the start of each step on the engine thread

    /** What the engine thread last published: read by stats() as one consistent picture. */
    private record Snapshot(int active, int lastBatchRows, int kvTokensInUse, long kvBytesInUse, long reserved,
            long steps, long completed, long failed, long sharedPrefixTokens, Throwable lastError, long faults) {
        static final Snapshot EMPTY = new Snapshot(0, 0, 0, 0, 0, 0, 0, 0, 0, null, 0);
    }

    private int lastBatchRows;
    private long lastForwardNanos; // engine thread: how long the last forward pass took
    // engine thread: the passes' logit arrays, written again by each pass; sessions read them in accept only
    private final LogitBuffers keptLogits = new LogitBuffers();
    private long steps;
    private long completed;
    private long failed;
    private long sharedPrefixTokens;
    private long faults;
    private Throwable lastError;

    public Scheduler(GroupThinkModel model, SchedulerOptions options, EngineListener listener) {
        this.model = model;
        this.options = options;
        this.planner = new Planner(options);
        this.listener = listener == null ? NO_LISTENER : listener;
        int n = ENGINES.incrementAndGet();
        this.events = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                r -> {
                    Thread t = new Thread(r, "groupthink-events-" + n);
                    t.setDaemon(true);
                    return t;
                });
        this.engineEvents = new Outbox(events, options.eventBuffer(),
                t -> log.warn("engine listener failed; no session is affected", t));
        model.attach(this);
        try {
            this.cache = model.newKvCache(options.kvTokens());
        } catch (RuntimeException | Error e) {
            model.detach(this);
            events.shutdown();
            throw e;
        }
        this.thread = new Thread(this::loop, "groupthink-engine-" + n);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /**
     * Queues a session. Throws {@link EngineBusyException} when the queue is full,
     * {@link EngineClosedException} when shutting down, and IllegalArgumentException when the
     * session can never fit the KV budget.
     */
    public SessionHandle submit(GroupThinkSession session) {
        return submitAll(List.of(session)).get(0);
    }

    /** Queues sessions together, so they are admitted in one step when they fit: one batch. */
    public List<SessionHandle> submitAll(List<GroupThinkSession> sessions) {
        return enqueue(sessions, false);
    }

    /**
     * Queues sessions ahead of every waiting one: the next step of work the engine already took
     * (a session's next round), which must not lose its place to later arrivals.
     */
    public List<SessionHandle> submitNext(List<GroupThinkSession> sessions) {
        return enqueue(sessions, true);
    }

    private List<SessionHandle> enqueue(List<GroupThinkSession> sessions, boolean ahead) {
        for (GroupThinkSession s : sessions) {
            if (s.maxTokens() > options.kvTokens()) {
                rejected.incrementAndGet();
                IllegalArgumentException tooLarge = new IllegalArgumentException("session needs up to "
                        + s.maxTokens() + " KV tokens but the engine's KV budget is " + options.kvTokens()
                        + " tokens; lower thinkers or max tokens, or raise the budget");
                guarded(() -> listener.onRejected(s, tooLarge));
                throw tooLarge;
            }
            if (s.status() != SessionStatus.WAITING) {
                throw new IllegalStateException("session " + s.id() + " is " + s.status() + "; submit a new one");
            }
        }
        List<SessionHandle> handles = new ArrayList<>();
        lock.lock();
        try {
            if (!accepting || closing) {
                throw new EngineClosedException("engine is shutting down");
            }
            long demand = reservedLocked();
            for (GroupThinkSession s : sessions) {
                demand += s.maxTokens();
            }
            if (demand > options.kvTokens() && queue.size() + sessions.size() > options.maxQueue()) {
                rejected.incrementAndGet();
                EngineBusyException busy = new EngineBusyException("engine busy: " + queue.size()
                        + " sessions already waiting for KV memory (queue limit " + options.maxQueue() + ")");
                sessions.forEach(s -> guarded(() -> listener.onRejected(s, busy)));
                throw busy;
            }
            long now = System.nanoTime();
            for (GroupThinkSession s : sessions) {
                SessionHandle[] self = new SessionHandle[1];
                Outbox outbox = new Outbox(events, options.eventBuffer(), t -> {
                    self[0].session().requestFailure(t);
                    wake();
                });
                SessionHandle h = new SessionHandle(s, this, outbox, now, now + options.queueTimeout().toNanos());
                self[0] = h;
                handles.add(h);
                submitted.incrementAndGet();
            }
            for (int i = handles.size() - 1; i >= 0 && ahead; i--) {
                queue.addFirst(handles.get(i));
            }
            if (!ahead) {
                queue.addAll(handles);
            }
            signals++;
            work.signalAll();
        } finally {
            lock.unlock();
        }
        return handles;
    }

    /** Reserved KV plus queued demand, as last published (submit's view of the engine). */
    private long reservedLocked() {
        long demand = snapshot.reserved();
        for (SessionHandle h : queue) {
            demand += h.session().maxTokens();
        }
        return demand;
    }

    void wake() {
        lock.lock();
        try {
            signals++;
            work.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void loop() {
        while (true) {
            try {
                if (!step()) {
                    break;
                }
            } catch (InterruptedException e) {
                break;
            } catch (Throwable t) {
                if (!fault(t)) {
                    break;
                }
            }
        }
        shutdownSessions(new EngineClosedException("engine is shutting down"));
    }

    /** Plans and runs one step; waits when there is nothing to do. False once closing. */
    private boolean step() throws InterruptedException {
        List<SessionHandle> waiting;
        long seen;
        lock.lock();
        try {
            if (closing) {
                return false;
            }
            // draining: sessions accepted before it, queued or running, go on until the drain time ends
            waiting = new ArrayList<>(queue);
            seen = signals;
        } finally {
            lock.unlock();
        }
        Runnable inject = faultInjector;
        if (inject != null) {
            inject.run();
        }
        awaitHooks();
        for (SessionHandle h : active) { // hooks that returned since the last step: their picks join the session
            GroupThinkSession s = h.session();
            if (s.choicesReady()) {
                s.takeChoices();
                deliver(h, s.takeEvents());
            }
        }
        List<SessionView> waitingViews = new ArrayList<>(waiting.size());
        for (SessionHandle h : waiting) {
            waitingViews.add(view(h));
        }
        List<SessionView> runningViews = new ArrayList<>(active.size());
        for (SessionHandle h : active) {
            runningViews.add(view(h));
        }
        long now = System.nanoTime();
        StepPlan plan = planner.plan(waitingViews, runningViews, now);
        if (plan.isEmpty()) {
            publish();
            flush();
            awaitWork(waiting, now, seen);
            return true;
        }
        apply(plan, waiting);
        publish();
        flush();
        return true;
    }

    /** The longest wait for hooks before a step. */
    static final long MAX_HOOK_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    /**
     * Waits for the StepHooks still running, at most a quarter of the last forward pass (and
     * {@link #MAX_HOOK_WAIT_NANOS}): a hook runs on a pool thread while its session sits out, and a
     * step planned at once would leave a quick hook's session out of it too, so beside other
     * sessions a hooked one ran every other step. A slow hook costs the others that wait at most.
     */
    private void awaitHooks() throws InterruptedException {
        if (!hooksRunning()) {
            return;
        }
        long deadline = System.nanoTime() + Math.min(MAX_HOOK_WAIT_NANOS, lastForwardNanos / 4);
        lock.lock();
        try {
            for (long left = deadline - System.nanoTime(); left > 0 && !closing && hooksRunning();
                    left = deadline - System.nanoTime()) {
                work.awaitNanos(left); // wake() signals when a hook returns
            }
        } finally {
            lock.unlock();
        }
    }

    private boolean hooksRunning() {
        for (SessionHandle h : active) {
            GroupThinkSession s = h.session();
            if (s.status() == SessionStatus.CHOOSING && !s.choicesReady()) {
                return true;
            }
        }
        return false;
    }

    private SessionView view(SessionHandle h) {
        GroupThinkSession s = h.session();
        return new SessionView(s.id(), s.status(), s.maxTokens(), h.kvGranted, s.plan().shared(), s.sharedStored(),
                s.promptTail(), s.lanesAlive(), s.isCancelled(), s.requestedFailure() != null, h.deadlineNanos);
    }

    private void awaitWork(List<SessionHandle> waiting, long now, long seen) throws InterruptedException {
        long wait = active.isEmpty() ? TimeUnit.SECONDS.toNanos(1) : TimeUnit.MILLISECONDS.toNanos(5);
        for (SessionHandle h : waiting) {
            wait = Math.min(wait, Math.max(1, h.deadlineNanos - now));
        }
        lock.lock();
        try {
            idle.signalAll();
            if (!closing && signals == seen) { // nothing arrived or was cancelled since the plan
                work.awaitNanos(wait);
            }
        } finally {
            lock.unlock();
        }
    }

    private void apply(StepPlan plan, List<SessionHandle> waiting) {
        Map<Long, SessionHandle> byId = new HashMap<>();
        waiting.forEach(h -> byId.put(h.id(), h));
        active.forEach(h -> byId.put(h.id(), h));
        Set<Long> leaving = new HashSet<>(plan.dropped());
        leaving.addAll(plan.expired());
        plan.admitted().forEach(a -> leaving.add(a.session()));
        lock.lock();
        try {
            queue.removeIf(h -> leaving.contains(h.id()));
        } finally {
            lock.unlock();
        }

        for (long id : plan.dropped()) {
            SessionHandle h = byId.get(id);
            Throwable fault = h.session().requestedFailure();
            Throwable why = fault != null ? fault
                    : new CancellationException("session " + id + " cancelled while queued");
            h.session().fail(why);
            end(h, null, why);
        }
        for (long id : plan.expired()) {
            SessionHandle h = byId.get(id);
            rejected.incrementAndGet();
            EngineBusyException busy = new EngineBusyException("engine busy: session waited "
                    + options.queueTimeout().toMillis() + " ms for KV memory and was rejected");
            h.session().fail(busy);
            later(() -> h.outbox.postFinal(() -> h.future().completeExceptionally(busy)));
            later(() -> h.outbox.postFinal(() -> guarded(() -> listener.onRejected(h.session(), busy))));
        }
        for (long id : plan.cancelled()) {
            byId.get(id).session().stopCancelled();
        }
        Set<Long> gone = new HashSet<>(plan.retired());
        gone.addAll(plan.preempted());
        if (!gone.isEmpty()) {
            active.removeIf(h -> gone.contains(h.id()));
            Set<Long> live = new HashSet<>();
            active.forEach(h -> live.add(h.id()));
            cache.retain(live::contains);
            for (long id : plan.retired()) {
                retire(byId.get(id));
            }
        }
        if (!plan.preempted().isEmpty()) {
            lock.lock();
            try {
                for (int i = plan.preempted().size() - 1; i >= 0; i--) {
                    SessionHandle h = byId.get(plan.preempted().get(i));
                    h.session().preempt();
                    h.kvGranted = 0;
                    h.deadlineNanos = System.nanoTime() + options.queueTimeout().toNanos();
                    queue.addFirst(h);
                }
            } finally {
                lock.unlock();
            }
        }
        for (StepPlan.Admission a : plan.admitted()) {
            SessionHandle h = byId.get(a.session());
            GroupThinkSession s = h.session();
            if (a.borrowed() > 0) {
                int[] slots = cache.promptSlots(a.donor(), a.borrowed());
                if (slots.length == a.borrowed()) {
                    cache.lend(s.id(), slots);
                    s.borrowPrompt(a.borrowed());
                    sharedPrefixTokens += a.borrowed();
                }
            }
            s.admit();
            h.kvGranted = s.maxTokens();
            active.add(h);
            double queued = (System.nanoTime() - h.enqueuedNanos) / 1e6;
            later(() -> h.outbox.postFinal(() -> guarded(() -> listener.onAdmitted(s, queued))));
        }
        if (plan.runsForward()) {
            forward(plan, byId);
        }
    }

    private void forward(StepPlan plan, Map<Long, SessionHandle> byId) {
        Batch batch = new Batch();
        List<SessionHandle> inBatch = new ArrayList<>();
        for (StepPlan.Chunk c : plan.prefill()) {
            SessionHandle h = byId.get(c.session());
            h.session().placePrompt(batch, c.sharedTokens(), c.last());
            inBatch.add(h);
        }
        for (long id : plan.decode()) {
            SessionHandle h = byId.get(id);
            h.session().placeDecode(batch);
            inBatch.add(h);
        }
        if (batch.isEmpty()) {
            return;
        }
        long t0 = System.nanoTime();
        int[] argmax = new int[batch.size()];
        float[][] logits = model.transformer().forward(batch, cache, argmax, keptLogits);
        lastForwardNanos = System.nanoTime() - t0;
        double ms = lastForwardNanos / 1e6;
        steps++;
        lastBatchRows = batch.size();
        recovering = false;
        int rows = batch.size();
        int sessions = inBatch.size();
        if (listener != NO_LISTENER) {
            later(() -> engineEvents.post(() -> listener.onStep(rows, sessions, ms))); // dropped if far behind
        }
        for (SessionHandle h : inBatch) {
            GroupThinkSession s = h.session();
            s.accept(logits, argmax, ms);
            deliver(h, s.takeEvents());
            if (s.status() == SessionStatus.CHOOSING) { // its StepHook is user code: it runs on a pool thread
                later(() -> events.execute(() -> {
                    s.choose();
                    wake();
                }));
            }
        }
    }

    /** Posts a step's listener events; a consumer too far behind cancels its session. */
    private void deliver(SessionHandle h, List<GroupThinkSession.Event> out) {
        if (!out.isEmpty() && h.session().listener() != SessionListener.NONE) { // no hand-off when nobody listens
            later(() -> post(h, out));
        }
    }

    private void post(SessionHandle h, List<GroupThinkSession.Event> out) {
        SessionListener l = h.session().listener();
        for (GroupThinkSession.Event e : out) {
            Runnable call = e instanceof GroupThinkSession.Token t ? () -> l.onToken(t.event())
                    : () -> {
                        GroupThinkSession.LaneFinished f = (GroupThinkSession.LaneFinished) e;
                        l.onLaneFinished(h.id(), f.lane(), f.reason());
                    };
            if (!h.outbox.post(call)) {
                h.session().requestFailure(new SlowConsumerException("session " + h.id() + " cancelled: its listener"
                        + " fell " + options.eventBuffer() + " events behind the engine (event buffer)"));
                return;
            }
        }
    }

    /** Ends a session that left the batch with its outcome: a failure raised for it wins over its result. */
    private void retire(SessionHandle h) {
        GroupThinkSession s = h.session();
        Throwable raised = s.requestedFailure();
        if (raised instanceof SlowConsumerException) {
            s.stopCancelled();
            end(h, null, raised);
        } else if (raised != null) {
            s.fail(raised);
            end(h, null, raised);
        } else if (s.status() == SessionStatus.FAILED) {
            end(h, null, s.error());
        } else {
            end(h, s.result(cache.bytesPerToken()), null);
        }
    }

    /** The session's outcome, off the engine thread: the future first, then its listener, then the engine's. */
    private void end(SessionHandle h, GroupThinkResult result, Throwable error) {
        GroupThinkSession s = h.session();
        if (error instanceof SlowConsumerException) {
            s.takeEvents();
            later(h.outbox::discard); // its outcome need not wait behind events it will never take
        } else {
            deliver(h, s.takeEvents());
        }
        if (error == null) {
            completed++;
            later(() -> {
                h.outbox.postFinal(() -> h.future().complete(result));
                h.outbox.postFinal(() -> s.listener().onComplete(result));
                h.outbox.postFinal(() -> guarded(() -> listener.onCompleted(s, result)));
            });
        } else {
            if (!(error instanceof CancellationException)) {
                failed++;
                if (!(error instanceof EngineClosedException || error instanceof EngineFaultException)) {
                    lastError = error; // for health's detail; a session's failure leaves health UP
                }
            }
            later(() -> {
                h.outbox.postFinal(() -> h.future().completeExceptionally(error));
                h.outbox.postFinal(() -> s.listener().onError(s.id(), error));
                h.outbox.postFinal(() -> guarded(() -> listener.onFailed(s, error)));
            });
        }
    }

    /** Queues a post until the step's stats are published, so a caller woken by it sees them. */
    private void later(Runnable post) {
        outgoing.add(post);
    }

    private void flush() {
        for (Runnable post : outgoing) {
            post.run();
        }
        outgoing.clear();
    }

    /**
     * The loop met a fault: every session held or queued ends with it at once, the cache is
     * emptied, health is DOWN for a moment, and the loop goes on unless the fault is fatal.
     */
    private boolean fault(Throwable t) {
        lastError = t;
        faults++;
        recovering = true;
        log.error("engine fault; failing {} running and queued session(s)", active.size() + queue.size(), t);
        boolean fatal = t instanceof VirtualMachineError;
        EngineFaultException cause = new EngineFaultException("engine fault" + (fatal ? " (the engine stopped)" : "")
                + ": " + t, t);
        shutdownSessions(cause);
        publish();
        if (fatal) {
            accepting = false;
            return false;
        }
        try {
            Thread.sleep(TimeUnit.NANOSECONDS.toMillis(RESTART_NANOS));
        } catch (InterruptedException e) {
            return false;
        }
        recovering = false;
        publish();
        return true;
    }

    private void failQueuedLocked(Throwable cause) {
        for (SessionHandle h : queue) {
            h.session().fail(cause);
            end(h, null, cause);
        }
        queue.clear();
    }

    private void shutdownSessions(Throwable cause) {
        lock.lock();
        try {
            failQueuedLocked(cause);
        } finally {
            lock.unlock();
        }
        for (SessionHandle h : active) {
            SessionStatus status = h.session().status();
            if (status == SessionStatus.FINISHED || status == SessionStatus.CANCELLED) {
                retire(h); // it ended before the engine did
            } else {
                h.session().fail(cause);
                end(h, null, cause);
            }
        }
        active.clear();
        cache.clear();
        publish();
        flush();
        lock.lock();
        try {
            idle.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void publish() {
        long reserved = 0;
        for (SessionHandle h : active) {
            reserved += h.kvGranted;
        }
        snapshot = new Snapshot(active.size(), lastBatchRows, cache.length(), cache.bytesUsed(), reserved, steps,
                completed, failed, sharedPrefixTokens, lastError, faults);
    }

    /** A consistent snapshot for metrics and health: the engine's figures as of its last step. */
    public EngineStats stats() {
        int waiting;
        lock.lock();
        try {
            waiting = queue.size();
        } finally {
            lock.unlock();
        }
        Snapshot s = snapshot;
        return new EngineStats(waiting, s.active(), s.lastBatchRows(), s.kvTokensInUse(), s.kvBytesInUse(),
                s.reserved(), options.kvTokens(), options.kvTokens() * cache.bytesPerToken(), s.steps(),
                submitted.get(), s.completed(), rejected.get(), s.failed(), s.sharedPrefixTokens(),
                thread.isAlive() && accepting && !closing && !recovering, s.lastError(), s.faults());
    }

    public SchedulerOptions options() {
        return options;
    }

    /** Whether new sessions are taken: false once a drain or close began. */
    public boolean accepting() {
        return accepting && !closing && thread.isAlive();
    }

    /** Tests: runs on the engine thread at the start of every step (null: none). */
    void injectFault(Runnable r) {
        faultInjector = r;
    }

    /**
     * Drains, then closes: new sessions are refused; those already accepted, running or queued for
     * KV memory, get up to {@code drainTime} to finish (a queued one is a request a client already
     * made: a load balancer cannot retry it elsewhere once it has been accepted); the rest then
     * fail with "engine is shutting down". Returns whether every accepted session finished in time.
     */
    public boolean shutdown(Duration drainTime) {
        long deadline = System.nanoTime() + drainTime.toNanos();
        boolean drained;
        lock.lock();
        try {
            accepting = false;
            work.signalAll();
            while (true) {
                if (!thread.isAlive() || (queue.isEmpty() && snapshot.active() == 0)) {
                    drained = true;
                    break;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    drained = false;
                    break;
                }
                idle.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(20)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            drained = false;
        } finally {
            lock.unlock();
        }
        close();
        return drained;
    }

    /** Fails queued and running sessions with "shutting down", stops the thread, frees the cache. Idempotent. */
    @Override
    public void close() {
        lock.lock();
        try {
            accepting = false;
            closing = true;
            work.signalAll();
        } finally {
            lock.unlock();
        }
        if (Thread.currentThread() != thread) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (!thread.isAlive()) {
            synchronized (this) {
                if (!cacheClosed) {
                    cacheClosed = true;
                    cache.close();
                    events.shutdown();
                    model.detach(this);
                }
            }
        }
    }

    private boolean cacheClosed;

    /** An engine listener's call: observability, so a failure is logged and never touches a session. */
    private static void guarded(Runnable r) {
        try {
            r.run();
        } catch (Throwable t) {
            log.warn("engine listener failed", t);
        }
    }
}
