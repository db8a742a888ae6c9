package io.groupthink.spring.session;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.groupthink.FinishReason;
import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.groupthink.GroupThinkSession;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.groupthink.PromptPlan;
import io.groupthink.engine.groupthink.RoundListener;
import io.groupthink.engine.groupthink.RoundOptions;
import io.groupthink.engine.groupthink.RoundSession;
import io.groupthink.engine.groupthink.RoundsResult;
import io.groupthink.engine.groupthink.SessionListener;
import io.groupthink.engine.groupthink.StepHook;
import io.groupthink.engine.groupthink.ThinkerEvent;
import io.groupthink.engine.model.ChatTemplate;
import io.groupthink.engine.model.ModelConfig;
import io.groupthink.engine.scheduler.EngineBusyException;
import io.groupthink.engine.scheduler.EngineClosedException;
import io.groupthink.engine.scheduler.Scheduler;
import io.groupthink.engine.scheduler.SessionHandle;
import io.groupthink.spring.client.GroupThinkBusyException;
import io.groupthink.spring.client.GroupThinkException;
import io.groupthink.spring.client.GroupThinkTimeoutException;
import io.groupthink.spring.client.GroupThinkUnavailableException;
import io.groupthink.spring.client.ModelInfo;
import io.groupthink.spring.client.PromptTooLongException;
import io.groupthink.spring.client.RoundEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The one path from Spring to the engine: every surface (GroupThinkChatClient, the Spring AI
 * ChatModel, annotated agents) builds its sessions here, so each passes the same limits, the same
 * {@link SessionGuard} (bulkhead, time limit, circuit breaker) and shows up in the same metrics and
 * actuator endpoint. Sessions only ever run on the scheduler's engine thread.
 */
public class GroupThinkSessions {

    private final GroupThinkModel model;
    private final Scheduler scheduler;
    private final SessionRegistry registry;
    private final SessionDefaults defaults;
    private final SessionGuard guard;
    private final ModelInfo modelInfo;
    private final List<RoundListener> roundObservers = new CopyOnWriteArrayList<>();

    public GroupThinkSessions(GroupThinkModel model, Scheduler scheduler, SessionRegistry registry,
            SessionDefaults defaults, SessionGuard guard) {
        this.model = model;
        this.scheduler = scheduler;
        this.registry = registry;
        this.defaults = defaults == null ? SessionDefaults.DEFAULT : defaults;
        this.guard = guard == null ? SessionGuard.NONE : guard;
        ModelConfig c = model.config();
        Path dir = model.dir();
        this.modelInfo = new ModelInfo(dir.getFileName() == null ? dir.toString() : dir.getFileName().toString(),
                c.modelType(), c.numLayers(), c.maxPositions(), model.chatTemplate().present());
    }

    /** The sessions running now, for the actuator endpoint. */
    public SessionRegistry registry() {
        return registry;
    }

    /** What a call gets when it does not say otherwise. */
    public SessionDefaults defaults() {
        return defaults;
    }

    /** The loaded model, described. */
    public ModelInfo modelInfo() {
        return modelInfo;
    }

    /** The engine request for {@code question}: {@code options} over the defaults. */
    public GroupThinkRequest request(String question, RequestOptions options) {
        return defaults.request(question, options);
    }

    /** Runs a Group Think session and waits for it. */
    public GroupThinkResult call(GroupThinkRequest request, StepHook hook, String surface) {
        checkLimits(request, request.question().length());
        return await(start(request, request.question(), surface,
                listener -> model.newSession(request, listener, hook), null));
    }

    /**
     * Runs a session in rounds (InftyThink) and waits for it: memory stays within one round's
     * bound however long it reasons. It takes one seat of the guard for all its rounds, is one
     * entry of the registry (cancellable there) and is timed as one call. {@code options} null:
     * {@code groupthink.rounds.*}; {@code listener} hears it off the engine thread.
     */
    public RoundsResult callInRounds(GroupThinkRequest request, RoundOptions options, RoundListener listener,
            RoundSession.Hooks hooks, String surface) {
        checkLimits(request, request.question().length());
        return await(startInRounds(request, options, listener, hooks, surface, null));
    }

    /** Runs a session in rounds, emitting each round's start, tokens, summary and end, and its result last. */
    public Flux<RoundEvent> streamInRounds(GroupThinkRequest request, RoundOptions options, RoundSession.Hooks hooks,
            String surface) {
        return Flux.defer(() -> {
            checkLimits(request, request.question().length());
            Emitter<RoundEvent> sink = new Emitter<>();
            return streamOf(startInRounds(request, options, null, hooks, surface, sink), sink, RoundEvent.Completed::new);
        });
    }

    /** Hears every session in rounds (the meters), beside the caller's listener. */
    public void observeRounds(RoundListener observer) {
        roundObservers.add(observer);
    }

    /** Runs a Group Think session, emitting its tokens as they come and its result last. */
    public Flux<GroupThinkEvent> stream(GroupThinkRequest request, StepHook hook, String surface) {
        return Flux.defer(() -> {
            checkLimits(request, request.question().length());
            return streamPlain(request, request.question(), surface, listener -> model.newSession(request, listener, hook));
        });
    }

    /**
     * One lane over a conversation rendered by the model's chat template: plain chat, the
     * ChatModel's N = 1 path. Only {@code maxTokens}, {@code sampling} and {@code stopStrings} of
     * {@code options} apply.
     */
    public GroupThinkResult chat(List<ChatTemplate.Message> messages, GroupThinkRequest options, StepHook hook,
            String surface) {
        String preview = preview(messages);
        checkLimits(options, chars(messages));
        return await(start(options, preview, surface, listener -> plainSession(messages, options, listener, hook),
                null));
    }

    /** Streaming variant of {@link #chat}. */
    public Flux<GroupThinkEvent> streamChat(List<ChatTemplate.Message> messages, GroupThinkRequest options,
            StepHook hook, String surface) {
        return Flux.defer(() -> {
            checkLimits(options, chars(messages));
            return streamPlain(options, preview(messages), surface,
                    listener -> plainSession(messages, options, listener, hook));
        });
    }

    /** Cancels a session in flight (from the actuator endpoint); false if it is not running. */
    public boolean cancel(long id) {
        return registry.get(id).map(s -> {
            s.cancel();
            return true;
        }).orElse(false);
    }

    private GroupThinkSession plainSession(List<ChatTemplate.Message> messages, GroupThinkRequest options,
            SessionListener listener, StepHook hook) {
        ChatTemplate template = model.chatTemplate();
        String text = template.render(messages, true, options.chatVariables());
        int[] ids = model.tokenizer().encode(text, !template.rendersBos());
        GroupThinkRequest plain = GroupThinkRequest.builder("<chat>").thinkers(1).mode(Mode.COT)
                .maxTokens(options.maxTokens()).minTokens(options.minTokens()).sampling(options.sampling())
                .stopStrings(options.stopStrings()).build();
        return model.newSession(plain, PromptPlan.plain(ids), listener, hook);
    }

    /** Bounds checked before anything is tokenized; messages name the property to change. */
    void checkLimits(GroupThinkRequest request, int promptChars) {
        SessionDefaults.Limits limits = defaults.limits();
        if (promptChars > limits.maxPromptChars()) {
            throw new PromptTooLongException("prompt is " + promptChars + " characters; the limit is "
                    + limits.maxPromptChars() + " (groupthink.limits.max-prompt-chars)");
        }
        if (request.thinkers() > limits.maxThinkers()) {
            throw new IllegalArgumentException("thinkers must be at most " + limits.maxThinkers()
                    + " (groupthink.limits.max-thinkers), got " + request.thinkers());
        }
        if (request.maxTokens() > limits.maxTokensPerThinker()) {
            throw new IllegalArgumentException("max tokens per thinker must be at most "
                    + limits.maxTokensPerThinker() + " (groupthink.limits.max-tokens-per-thinker), got "
                    + request.maxTokens());
        }
        if (request.synthesize() && request.synthesisTokens() > limits.maxTokensPerThinker()) {
            throw new IllegalArgumentException("synthesis tokens must be at most "
                    + limits.maxTokensPerThinker() + " (groupthink.limits.max-tokens-per-thinker), got "
                    + request.synthesisTokens());
        }
    }

    /**
     * A submitted session (or session in rounds) with its seat: what the caller awaits, how to
     * cancel it, and whether its outcome has been told to the guard.
     */
    static final class Run<T> {
        final SessionGuard.Permit permit;
        final long startNanos = System.nanoTime();
        final AtomicBoolean outcomeReported = new AtomicBoolean();
        long id;
        CompletableFuture<T> result;
        Runnable cancel;

        Run(SessionGuard.Permit permit) {
            this.permit = permit;
        }

        void succeeded() {
            if (outcomeReported.compareAndSet(false, true)) {
                permit.succeeded(System.nanoTime() - startNanos);
            }
        }

        void failed(Throwable error) {
            if (outcomeReported.compareAndSet(false, true)) {
                permit.failed(error, System.nanoTime() - startNanos);
            }
        }

        void ignored() {
            if (outcomeReported.compareAndSet(false, true)) {
                permit.ignored();
            }
        }

        /** It never ran (refused before or at submission): the seat goes back at once. */
        void refused() {
            ignored();
            permit.release();
        }
    }

    /**
     * Takes a seat, builds the session (validation happens here, before any memory is used),
     * registers it and submits it. Every failure path gives the seat back.
     */
    private Run<GroupThinkResult> start(GroupThinkRequest request, String question, String surface,
            Function<SessionListener, GroupThinkSession> factory, Emitter<GroupThinkEvent> sink) {
        Run<GroupThinkResult> run = new Run<>(guard.enter());
        GroupThinkSession session;
        ProgressListener listener = new ProgressListener(request, sink);
        try {
            session = factory.apply(listener);
        } catch (RuntimeException e) {
            run.refused();
            throw e;
        }
        LiveSession live = new LiveSession(session.id(), surface, question, session.request(),
                session.request().thinkers() + (session.request().synthesize() ? 1 : 0));
        listener.live = live;
        registry.add(live);
        SessionHandle handle;
        try {
            handle = scheduler.submit(session);
        } catch (RuntimeException e) {
            run.refused(); // the seat first, as in bind
            registry.remove(session.id());
            if (e instanceof EngineBusyException) {
                throw new GroupThinkBusyException(e.getMessage()
                        + "; raise groupthink.engine.max-queue or groupthink.engine.kv-tokens, or retry later", e);
            }
            if (e instanceof EngineClosedException) {
                throw new GroupThinkUnavailableException("Group Think is shutting down; session " + session.id()
                        + " was not run", e);
            }
            throw e;
        }
        bind(run, live, handle.result(), handle::cancel);
        return run;
    }

    /**
     * Takes one seat for every round, builds the session in rounds (its options are checked
     * here), registers it under an id of its own and queues round 1. Each round's engine sessions
     * are the round session's business; the registry shows their progress under the one id.
     */
    private Run<RoundsResult> startInRounds(GroupThinkRequest request, RoundOptions options, RoundListener listener,
            RoundSession.Hooks hooks, String surface, Emitter<RoundEvent> sink) {
        RoundOptions o = options != null ? options : defaults.rounds();
        Run<RoundsResult> run = new Run<>(guard.enter());
        LiveSession live = new LiveSession(GroupThinkSession.newId(), surface, request.question(), request,
                request.thinkers() + (request.synthesize() ? 1 : 0), o.rounds(), o.segmentTokens());
        List<RoundListener> hear = new ArrayList<>();
        hear.add(new RoundProgress(live, request, o, sink));
        hear.addAll(roundObservers);
        if (listener != null) {
            hear.add(listener);
        }
        RoundSession session;
        try {
            session = new RoundSession(model, request, o, new CompositeRoundListener(hear), hooks);
        } catch (RuntimeException e) {
            run.refused();
            throw e;
        }
        registry.add(live);
        bind(run, live, session.result(), session::cancel);
        session.start(); // a refusal (engine busy or closed) completes the result, which frees the seat
        return run;
    }

    /** The seat and the registry entry are held until the engine is done, however the caller ends. */
    private <T> void bind(Run<T> run, LiveSession live, CompletableFuture<T> result, Runnable cancel) {
        run.id = live.id();
        run.result = result;
        run.cancel = cancel;
        live.bind(cancel);
        result.whenComplete((r, e) -> {
            // the seat first: once a session has left the registry, its seat is free (an observer that
            // saw an empty registry could otherwise still find a seat taken)
            run.permit.release();
            registry.remove(live.id());
        });
    }

    private <T> T await(Run<T> run) {
        Duration limit = run.permit.timeLimit();
        try {
            T result = limit == null ? run.result.get()
                    : run.result.get(Math.max(0, limit.toNanos() - (System.nanoTime() - run.startNanos)),
                            TimeUnit.NANOSECONDS);
            run.succeeded();
            return result;
        } catch (TimeoutException e) {
            // A time limit alone would only abandon the wait; cancelling frees the engine's seat and KV.
            run.cancel.run();
            GroupThinkTimeoutException timeout = new GroupThinkTimeoutException(run.id, limit, e);
            run.failed(timeout);
            throw timeout;
        } catch (InterruptedException e) {
            run.cancel.run();
            run.ignored();
            Thread.currentThread().interrupt();
            throw new GroupThinkException("interrupted while waiting for Group Think session " + run.id
                    + "; the session was cancelled", e);
        } catch (ExecutionException e) {
            RuntimeException translated = translate(e.getCause(), run.id);
            report(run, translated);
            throw translated;
        }
    }

    private Flux<GroupThinkEvent> streamPlain(GroupThinkRequest request, String question, String surface,
            Function<SessionListener, GroupThinkSession> factory) {
        Emitter<GroupThinkEvent> sink = new Emitter<>();
        return streamOf(start(request, question, surface, factory, sink), sink, GroupThinkEvent.Completed::new);
    }

    /** The sink's events, then {@code completed} of the result; one deadline; a cancelled subscription cancels the run. */
    private <T, E> Flux<E> streamOf(Run<T> run, Emitter<E> sink, Function<T, E> completed) {
        run.result.whenComplete((result, error) -> {
            if (error == null) {
                sink.next(completed.apply(result));
                sink.complete();
            } else {
                sink.error(translate(error, run.id));
            }
        });
        Flux<E> flux = sink.asFlux();
        Duration limit = run.permit.timeLimit();
        if (limit != null) {
            // One deadline for the whole stream, queueing included: each item's timeout is the
            // time left (Flux.timeout(Duration) alone would time the gaps between items).
            long deadline = run.startNanos + limit.toNanos();
            flux = flux.timeout(Mono.delay(limit),
                    item -> Mono.delay(Duration.ofNanos(Math.max(0, deadline - System.nanoTime()))))
                    .onErrorMap(TimeoutException.class, e -> {
                        run.cancel.run();
                        return new GroupThinkTimeoutException(run.id, limit, e);
                    });
        }
        return flux
                .doOnComplete(run::succeeded) // completion comes only after the result's event
                .doOnError(error -> report(run, error))
                // A subscriber that goes away (client disconnect, take(n), dispose) ends the engine
                // session: its lanes stop and its KV memory is freed at the next step.
                .doOnCancel(() -> {
                    run.cancel.run();
                    run.ignored();
                })
                .doFinally(signal -> run.cancel.run());
    }

    /**
     * A unicast sink that several listener threads may emit into (a session in rounds with one
     * summary lane per thinker runs them as concurrent engine sessions): emissions are serialised.
     */
    static final class Emitter<E> {
        private final Sinks.Many<E> sink = Sinks.many().unicast().onBackpressureBuffer();

        synchronized void next(E event) {
            sink.tryEmitNext(event);
        }

        synchronized void complete() {
            sink.tryEmitComplete();
        }

        synchronized void error(Throwable error) {
            sink.tryEmitError(error);
        }

        Flux<E> asFlux() {
            return sink.asFlux();
        }
    }

    /**
     * Tells the guard what an error says about the engine: failures and time-outs count against
     * the circuit breaker; bad requests, overload, caller cancellation and shutdown do not.
     */
    private static void report(Run<?> run, Throwable error) {
        boolean closing = error instanceof EngineClosedException || error.getCause() instanceof EngineClosedException;
        boolean notTheEngine = error instanceof GroupThinkBusyException || error instanceof IllegalArgumentException
                || error instanceof CancellationException;
        if (closing || notTheEngine) {
            run.ignored();
        } else {
            run.failed(error);
        }
    }

    /** Engine exceptions in the terms of this module. */
    static RuntimeException translate(Throwable error, long session) {
        Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (e instanceof GroupThinkException ge) {
            return ge;
        }
        if (e instanceof EngineBusyException busy) {
            return new GroupThinkBusyException(busy.getMessage()
                    + "; raise groupthink.engine.kv-tokens or groupthink.engine.queue-timeout, or retry later", busy);
        }
        if (e instanceof EngineClosedException closed) {
            return new GroupThinkUnavailableException("Group Think is shutting down; session " + session
                    + " ended: " + closed.getMessage(), closed);
        }
        if (e instanceof CancellationException c) {
            return c;
        }
        if (e instanceof IllegalArgumentException iae) {
            return iae;
        }
        return new GroupThinkException("Group Think session " + session + " failed: " + e, e);
    }

    private static String preview(List<ChatTemplate.Message> messages) {
        for (int i = messages.size() - 1; i >= 0; i--) {
            if ("user".equals(messages.get(i).role())) {
                return messages.get(i).content();
            }
        }
        return messages.isEmpty() ? "" : messages.get(messages.size() - 1).content();
    }

    private static int chars(List<ChatTemplate.Message> messages) {
        return messages.stream().mapToInt(m -> m.content() == null ? 0 : m.content().length()).sum();
    }

    /** Engine-thread listener: progress for the endpoint, tokens for a stream. Returns at once. */
    private static final class ProgressListener implements SessionListener {

        private final GroupThinkRequest request;
        private final Emitter<GroupThinkEvent> sink;
        volatile LiveSession live;

        ProgressListener(GroupThinkRequest request, Emitter<GroupThinkEvent> sink) {
            this.request = request;
            this.sink = sink;
        }

        @Override
        public void onToken(ThinkerEvent event) {
            LiveSession l = live;
            if (l != null) {
                l.token(event.lane());
            }
            if (sink != null) {
                String role = !event.synthesis() && event.lane() < request.roles().size()
                        ? request.roles().get(event.lane()) : null;
                sink.next(new GroupThinkEvent.Token(event.session(), event.lane(), event.step(), event.text(),
                        event.synthesis(), role));
            }
        }

        @Override
        public void onLaneFinished(long session, int lane, FinishReason reason) {
            LiveSession l = live;
            if (l != null) {
                l.finished(lane, reason);
            }
        }
    }

    /** A session in rounds as the registry and a stream see it. Returns at once. */
    private static final class RoundProgress implements RoundListener {

        private final LiveSession live;
        private final GroupThinkRequest request;
        private final RoundOptions options;
        private final Emitter<RoundEvent> sink;

        RoundProgress(LiveSession live, GroupThinkRequest request, RoundOptions options, Emitter<RoundEvent> sink) {
            this.live = live;
            this.request = request;
            this.options = options;
            this.sink = sink;
        }

        @Override
        public void onRoundStart(int round, String question) {
            live.round(round);
            emit(new RoundEvent.RoundStarted(round, question));
        }

        @Override
        public void onToken(int round, ThinkerEvent event) {
            live.token(event.lane());
            String role = event.lane() < request.roles().size() ? request.roles().get(event.lane()) : null;
            emit(new RoundEvent.Token(round, event.lane() + 1, role, event.step(), event.text()));
        }

        @Override
        public void onSummaryToken(int round, ThinkerEvent event) {
            live.phase("summary");
            emit(new RoundEvent.SummaryToken(round, options.summaryPerThinker() ? event.lane() + 1 : 0, event.step(),
                    event.text()));
        }

        @Override
        public void onSummary(int round, String summary) {
            emit(new RoundEvent.Summary(round, summary));
        }

        @Override
        public void onRoundEnd(RoundsResult.Round round) {
            for (int n = 0; n < round.segments().size(); n++) {
                live.finished(n, round.segments().get(n).finishReason());
            }
            emit(new RoundEvent.RoundEnded(round));
        }

        @Override
        public void onFinalToken(ThinkerEvent event) {
            live.phase("final answer");
            live.token(event.lane());
            emit(new RoundEvent.FinalToken(event.step(), event.text()));
        }

        private void emit(RoundEvent event) {
            if (sink != null) {
                sink.next(event);
            }
        }
    }

    /** Every listener of a session in rounds, in turn; one that throws fails that session only (RoundSession's rule). */
    private record CompositeRoundListener(List<RoundListener> listeners) implements RoundListener {

        @Override
        public void onRoundStart(int round, String question) {
            listeners.forEach(l -> l.onRoundStart(round, question));
        }

        @Override
        public void onToken(int round, ThinkerEvent event) {
            listeners.forEach(l -> l.onToken(round, event));
        }

        @Override
        public void onSummaryToken(int round, ThinkerEvent event) {
            listeners.forEach(l -> l.onSummaryToken(round, event));
        }

        @Override
        public void onSummary(int round, String summary) {
            listeners.forEach(l -> l.onSummary(round, summary));
        }

        @Override
        public void onRoundEnd(RoundsResult.Round round) {
            listeners.forEach(l -> l.onRoundEnd(round));
        }

        @Override
        public void onFinalToken(ThinkerEvent event) {
            listeners.forEach(l -> l.onFinalToken(event));
        }

        @Override
        public void onComplete(RoundsResult result) {
            listeners.forEach(l -> l.onComplete(result));
        }

        @Override
        public void onError(Throwable error) {
            listeners.forEach(l -> l.onError(error));
        }
    }
}
