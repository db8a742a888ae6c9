package io.groupthink.spring.session;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.groupthink.FinishReason;
import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.groupthink.GroupThinkSession;
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
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
     * bound however long it reasons. {@code options} null: {@code groupthink.rounds.*}.
     */
    public RoundsResult callInRounds(GroupThinkRequest request, RoundOptions options, RoundListener listener,
            RoundSession.Hooks hooks) {
        checkLimits(request, request.question().length());
        RoundListener user = listener == null ? RoundListener.NONE : listener;
        RoundsResult result = new RoundSession(model, request, options != null ? options
                : defaults.rounds(), user, hooks).start().await();
        roundObservers.forEach(o -> o.onComplete(result));
        return result;
    }

    /** Hears every session in rounds that completes (the meters). */
    public void observeRounds(RoundListener observer) {
        roundObservers.add(observer);
    }

    /** Runs a Group Think session, emitting its tokens as they come and its result last. */
    public Flux<GroupThinkEvent> stream(GroupThinkRequest request, StepHook hook, String surface) {
        return Flux.defer(() -> {
            checkLimits(request, request.question().length());
            return streamOf(request, request.question(), surface, listener -> model.newSession(request, listener, hook));
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
            return streamOf(options, preview(messages), surface,
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
        return model.newPlainSession(ids, options.maxTokens(), options.sampling(), options.stopStrings(), 0,
                listener, hook);
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

    /** A submitted session with its seat, its registry entry and the stream sink, if any. */
    final class Run {
        final SessionGuard.Permit permit;
        final long startNanos = System.nanoTime();
        final AtomicBoolean outcomeReported = new AtomicBoolean();
        SessionHandle handle;

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
    }

    /**
     * Takes a seat, builds the session (validation happens here, before any memory is used),
     * registers it and submits it. Every failure path gives the seat back.
     */
    private Run start(GroupThinkRequest request, String question, String surface,
            Function<SessionListener, GroupThinkSession> factory, Sinks.Many<GroupThinkEvent> sink) {
        SessionGuard.Permit permit = guard.enter();
        Run run = new Run(permit);
        GroupThinkSession session;
        ProgressListener listener = new ProgressListener(request, sink);
        try {
            session = factory.apply(listener);
        } catch (RuntimeException e) {
            run.ignored();
            permit.release();
            throw e;
        }
        LiveSession live = new LiveSession(session.id(), surface, question, session.request(),
                session.request().thinkers() + (session.request().synthesize() ? 1 : 0));
        listener.live = live;
        registry.add(live);
        SessionHandle handle;
        try {
            handle = scheduler.submit(session);
        } catch (EngineBusyException e) {
            registry.remove(session.id());
            run.ignored();
            permit.release();
            throw new GroupThinkBusyException(e.getMessage()
                    + "; raise groupthink.engine.max-queue or groupthink.engine.kv-tokens, or retry later", e);
        } catch (EngineClosedException e) {
            registry.remove(session.id());
            run.ignored();
            permit.release();
            throw new GroupThinkUnavailableException("Group Think is shutting down; session " + session.id()
                    + " was not run", e);
        } catch (RuntimeException e) {
            registry.remove(session.id());
            run.ignored();
            permit.release();
            throw e;
        }
        run.handle = handle;
        live.bind(handle);
        // The seat is held until the engine is done with the session, however the caller ends.
        handle.result().whenComplete((r, e) -> {
            registry.remove(handle.id());
            permit.release();
        });
        return run;
    }

    private GroupThinkResult await(Run run) {
        SessionHandle handle = run.handle;
        Duration limit = run.permit.timeLimit();
        try {
            GroupThinkResult result = limit == null ? handle.result().get()
                    : handle.result().get(Math.max(0, limit.toNanos() - (System.nanoTime() - run.startNanos)),
                            TimeUnit.NANOSECONDS);
            run.succeeded();
            return result;
        } catch (TimeoutException e) {
            // A time limit alone would only abandon the wait; cancelling frees the engine's seat and KV.
            handle.cancel();
            GroupThinkTimeoutException timeout = new GroupThinkTimeoutException(handle.id(), limit, e);
            run.failed(timeout);
            throw timeout;
        } catch (InterruptedException e) {
            handle.cancel();
            run.ignored();
            Thread.currentThread().interrupt();
            throw new GroupThinkException("interrupted while waiting for Group Think session " + handle.id()
                    + "; the session was cancelled", e);
        } catch (ExecutionException e) {
            RuntimeException translated = translate(e.getCause(), handle.id());
            report(run, translated);
            throw translated;
        }
    }

    private Flux<GroupThinkEvent> streamOf(GroupThinkRequest request, String question, String surface,
            Function<SessionListener, GroupThinkSession> factory) {
        Sinks.Many<GroupThinkEvent> sink = Sinks.many().unicast().onBackpressureBuffer();
        Run run = start(request, question, surface, factory, sink);
        SessionHandle handle = run.handle;
        // Every emission happens on the engine thread (tokens, completion, failure), so the
        // unicast sink never sees concurrent emitters.
        handle.result().whenComplete((result, error) -> {
            if (error == null) {
                sink.tryEmitNext(new GroupThinkEvent.Completed(result));
                sink.tryEmitComplete();
            } else {
                sink.tryEmitError(translate(error, handle.id()));
            }
        });
        Flux<GroupThinkEvent> flux = sink.asFlux();
        Duration limit = run.permit.timeLimit();
        if (limit != null) {
            // One deadline for the whole stream, queueing included: each item's timeout is the
            // time left (Flux.timeout(Duration) alone would time the gaps between items).
            long deadline = run.startNanos + limit.toNanos();
            flux = flux.timeout(Mono.delay(limit),
                    item -> Mono.delay(Duration.ofNanos(Math.max(0, deadline - System.nanoTime()))))
                    .onErrorMap(TimeoutException.class, e -> {
                        handle.cancel();
                        return new GroupThinkTimeoutException(handle.id(), limit, e);
                    });
        }
        return flux
                .doOnNext(event -> {
                    if (event instanceof GroupThinkEvent.Completed) {
                        run.succeeded();
                    }
                })
                .doOnError(error -> report(run, error))
                // A subscriber that goes away (client disconnect, take(n), dispose) ends the engine
                // session: its lanes stop and its KV memory is freed at the next step.
                .doOnCancel(() -> {
                    handle.cancel();
                    run.ignored();
                })
                .doFinally(signal -> handle.cancel());
    }

    /**
     * Tells the guard what an error says about the engine: failures and time-outs count against
     * the circuit breaker; bad requests, overload, caller cancellation and shutdown do not.
     */
    private static void report(Run run, Throwable error) {
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
        private final Sinks.Many<GroupThinkEvent> sink;
        volatile LiveSession live;

        ProgressListener(GroupThinkRequest request, Sinks.Many<GroupThinkEvent> sink) {
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
                sink.tryEmitNext(new GroupThinkEvent.Token(event.session(), event.lane(), event.step(),
                        event.text(), event.synthesis(), role));
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
}
