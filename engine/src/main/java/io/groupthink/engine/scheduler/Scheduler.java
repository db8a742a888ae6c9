package io.groupthink.engine.scheduler;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.groupthink.GroupThinkSession;
import io.groupthink.engine.runtime.Batch;
import io.groupthink.engine.runtime.KvCache;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Continuous batching: one engine thread gathers the live lanes of every active session into one
 * forward pass per step, over one KV cache.
 *
 * <p>Policy, in short:
 * <ul>
 *   <li><b>Admission.</b> A session reserves its worst case of KV slots (prompt, every lane's
 *       budget, synthesis) when admitted, so memory cannot run out mid-generation: a session
 *       that does not fit waits in a bounded FIFO queue, and is rejected with
 *       {@link EngineBusyException} when the queue is full or its wait exceeds the timeout. A
 *       session larger than the whole budget is refused at once.</li>
 *   <li><b>Fairness.</b> Every admitted session advances one token per live lane at every step,
 *       so a long session slows others by its rows in the batch but never blocks them. The queue
 *       is FIFO with no overtaking, so a large session is not starved by small ones.</li>
 *   <li><b>Joining and leaving.</b> New sessions are prefilled in the same pass as the others'
 *       decode rows, at most {@code prefillTokensPerStep} prompt tokens per step across sessions,
 *       handed out in admission order: a longer prompt is prefilled in chunks over several steps,
 *       so an arriving long prompt delays the running sessions' next token by one bounded chunk,
 *       not by its whole prefill. Finished or cancelled sessions leave at the step's end and
 *       their slots are compacted away.</li>
 *   <li><b>Prefix sharing.</b> A newcomer whose shared prompt starts with at least
 *       {@link SchedulerOptions#MIN_SHARED_PREFIX} tokens of a running session's prompt borrows
 *       those slots (the K/V of identical tokens at identical positions are identical) and
 *       prefills only the rest; the slots stay stored while a borrower lives. A newcomer that
 *       would share more with another newcomer of the same step waits one step for it to be
 *       stored. Admission still reserves a borrower's whole worst case, so lending never makes
 *       memory run out.</li>
 *   <li><b>Failure.</b> If a forward pass throws, the sessions of that step fail with the error,
 *       their memory is freed, and the loop goes on.</li>
 * </ul>
 */
public final class Scheduler implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Scheduler.class);

    private final GroupThinkModel model;
    private final SchedulerOptions options;
    private final EngineListener listener;
    private final KvCache cache;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final ArrayDeque<Waiting> queue = new ArrayDeque<>(); // guarded by lock
    private final List<SessionHandle> active = new ArrayList<>(); // engine thread only
    private final Thread thread;
    private volatile boolean closing;
    private volatile int activeCount;
    private volatile int lastBatchRows;
    private volatile long reservedTokens;
    private final AtomicLong sharedPrefixTokens = new AtomicLong();
    private final AtomicLong steps = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong submitted = new AtomicLong();
    private volatile Throwable lastError;

    private record Waiting(SessionHandle handle, long enqueuedNanos, long deadlineNanos) {}

    public Scheduler(GroupThinkModel model, SchedulerOptions options, EngineListener listener) {
        this.model = model;
        this.options = options;
        this.listener = listener == null ? new EngineListener() {} : listener;
        this.cache = model.newKvCache(options.kvTokens());
        this.thread = new Thread(this::loop, "groupthink-engine");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /**
     * Queues a session. Throws {@link EngineBusyException} when the queue is full,
     * {@link EngineClosedException} when shutting down, and IllegalArgumentException when the
     * session can never fit the KV budget.
     */
    public SessionHandle submit(GroupThinkSession session) {
        SessionHandle handle = new SessionHandle(session, this);
        if (session.maxTokens() > options.kvTokens()) {
            rejected.incrementAndGet();
            IllegalArgumentException tooLarge = new IllegalArgumentException("session needs up to "
                    + session.maxTokens() + " KV tokens but the engine's KV budget is " + options.kvTokens()
                    + " tokens; lower thinkers or max tokens, or raise the budget");
            listener.onRejected(session, tooLarge);
            throw tooLarge;
        }
        lock.lock();
        try {
            if (closing) {
                throw new EngineClosedException("engine is shutting down");
            }
            long demand = reservedTokens + session.maxTokens();
            for (Waiting w : queue) {
                demand += w.handle().session().maxTokens();
            }
            if (demand > options.kvTokens() && queue.size() >= options.maxQueue()) {
                rejected.incrementAndGet();
                EngineBusyException busy = new EngineBusyException("engine busy: " + queue.size()
                        + " sessions already waiting for KV memory (queue limit " + options.maxQueue() + ")");
                listener.onRejected(session, busy);
                throw busy;
            }
            long now = System.nanoTime();
            queue.add(new Waiting(handle, now, now + options.queueTimeout().toNanos()));
            submitted.incrementAndGet();
            work.signalAll();
        } finally {
            lock.unlock();
        }
        return handle;
    }

    void wake() {
        lock.lock();
        try {
            work.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void loop() {
        try {
            while (true) {
                List<SessionHandle> admitted = admit();
                if (admitted == null) {
                    break; // closing
                }
                if (active.isEmpty()) {
                    continue;
                }
                step();
            }
        } catch (Throwable t) {
            log.error("engine loop died", t);
            lastError = t;
        } finally {
            shutdownSessions();
        }
    }

    /** A running session's stored prompt slots a newcomer can borrow. */
    private record Donor(int[] slots) {
        static final Donor NONE = new Donor(new int[0]);

        int tokens() {
            return slots.length;
        }
    }

    /** The running session whose stored prompt shares the longest prefix with {@code s}'s, if long enough. */
    private Donor donor(GroupThinkSession s) {
        int[] prompt = s.plan().shared();
        Donor best = Donor.NONE;
        for (SessionHandle h : active) {
            GroupThinkSession d = h.session();
            if (d.isDone()) {
                continue;
            }
            int common = borrowable(prompt, d.plan().shared());
            if (common >= SchedulerOptions.MIN_SHARED_PREFIX && common > best.tokens()) {
                int[] slots = cache.promptSlots(d.id(), common); // fewer if not all stored
                if (slots.length >= SchedulerOptions.MIN_SHARED_PREFIX && slots.length > best.tokens()) {
                    best = new Donor(slots);
                }
            }
        }
        return best;
    }

    private static int sharedWithNewcomers(GroupThinkSession s, List<SessionHandle> admitted) {
        int best = 0;
        for (SessionHandle h : admitted) {
            best = Math.max(best, borrowable(s.plan().shared(), h.session().plan().shared()));
        }
        return best;
    }

    /**
     * Leading tokens of {@code prompt} that {@code other} also starts with, less the last prompt
     * token, which is always computed: its logits may be needed.
     */
    private static int borrowable(int[] prompt, int[] other) {
        int n = Math.min(prompt.length - 1, other.length);
        int i = 0;
        while (i < n && prompt[i] == other[i]) {
            i++;
        }
        return i;
    }

    /** Moves queued sessions into the active set; waits while there is nothing to do. Null when closing. */
    private List<SessionHandle> admit() throws InterruptedException {
        List<SessionHandle> admitted = new ArrayList<>();
        lock.lock();
        try {
            while (true) {
                if (closing) {
                    return null;
                }
                long now = System.nanoTime();
                for (Iterator<Waiting> it = queue.iterator(); it.hasNext(); ) {
                    Waiting w = it.next();
                    if (w.handle().session().isCancelled()) {
                        it.remove();
                        CancellationException cancelled = new CancellationException("session " + w.handle().id()
                                + " cancelled while queued");
                        listener.onFailed(w.handle().session(), cancelled);
                        w.handle().future().completeExceptionally(cancelled);
                    } else if (now > w.deadlineNanos()) {
                        it.remove();
                        rejected.incrementAndGet();
                        EngineBusyException busy = new EngineBusyException("engine busy: session waited "
                                + options.queueTimeout().toMillis() + " ms for KV memory and was rejected");
                        listener.onRejected(w.handle().session(), busy);
                        w.handle().future().completeExceptionally(busy);
                    }
                }
                int prefill = 0;
                while (!queue.isEmpty()) {
                    Waiting w = queue.peek();
                    GroupThinkSession s = w.handle().session();
                    if (reservedTokens + s.maxTokens() > options.kvTokens()) {
                        break; // FIFO: no overtaking
                    }
                    Donor donor = options.prefixSharing() ? donor(s) : Donor.NONE;
                    if (!admitted.isEmpty() && options.prefixSharing()
                            && sharedWithNewcomers(s, admitted) >= Math.max(SchedulerOptions.MIN_SHARED_PREFIX,
                                    donor.tokens() + 1)) {
                        break; // next step it can borrow what a newcomer of this step computes
                    }
                    int toCompute = s.plan().base() - donor.tokens();
                    if (!admitted.isEmpty() && prefill + toCompute > options.prefillTokensPerStep()) {
                        break;
                    }
                    queue.poll();
                    reservedTokens += s.maxTokens();
                    prefill += toCompute;
                    if (donor.tokens() > 0) {
                        cache.lend(s.id(), donor.slots());
                        s.borrowPrompt(donor.tokens());
                        sharedPrefixTokens.addAndGet(donor.tokens());
                    }
                    admitted.add(w.handle());
                    model.maskOperator().register(s.id(), s.rule());
                    listener.onAdmitted(s, (now - w.enqueuedNanos()) / 1e6);
                }
                if (!admitted.isEmpty() || !active.isEmpty()) {
                    break;
                }
                long wait = queue.isEmpty() ? TimeUnit.SECONDS.toNanos(1)
                        : Math.max(1, queue.peek().deadlineNanos() - now);
                work.awaitNanos(wait);
            }
        } finally {
            lock.unlock();
        }
        active.addAll(admitted);
        activeCount = active.size();
        return admitted;
    }

    private void step() {
        Batch batch = new Batch();
        int promptBudget = options.prefillTokensPerStep(); // handed out in admission order
        for (SessionHandle h : active) {
            promptBudget -= h.session().contribute(batch, Math.max(0, promptBudget));
        }
        if (!batch.isEmpty()) {
            try {
                long t0 = System.nanoTime();
                float[][] logits;
                synchronized (model) { // the model's own run() may not interleave with a step
                    logits = model.transformer().forward(batch, cache, model.maskOperator());
                }
                double ms = (System.nanoTime() - t0) / 1e6;
                lastBatchRows = batch.size();
                steps.incrementAndGet();
                listener.onStep(batch.size(), active.size(), ms);
                for (SessionHandle h : active) {
                    h.session().accept(logits, ms);
                }
            } catch (RuntimeException | Error e) {
                lastError = e;
                log.warn("forward pass failed; failing {} session(s) of this step", active.size(), e);
                for (SessionHandle h : active) {
                    h.session().fail(e);
                    failed.incrementAndGet();
                    listener.onFailed(h.session(), e);
                    h.future().completeExceptionally(e);
                }
            }
        }
        retire();
    }

    /** Completes finished sessions and frees their slots. */
    private void retire() {
        boolean any = false;
        Set<Long> live = new HashSet<>();
        for (Iterator<SessionHandle> it = active.iterator(); it.hasNext(); ) {
            SessionHandle h = it.next();
            GroupThinkSession s = h.session();
            if (!s.isDone() && !h.future().isDone()) {
                live.add(s.id());
                continue;
            }
            it.remove();
            any = true;
            model.maskOperator().unregister(s.id());
            lock.lock();
            try {
                reservedTokens -= s.maxTokens();
                work.signalAll();
            } finally {
                lock.unlock();
            }
            if (!h.future().isDone()) {
                GroupThinkResult r = s.result(cache.bytesPerToken());
                completed.incrementAndGet();
                listener.onCompleted(s, r);
                h.future().complete(r);
            }
        }
        if (any) {
            cache.retain(live::contains);
        }
        activeCount = active.size();
    }

    private void shutdownSessions() {
        EngineClosedException closed = new EngineClosedException("engine is shutting down");
        lock.lock();
        try {
            closing = true;
            for (Waiting w : queue) {
                w.handle().future().completeExceptionally(closed);
            }
            queue.clear();
        } finally {
            lock.unlock();
        }
        for (SessionHandle h : active) {
            h.session().fail(closed);
            model.maskOperator().unregister(h.id());
            h.future().completeExceptionally(closed);
        }
        active.clear();
        activeCount = 0;
        reservedTokens = 0;
        cache.clear();
    }

    /** A snapshot for metrics and health. */
    public EngineStats stats() {
        int waiting;
        lock.lock();
        try {
            waiting = queue.size();
        } finally {
            lock.unlock();
        }
        return new EngineStats(waiting, activeCount, lastBatchRows, cache.length(),
                cache.bytesUsed(), reservedTokens, options.kvTokens(),
                options.kvTokens() * cache.bytesPerToken(), steps.get(), submitted.get(), completed.get(),
                rejected.get(), failed.get(), sharedPrefixTokens.get(), thread.isAlive() && !closing, lastError);
    }

    public SchedulerOptions options() {
        return options;
    }

    /** Fails queued and running sessions with "shutting down", stops the thread, frees the cache. Idempotent. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closing && !thread.isAlive()) {
                return;
            }
            closing = true;
            work.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!thread.isAlive()) {
            cache.close();
        }
    }
}
