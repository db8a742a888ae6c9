package io.groupthink.engine;

import ai.djl.ndarray.NDManager;
import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.groupthink.GroupThinkSession;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.groupthink.PromptPlan;
import io.groupthink.engine.groupthink.SessionListener;
import io.groupthink.engine.groupthink.StepHook;
import io.groupthink.engine.model.ChatTemplate;
import io.groupthink.engine.model.GenerationConfig;
import io.groupthink.engine.model.ModelConfig;
import io.groupthink.engine.model.ModelSource;
import io.groupthink.engine.model.Weights;
import io.groupthink.engine.quant.GgmlType;
import io.groupthink.engine.runtime.KernelSelector;
import io.groupthink.engine.runtime.KvCache;
import io.groupthink.engine.runtime.LinearFactory;
import io.groupthink.engine.runtime.TorchRuntime;
import io.groupthink.engine.runtime.Transformer;
import io.groupthink.engine.runtime.WeightStorage;
import io.groupthink.engine.sampling.SamplingOptions;
import io.groupthink.engine.scheduler.Scheduler;
import io.groupthink.engine.scheduler.SchedulerOptions;
import io.groupthink.engine.scheduler.SessionHandle;
import io.groupthink.engine.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A loaded model and the entry points on it: plain generation and Group Think sessions.
 *
 * <p>One driver: every run goes through the model's one {@link Scheduler}, whose engine thread
 * alone touches tensors (DJL managers are not thread-safe). {@link #think}, {@link #generate} and
 * {@link #run} submit to the scheduler attached to the model (a Spring context's, a benchmark's),
 * or to a default one started on first use and closed with the model. Calls from many threads
 * share batches; there is no model-wide lock. Use after {@link #close()} throws
 * {@link IllegalStateException}.
 */
public final class GroupThinkModel implements AutoCloseable {

    /**
     * Load-time choices.
     *
     * @param threads     LibTorch intra-op threads (0 = default, all cores)
     * @param checkFinite refuse weights holding NaN or infinity
     * @param linears     the linear-operator implementation; null picks one by measurement at load
     *                    ({@link LinearFactory#auto})
     * @param ownsTorchThreads opt-in JVM-wide side effect: with the few-row kernel on the cores, set
     *                    LibTorch's intra-op pool (one per process) to 1 thread, so its idle OpenMP workers
     *                    do not spin on the kernel's cores. For a JVM that runs only this model (the CLI);
     *                    off by default, since it changes every LibTorch user in the process
     */
    public record Options(int threads, boolean checkFinite, LinearFactory linears, boolean ownsTorchThreads) {
        public static final Options DEFAULT = new Options(0, false, null);

        /** Without JVM-wide side effects. */
        public Options(int threads, boolean checkFinite, LinearFactory linears) {
            this(threads, checkFinite, linears, false);
        }

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
    private volatile boolean closed;
    private Scheduler scheduler; // guarded by this: the one driver
    private boolean ownScheduler; // guarded by this: started here on first use

    private GroupThinkModel(ModelSource folder, Options options) {
        this.dir = folder.path();
        this.config = folder.config();
        this.tensorTypes = Collections.unmodifiableMap(new TreeMap<>(folder.tensorTypes()));
        this.tokenizer = folder.tokenizer();
        NDManager m = null;
        try { // whatever fails part-way, what was opened so far is closed
            this.chatTemplate = folder.chatTemplate();
            this.generationConfig = folder.generationConfig();
            // Choose the linear operator first: with the few-row kernel on the cores, LibTorch keeps one
            // thread for the small ops (its OpenMP workers would otherwise spin on the kernel's cores).
            LinearFactory linears = followFileQuantization(options.linearsOrAuto(), tensorTypes);
            m = TorchRuntime.newManager(options.threads());
            if (options.ownsTorchThreads() && linears instanceof KernelSelector.Vector) {
                TorchRuntime.setIntraOpThreads(1); // opt-in, see Options#ownsTorchThreads
            }
            this.weights = Weights.load(folder, m.newSubManager(), options.checkFinite());
            this.transformer = new Transformer(config, weights, m, linears);
        } catch (RuntimeException | Error e) {
            if (m != null) {
                m.close();
            }
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
     * A quantized file runs quantized on the kernel: where the kernel would hold weights as bf16/fp32
     * (no quantization asked for), it holds them in the kernel format of the file's most common
     * quantized matrix type. Q8_0 and Q4_0 blocks come back bit for bit (dequantizing then
     * quantizing a ggml block is exact: its largest code maps back to itself); K-quants become
     * Q8_0, the kernel format that adds the least error. An explicit quantization wins. At Q4_0 the
     * head is held as Q8_0 ({@link LinearFactory#createHead}), the type llama-quantize gives it.
     */
    static LinearFactory followFileQuantization(LinearFactory linears, Map<String, Integer> tensorTypes) {
        if (!(linears instanceof KernelSelector.Vector v) || v.storage() != WeightStorage.BF16_WHERE_EXACT) {
            return linears;
        }
        GgmlType dominant = null;
        int most = 0;
        for (GgmlType type : GgmlType.values()) {
            int n = tensorTypes.getOrDefault(type.name(), 0);
            if (type.quantized() && n > most) {
                dominant = type;
                most = n;
            }
        }
        if (dominant == null) {
            return linears;
        }
        return v.withStorage(dominant == GgmlType.Q4_0 ? WeightStorage.Q4_0 : WeightStorage.Q8_0);
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
     * Runs sessions to completion through the model's scheduler, submitted together so that they
     * share one batch per step when they fit its KV budget. Throws the first failure.
     */
    public List<GroupThinkResult> run(List<GroupThinkSession> sessions) {
        List<SessionHandle> handles = scheduler().submitAll(sessions);
        List<GroupThinkResult> results = new ArrayList<>();
        for (SessionHandle h : handles) {
            results.add(h.await());
        }
        return results;
    }

    /**
     * The scheduler driving this model: the attached one, else a default one started now (KV
     * budget: 8 contexts, at most 8192 tokens), closed with the model. For more, attach a scheduler of your own.
     */
    public synchronized Scheduler scheduler() {
        ensureOpen();
        if (scheduler == null) {
            int kv = Math.min(8192, 8 * config.maxPositions());
            new Scheduler(this, new SchedulerOptions(kv, Integer.MAX_VALUE, Duration.ofDays(1),
                    SchedulerOptions.DEFAULT.prefillTokensPerStep()), null);
            ownScheduler = true;
        }
        return scheduler;
    }

    /**
     * Called by a new {@link Scheduler}: it becomes this model's one driver. An idle default one
     * steps aside; another caller's scheduler still open is an error (two loops on one model).
     */
    public synchronized void attach(Scheduler s) {
        ensureOpen();
        if (scheduler != null && scheduler != s) {
            if (!ownScheduler) {
                throw new IllegalStateException("model " + dir + " is already driven by a scheduler; close it first,"
                        + " or submit to model.scheduler()");
            }
            Scheduler old = scheduler;
            scheduler = null;
            old.close();
        }
        scheduler = s;
        ownScheduler = false;
    }

    /** Called by a closing {@link Scheduler}. */
    public synchronized void detach(Scheduler s) {
        if (scheduler == s) {
            scheduler = null;
            ownScheduler = false;
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
    public void close() {
        Scheduler driver;
        synchronized (this) {
            if (closed) {
                return;
            }
            driver = scheduler;
        }
        if (driver != null) {
            driver.close(); // its loop ends before the weights go
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        transformer.close();
        weights.close();
        manager.close();
        tokenizer.close();
    }
}
