package io.groupthink.engine;

import ai.djl.ndarray.NDManager;
import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.groupthink.GroupThinkSession;
import io.groupthink.engine.groupthink.MaskOperator;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.groupthink.PromptPlan;
import io.groupthink.engine.groupthink.SessionListener;
import io.groupthink.engine.groupthink.StepHook;
import io.groupthink.engine.model.ChatTemplate;
import io.groupthink.engine.model.GenerationConfig;
import io.groupthink.engine.model.ModelConfig;
import io.groupthink.engine.model.ModelSource;
import io.groupthink.engine.model.Weights;
import io.groupthink.engine.runtime.Batch;
import io.groupthink.engine.runtime.KernelSelector;
import io.groupthink.engine.runtime.KvCache;
import io.groupthink.engine.runtime.LinearFactory;
import io.groupthink.engine.runtime.TorchRuntime;
import io.groupthink.engine.runtime.Transformer;
import io.groupthink.engine.sampling.SamplingOptions;
import io.groupthink.engine.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A loaded model and the entry points on it: plain generation and Group Think sessions.
 *
 * <p>Runs are serialised: one thread at a time drives the forward pass (DJL managers are not
 * thread-safe). Use after {@link #close()} throws {@link IllegalStateException}.
 */
public final class GroupThinkModel implements AutoCloseable {

    /**
     * Load-time choices.
     *
     * @param threads     LibTorch intra-op threads (0 = default, all cores)
     * @param checkFinite refuse weights holding NaN or infinity
     * @param linears     the linear-operator implementation; null picks one by measurement at load
     *                    ({@link LinearFactory#auto})
     */
    public record Options(int threads, boolean checkFinite, LinearFactory linears) {
        public static final Options DEFAULT = new Options(0, false, null);

        LinearFactory linearsOrAuto() {
            return linears != null ? linears : LinearFactory.auto(threads);
        }
    }

    private final Path dir;
    private final ModelConfig config;
    private final NDManager manager;
    private final Weights weights;
    private final Transformer transformer;
    private final Tokenizer tokenizer;
    private final ChatTemplate chatTemplate;
    private final GenerationConfig generationConfig;
    private final Set<Integer> stopIds;
    private final Map<String, Integer> tensorTypes;
    private final MaskOperator maskOperator = new MaskOperator();
    private volatile boolean closed;

    private GroupThinkModel(ModelSource folder, Options options) {
        this.dir = folder.path();
        this.config = folder.config();
        this.tensorTypes = Collections.unmodifiableMap(new TreeMap<>(folder.tensorTypes()));
        this.chatTemplate = folder.chatTemplate();
        this.generationConfig = folder.generationConfig();
        this.tokenizer = folder.tokenizer();
        // Choose the linear operator first: with the few-row kernel on the cores, LibTorch keeps one
        // thread for the small ops (its OpenMP workers would otherwise spin on the kernel's cores).
        LinearFactory linears = options.linearsOrAuto();
        NDManager m = TorchRuntime.newManager(options.threads());
        if (linears instanceof KernelSelector.Vector) {
            TorchRuntime.setIntraOpThreads(1);
        }
        try {
            this.weights = Weights.load(folder, m.newSubManager(), options.checkFinite());
            this.transformer = new Transformer(config, weights, m, linears);
        } catch (RuntimeException e) {
            m.close();
            tokenizer.close();
            throw e;
        }
        this.manager = m;
        Set<Integer> stops = new LinkedHashSet<>(config.eosTokenIds());
        stops.addAll(generationConfig.eosTokenIds());
        // A model that emits BOS has started a new document (llama2.c's stories models end that way).
        stops.add(config.bosTokenId());
        this.stopIds = Set.copyOf(stops);
    }

    /**
     * Loads a Hugging Face model folder or a GGUF file ({@link ModelSource#open}); every failure names
     * the file and the problem.
     */
    public static GroupThinkModel load(Path dir) {
        return load(dir, Options.DEFAULT);
    }

    public static GroupThinkModel load(Path dir, Options options) {
        return load(ModelSource.open(dir), options);
    }

    public static GroupThinkModel load(ModelSource source, Options options) {
        return new GroupThinkModel(source, options);
    }

    public Path dir() {
        return dir;
    }

    public ModelConfig config() {
        return config;
    }

    /** How many tensors the model file holds of each storage type ("F32", "BF16", "Q4_K", ...). */
    public Map<String, Integer> tensorTypes() {
        return tensorTypes;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public ChatTemplate chatTemplate() {
        return chatTemplate;
    }

    public GenerationConfig generationConfig() {
        return generationConfig;
    }

    public Set<Integer> stopIds() {
        return stopIds;
    }

    public Weights weights() {
        return weights;
    }

    public Transformer transformer() {
        return transformer;
    }

    public MaskOperator maskOperator() {
        return maskOperator;
    }

    /** Builds (and validates) a Group Think session; nothing runs until {@link #run}. */
    public GroupThinkSession newSession(GroupThinkRequest request, SessionListener listener, StepHook hook) {
        ensureOpen();
        request.validate(GroupThinkRequest.MAX_THINKERS);
        PromptPlan plan = PromptPlan.build(tokenizer, chatTemplate, request.template(), request.question(),
                request.mode(), request.thinkers(), request.roles(), request.synthesize(), request.chatVariables());
        return new GroupThinkSession(request, plan, tokenizer, stopIds, config.maxPositions(), listener, hook);
    }

    /** A session over a prompt plan built by the caller (for custom prompts and tests). */
    public GroupThinkSession newSession(GroupThinkRequest request, PromptPlan plan, SessionListener listener,
            StepHook hook) {
        ensureOpen();
        request.validate(GroupThinkRequest.MAX_THINKERS);
        if (plan.lanes() != request.thinkers()) {
            throw new IllegalArgumentException("prompt plan has " + plan.lanes() + " lanes for "
                    + request.thinkers() + " thinkers");
        }
        checkIds(plan.shared());
        for (int n = 0; n < plan.lanes(); n++) {
            checkIds(plan.instructions()[n]);
            checkIds(plan.headers()[n]);
        }
        checkIds(plan.synthesis());
        return new GroupThinkSession(request, plan, tokenizer, stopIds, config.maxPositions(), listener, hook);
    }

    private void checkIds(int[] ids) {
        for (int id : ids) {
            if (id < 0 || id >= config.vocabSize()) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, "
                        + config.vocabSize() + ")");
            }
        }
    }

    /** A single-lane session over a raw prompt: plain text generation. */
    public GroupThinkSession newPlainSession(String prompt, int maxTokens, SamplingOptions sampling,
            List<String> stopStrings, int topLogits, SessionListener listener, StepHook hook) {
        ensureOpen();
        if (prompt == null) {
            throw new IllegalArgumentException("prompt must not be null");
        }
        // An empty prompt is allowed when the tokenizer adds BOS: it generates unconditionally.
        int[] ids = tokenizer.encode(prompt, true);
        if (ids.length == 0) {
            throw new IllegalArgumentException("prompt encodes to no tokens; give some text");
        }
        GroupThinkRequest request = GroupThinkRequest.builder(prompt.isEmpty() ? "<bos>" : prompt).thinkers(1).mode(Mode.COT)
                .maxTokens(maxTokens).sampling(sampling).stopStrings(stopStrings).topLogits(topLogits).build()
                .validate(1);
        return new GroupThinkSession(request, PromptPlan.plain(ids), tokenizer, stopIds, config.maxPositions(),
                listener, hook);
    }

    public GroupThinkResult think(GroupThinkRequest request) {
        return think(request, SessionListener.NONE, StepHook.NONE);
    }

    public GroupThinkResult think(GroupThinkRequest request, SessionListener listener, StepHook hook) {
        return run(List.of(newSession(request, listener, hook))).get(0);
    }

    /** Plain generation from token ids. */
    public GroupThinkSession newPlainSession(int[] promptIds, int maxTokens, SamplingOptions sampling,
            List<String> stopStrings, int topLogits, SessionListener listener, StepHook hook) {
        GroupThinkRequest request = GroupThinkRequest.builder("<ids>").thinkers(1).mode(Mode.COT).maxTokens(maxTokens)
                .sampling(sampling).stopStrings(stopStrings).topLogits(topLogits).build();
        if (promptIds.length == 0) {
            throw new IllegalArgumentException("prompt has no tokens");
        }
        return newSession(request, PromptPlan.plain(promptIds), listener, hook);
    }

    /** Plain generation from a raw prompt (the tokenizer adds BOS as it is configured to). */
    public GroupThinkResult generate(String prompt, int maxTokens, SamplingOptions sampling, List<String> stopStrings,
            int topLogits, SessionListener listener) {
        return run(List.of(newPlainSession(prompt, maxTokens, sampling, stopStrings, topLogits, listener,
                StepHook.NONE))).get(0);
    }

    /**
     * Runs sessions to completion, all of them in one batch per step, over a KV cache sized for
     * their worst case. The cache is freed before returning.
     */
    public synchronized List<GroupThinkResult> run(List<GroupThinkSession> sessions) {
        ensureOpen();
        int capacity = sessions.stream().mapToInt(GroupThinkSession::maxTokens).sum();
        sessions.forEach(s -> maskOperator.register(s.id(), s.rule()));
        try (KvCache cache = new KvCache(config, manager, capacity)) {
            while (sessions.stream().anyMatch(s -> !s.isDone())) {
                Batch batch = new Batch();
                sessions.forEach(s -> s.contribute(batch));
                if (batch.isEmpty()) {
                    continue; // sessions that just completed (e.g. cancelled) contribute nothing
                }
                long t0 = System.nanoTime();
                float[][] logits = transformer.forward(batch, cache, maskOperator);
                double ms = (System.nanoTime() - t0) / 1e6;
                sessions.forEach(s -> s.accept(logits, ms));
            }
            return sessions.stream().map(s -> s.result(cache.bytesPerToken())).toList();
        } catch (RuntimeException | Error e) {
            sessions.forEach(s -> s.fail(e));
            throw e;
        } finally {
            sessions.forEach(s -> maskOperator.unregister(s.id()));
        }
    }

    /** A KV cache on this model's memory, for a scheduler that owns it. */
    public KvCache newKvCache(int tokens) {
        ensureOpen();
        return new KvCache(config, manager, tokens);
    }

    /** NDArrays alive under this model's manager, weights included: flat across runs, or it leaks. */
    public int liveArrays() {
        ensureOpen();
        return manager.getManagedArrays().size();
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("model " + dir + " is closed");
        }
    }

    public boolean isClosed() {
        return closed;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        transformer.close();
        weights.close();
        manager.close();
        tokenizer.close();
    }
}
