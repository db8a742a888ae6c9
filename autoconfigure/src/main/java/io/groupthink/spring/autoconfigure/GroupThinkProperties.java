package io.groupthink.spring.autoconfigure;

import static io.groupthink.spring.autoconfigure.InvalidPropertyException.check;

import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.engine.groupthink.Layout;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.groupthink.PromptTemplate;
import io.groupthink.engine.runtime.LinearFactory;
import io.groupthink.engine.groupthink.RoundOptions;
import io.groupthink.engine.groupthink.RoundPrompts;
import io.groupthink.engine.sampling.SamplingOptions;
import io.groupthink.engine.scheduler.SchedulerOptions;
import io.groupthink.spring.session.SessionDefaults;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration of Group Think, under {@code groupthink.*}.
 *
 * <p>Only {@code groupthink.model.path} is required; every other value has a default that suits a
 * small instruction-tuned model on a CPU.
 */
@ConfigurationProperties(GroupThinkProperties.PREFIX)
public class GroupThinkProperties implements InitializingBean {

    public static final String PREFIX = "groupthink";

    /** Whether to configure Group Think at all. */
    private boolean enabled = true;

    private final Model model = new Model();

    private final Engine engine = new Engine();

    private final Defaults defaults = new Defaults();

    private final Sampling sampling = new Sampling();

    private final Prompt prompt = new Prompt();

    private final Limits limits = new Limits();

    private final Rounds rounds = new Rounds();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public Model getModel() {
        return model;
    }

    public Engine getEngine() {
        return engine;
    }

    public Defaults getDefaults() {
        return defaults;
    }

    public Sampling getSampling() {
        return sampling;
    }

    public Prompt getPrompt() {
        return prompt;
    }

    public Rounds getRounds() {
        return rounds;
    }

    public Limits getLimits() {
        return limits;
    }

    /**
     * Checks every value that can be checked without the model, so that a typo stops start-up with
     * the property's name instead of failing the first call.
     */
    @Override
    public void afterPropertiesSet() {
        String p = PREFIX + ".";
        check(model.threads >= 0, p + "model.threads", model.threads, "0 (every core) or more");
        String linear = model.linear == null ? "" : model.linear.trim().toLowerCase(Locale.ROOT);
        check(LinearFactory.NAMES.contains(linear), p + "model.linear", model.linear, "one of " + LinearFactory.NAMES);
        String quantize = model.quantize == null ? "" : model.quantize.trim().toLowerCase(Locale.ROOT);
        check(LinearFactory.QUANTIZE.contains(quantize), p + "model.quantize", model.quantize,
                "one of " + LinearFactory.QUANTIZE);
        check(engine.kvTokens >= 1, p + "engine.kv-tokens", engine.kvTokens, "at least 1");
        check(engine.maxQueue >= 0, p + "engine.max-queue", engine.maxQueue, "0 or more");
        check(engine.queueTimeout != null && !engine.queueTimeout.isNegative(), p + "engine.queue-timeout",
                engine.queueTimeout, "a duration of 0 or more");
        check(engine.prefillTokensPerStep >= 1, p + "engine.prefill-tokens-per-step", engine.prefillTokensPerStep,
                "at least 1");
        check(limits.maxThinkers >= 1 && limits.maxThinkers <= GroupThinkRequest.MAX_THINKERS, p + "limits.max-thinkers",
                limits.maxThinkers, "between 1 and " + GroupThinkRequest.MAX_THINKERS + " (the engine's ceiling)");
        check(limits.maxTokensPerThinker >= 1, p + "limits.max-tokens-per-thinker", limits.maxTokensPerThinker,
                "at least 1");
        check(limits.maxPromptChars >= 1, p + "limits.max-prompt-chars", limits.maxPromptChars, "at least 1");
        check(defaults.thinkers >= 1 && defaults.thinkers <= limits.maxThinkers, p + "defaults.thinkers",
                defaults.thinkers, "between 1 and groupthink.limits.max-thinkers (" + limits.maxThinkers + ")");
        check(defaults.tokensPerThinker >= 1 && defaults.tokensPerThinker <= limits.maxTokensPerThinker,
                p + "defaults.tokens-per-thinker", defaults.tokensPerThinker,
                "between 1 and groupthink.limits.max-tokens-per-thinker (" + limits.maxTokensPerThinker + ")");
        check(defaults.synthesisTokens >= 1 && defaults.synthesisTokens <= limits.maxTokensPerThinker,
                p + "defaults.synthesis-tokens", defaults.synthesisTokens,
                "between 1 and groupthink.limits.max-tokens-per-thinker (" + limits.maxTokensPerThinker + ")");
        check(defaults.structuredOutputRetries >= 0, p + "defaults.structured-output-retries",
                defaults.structuredOutputRetries, "0 or more");
        check(defaults.mode != null, p + "defaults.mode", null, "group, independent or cot");
        check(defaults.layout != null, p + "defaults.layout", null, "slotted or interleaved");
        check(sampling.temperature >= 0 && Double.isFinite(sampling.temperature), p + "sampling.temperature",
                sampling.temperature, "0 (greedy) or more");
        check(sampling.topK >= 0, p + "sampling.top-k", sampling.topK, "0 (off) or more");
        check(sampling.topP > 0 && sampling.topP <= 1, p + "sampling.top-p", sampling.topP, "in (0, 1]");
        check(sampling.repetitionPenalty > 0 && Double.isFinite(sampling.repetitionPenalty),
                p + "sampling.repetition-penalty", sampling.repetitionPenalty, "above 0 (1 is off)");
        prompt.validate(p + "prompt.");
    }

    /** The session service's defaults: {@code defaults.*}, {@code sampling.*}, {@code prompt.*}, {@code limits.*} and {@code rounds.*}. */
    public SessionDefaults toSessionDefaults() {
        return new SessionDefaults(defaults.thinkers, defaults.tokensPerThinker, defaults.mode, defaults.layout,
                defaults.synthesize, defaults.synthesisTokens, defaults.othersSeeInstructions, sampling.toOptions(),
                prompt.toTemplate(), defaults.structuredOutputRetries, new SessionDefaults.Limits(limits.maxThinkers,
                        limits.maxTokensPerThinker, limits.maxPromptChars), rounds.toOptions());
    }

    /** The model to load, once, at start-up. */
    public static class Model {

        /**
         * Hugging Face model folder (config.json, tokenizer.json, model.safetensors) or GGUF file. This,
         * {@code ollama} or {@code id} is required; the path wins when several are set.
         */
        private Path path;

        /**
         * Hugging Face hub model id (e.g. Qwen/Qwen2.5-0.5B-Instruct), pulled into the standard HF cache
         * (~/.cache/huggingface/hub) on first start and reused after. HF_TOKEN, HF_HOME, HF_ENDPOINT and
         * HF_HUB_OFFLINE apply.
         */
        private String id;

        /**
         * A model pulled with Ollama (e.g. qwen2.5:3b), loaded from the GGUF file in Ollama's store
         * ($OLLAMA_MODELS, default ~/.ollama/models); used when {@code path} is not set, before {@code id}.
         */
        private String ollama;

        /** Revision (branch, tag or commit) of {@code id}. */
        private String revision = "main";

        /** Resolve {@code id} from the local HF cache only, never the network (like HF_HUB_OFFLINE=1). */
        private boolean offline = false;

        /**
         * Matrix-product implementation: auto (measured once at load), kernel (the Vector API few-row
         * kernel, holding a bf16 checkpoint's weights as bf16; needs --add-modules jdk.incubator.vector),
         * kernel-fp32 (the same kernel with every weight in fp32) or torch (LibTorch).
         */
        private String linear = "auto";

        /**
         * Weights quantized at load for the kernel: none, q8_0 or q4_0 (ggml's block formats; at q4_0 the
         * output matrix keeps q8_0 codes, as llama.cpp's quantizer does).
         */
        private String quantize = "none";

        /** LibTorch intra-op threads; 0 lets LibTorch use every core. */
        private int threads = 0;

        /** Refuse weights holding NaN or infinity (slower start-up). */
        private boolean checkFinite = false;

        public Path getPath() {
            return path;
        }

        public void setPath(Path path) {
            this.path = path;
        }

        public String getId() {
            return id;
        }

        public void setId(String id) {
            this.id = id;
        }

        public String getOllama() {
            return ollama;
        }

        public void setOllama(String ollama) {
            this.ollama = ollama;
        }

        public String getRevision() {
            return revision;
        }

        public void setRevision(String revision) {
            this.revision = revision;
        }

        public boolean isOffline() {
            return offline;
        }

        public void setOffline(boolean offline) {
            this.offline = offline;
        }

        public String getLinear() {
            return linear;
        }

        public void setLinear(String linear) {
            this.linear = linear;
        }

        public String getQuantize() {
            return quantize;
        }

        public void setQuantize(String quantize) {
            this.quantize = quantize;
        }

        public int getThreads() {
            return threads;
        }

        public void setThreads(int threads) {
            this.threads = threads;
        }

        public boolean isCheckFinite() {
            return checkFinite;
        }

        public void setCheckFinite(boolean checkFinite) {
            this.checkFinite = checkFinite;
        }
    }

    /** The engine loop that batches every session into one forward pass per step. */
    public static class Engine {

        // Literals (the engine's SchedulerOptions.DEFAULT) so that the metadata shows them.

        /** KV-cache budget in tokens, shared by all running sessions. */
        private int kvTokens = 16384;

        /** Sessions that may wait for KV room; one more is rejected at once as busy. */
        private int maxQueue = 64;

        /** How long a session may wait for KV room before it is rejected as busy. */
        private Duration queueTimeout = Duration.ofSeconds(30);

        /**
         * Prompt tokens computed per step across sessions; a longer prompt is prefilled in chunks
         * over several steps, so it delays the others' next token by one chunk at most.
         */
        private int prefillTokensPerStep = 512;

        /**
         * Whether a session whose prompt starts like a running session's (16 tokens or more, a
         * common system prompt say) borrows that prefix's K/V instead of computing it again.
         */
        private boolean prefixSharing = true;

        /**
         * On shutdown, how long sessions already accepted (running or queued) may take to finish
         * after readiness goes DOWN; those not done then fail with "engine is shutting down".
         */
        private Duration drainTime = Duration.ofSeconds(10);

        /**
         * Events a session's listener or stream subscriber may fall behind the engine before the
         * session is cancelled as a slow consumer.
         */
        private int eventBuffer = 4096;

        public SchedulerOptions toOptions() {
            return new SchedulerOptions(kvTokens, maxQueue, queueTimeout, prefillTokensPerStep, prefixSharing,
                    eventBuffer);
        }

        public Duration getDrainTime() {
            return drainTime;
        }

        public void setDrainTime(Duration drainTime) {
            this.drainTime = drainTime;
        }

        public int getEventBuffer() {
            return eventBuffer;
        }

        public void setEventBuffer(int eventBuffer) {
            this.eventBuffer = eventBuffer;
        }

        public boolean isPrefixSharing() {
            return prefixSharing;
        }

        public void setPrefixSharing(boolean prefixSharing) {
            this.prefixSharing = prefixSharing;
        }

        public int getKvTokens() {
            return kvTokens;
        }

        public void setKvTokens(int kvTokens) {
            this.kvTokens = kvTokens;
        }

        public int getMaxQueue() {
            return maxQueue;
        }

        public void setMaxQueue(int maxQueue) {
            this.maxQueue = maxQueue;
        }

        public Duration getQueueTimeout() {
            return queueTimeout;
        }

        public void setQueueTimeout(Duration queueTimeout) {
            this.queueTimeout = queueTimeout;
        }

        public int getPrefillTokensPerStep() {
            return prefillTokensPerStep;
        }

        public void setPrefillTokensPerStep(int prefillTokensPerStep) {
            this.prefillTokensPerStep = prefillTokensPerStep;
        }
    }

    /** What a call gets when it does not say otherwise. */
    public static class Defaults {

        /** Thinkers per Group Think call (GroupThinkChatClient and @GroupThink). */
        private int thinkers = 4;

        /** Token budget of each thinker (K). */
        private int tokensPerThinker = 256;

        /** group (every thinker sees the others), independent (the baseline) or cot (one thinker). */
        private Mode mode = Mode.GROUP_THINK;

        /** slotted (each thinker a block of positions) or interleaved (positions in step order). */
        private Layout layout = Layout.SLOTTED;

        /** Whether a final-answer lane, seeing every thinker, writes the answer after they finish. */
        private boolean synthesize = true;

        /** Token budget of the final-answer lane. */
        private int synthesisTokens = 256;

        /** Whether thinkers see each other's private instructions (their ids and roles). */
        private boolean othersSeeInstructions = false;

        /**
         * Extra sessions a structured-output call (entity(), typed agent methods) runs when the
         * answer does not map to the type; each retry is told why the last answer failed.
         */
        private int structuredOutputRetries = 1;

        public int getStructuredOutputRetries() {
            return structuredOutputRetries;
        }

        public void setStructuredOutputRetries(int structuredOutputRetries) {
            this.structuredOutputRetries = structuredOutputRetries;
        }

        public int getThinkers() {
            return thinkers;
        }

        public void setThinkers(int thinkers) {
            this.thinkers = thinkers;
        }

        public int getTokensPerThinker() {
            return tokensPerThinker;
        }

        public void setTokensPerThinker(int tokensPerThinker) {
            this.tokensPerThinker = tokensPerThinker;
        }

        public Mode getMode() {
            return mode;
        }

        public void setMode(Mode mode) {
            this.mode = mode;
        }

        public Layout getLayout() {
            return layout;
        }

        public void setLayout(Layout layout) {
            this.layout = layout;
        }

        public boolean isSynthesize() {
            return synthesize;
        }

        public void setSynthesize(boolean synthesize) {
            this.synthesize = synthesize;
        }

        public int getSynthesisTokens() {
            return synthesisTokens;
        }

        public void setSynthesisTokens(int synthesisTokens) {
            this.synthesisTokens = synthesisTokens;
        }

        public boolean isOthersSeeInstructions() {
            return othersSeeInstructions;
        }

        public void setOthersSeeInstructions(boolean othersSeeInstructions) {
            this.othersSeeInstructions = othersSeeInstructions;
        }
    }

    /** Default sampling; temperature 0 is greedy decoding. */
    public static class Sampling {

        /** Softmax temperature; 0 picks the most likely token. */
        private double temperature = 0;

        /** Keep the k most likely tokens; 0 = off. */
        private int topK = 0;

        /** Nucleus mass in (0, 1]; 1 = off. */
        private double topP = 1;

        /** Penalty on tokens already in the thinker's own text; 1 = off. */
        private double repetitionPenalty = 1;

        /** Base seed; each thinker derives its own so sampled thinkers diverge. */
        private long seed = 0;

        public SamplingOptions toOptions() {
            return new SamplingOptions(temperature, topK, topP, repetitionPenalty, seed);
        }

        public double getTemperature() {
            return temperature;
        }

        public void setTemperature(double temperature) {
            this.temperature = temperature;
        }

        public int getTopK() {
            return topK;
        }

        public void setTopK(int topK) {
            this.topK = topK;
        }

        public double getTopP() {
            return topP;
        }

        public void setTopP(double topP) {
            this.topP = topP;
        }

        public double getRepetitionPenalty() {
            return repetitionPenalty;
        }

        public void setRepetitionPenalty(double repetitionPenalty) {
            this.repetitionPenalty = repetitionPenalty;
        }

        public long getSeed() {
            return seed;
        }

        public void setSeed(long seed) {
            this.seed = seed;
        }
    }

    /**
     * The words thinkers are given; unset parts keep the engine's defaults. Placeholders:
     * {count}, {id}, {question}, {role}.
     */
    public static class Prompt {

        /** System message in group mode: how the thinkers collaborate. */
        private String groupSystem;

        /** System message for cot and independent mode. */
        private String soloSystem;

        /** The user turn; {role} expands to the role sentence or to nothing. */
        private String user;

        /** The role sentence of a role-specialised thinker. */
        private String role;

        /** The label that opens each thinker's stream, visible to the others. */
        private String header;

        /** What the final-answer lane is told after every thinker has finished. */
        private String synthesis;

        /** The placeholders a template may use; any other {word} is a typo. */
        static final Set<String> PLACEHOLDERS = Set.of("count", "id", "question", "role");

        private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z_][\\w-]*)}");

        void validate(String prefix) {
            String[][] parts = { { "group-system", groupSystem }, { "solo-system", soloSystem }, { "user", user },
                    { "role", role }, { "header", header }, { "synthesis", synthesis } };
            for (String[] part : parts) {
                if (part[1] == null) {
                    continue;
                }
                Matcher m = PLACEHOLDER.matcher(part[1]);
                while (m.find()) {
                    check(PLACEHOLDERS.contains(m.group(1)), prefix + part[0], part[1],
                            "free of unknown placeholders: {" + m.group(1) + "} is none of {count}, {id}, "
                                    + "{question}, {role}");
                }
            }
            check(user == null || user.contains("{question}"), prefix + "user", user,
                    "a text holding {question}, or the thinkers never see the question");
            check(role == null || role.contains("{role}"), prefix + "role", role,
                    "a text holding {role}, or role-specialised thinkers are not told their role");
        }

        public PromptTemplate toTemplate() {
            PromptTemplate d = PromptTemplate.DEFAULT;
            return new PromptTemplate(or(groupSystem, d.groupSystem()), or(soloSystem, d.soloSystem()),
                    or(user, d.user()), or(role, d.role()), or(header, d.header()), or(synthesis, d.synthesis()));
        }

        private static String or(String value, String fallback) {
            return value == null ? fallback : value;
        }

        public String getGroupSystem() {
            return groupSystem;
        }

        public void setGroupSystem(String groupSystem) {
            this.groupSystem = groupSystem;
        }

        public String getSoloSystem() {
            return soloSystem;
        }

        public void setSoloSystem(String soloSystem) {
            this.soloSystem = soloSystem;
        }

        public String getUser() {
            return user;
        }

        public void setUser(String user) {
            this.user = user;
        }

        public String getRole() {
            return role;
        }

        public void setRole(String role) {
            this.role = role;
        }

        public String getHeader() {
            return header;
        }

        public void setHeader(String header) {
            this.header = header;
        }

        public String getSynthesis() {
            return synthesis;
        }

        public void setSynthesis(String synthesis) {
            this.synthesis = synthesis;
        }
    }

    /** Bounds on what one call may ask for, checked before anything is tokenized. */
    public static class Limits {

        /** Most thinkers one call may ask for (the engine's own ceiling is 16). */
        private int maxThinkers = 16;

        /** Largest per-thinker token budget one call may ask for. */
        private int maxTokensPerThinker = 4096;

        /** Longest question or conversation, in characters. */
        private int maxPromptChars = 32_000;

        public int getMaxThinkers() {
            return maxThinkers;
        }

        public void setMaxThinkers(int maxThinkers) {
            this.maxThinkers = maxThinkers;
        }

        public int getMaxTokensPerThinker() {
            return maxTokensPerThinker;
        }

        public void setMaxTokensPerThinker(int maxTokensPerThinker) {
            this.maxTokensPerThinker = maxTokensPerThinker;
        }

        public int getMaxPromptChars() {
            return maxPromptChars;
        }

        public void setMaxPromptChars(int maxPromptChars) {
            this.maxPromptChars = maxPromptChars;
        }
    }

    /**
     * Reasoning in rounds in a fixed KV budget (InftyThink): a call that asks for rounds runs at
     * most {@code max-rounds} segments of {@code segment-tokens} per thinker, each closed by a
     * summary of {@code summary-tokens}; the next round starts from the question and the summary.
     */
    public static class Rounds {

        /** Most rounds per session (R). */
        private int maxRounds = 8;

        /** Tokens per thinker per round (S). */
        private int segmentTokens = 256;

        /** Tokens of each round's summary (M). */
        private int summaryTokens = 128;

        /** Each thinker's last tokens carried into the next round (m, at most S; 0 = none). */
        private int carryTokens = 0;

        /** One summary lane per thinker instead of one for all. */
        private boolean summaryPerThinker = false;

        /** Text that, in a segment or summary, ends the session after its round; empty: none. */
        private String finalMarker = RoundOptions.DEFAULT_MARKER;

        /** What the summary lane is told (default: the project's, after InftyThink's rules). */
        private String summarySystem;

        /** The summary lane's turn; {question}, {summary} and {segments} expand. */
        private String summaryUser;

        /** The question of every round after the first; {question} and {summary} expand. */
        private String continuation;

        public RoundOptions toOptions() {
            RoundPrompts d = RoundPrompts.DEFAULT;
            RoundPrompts words = new RoundPrompts(Prompt.or(summarySystem, d.summarySystem()),
                    Prompt.or(summaryUser, d.summaryUser()), d.summaryHeader(), Prompt.or(continuation, d.continuation()),
                    d.finalAnswer(), d.noSummary());
            return new RoundOptions(maxRounds, segmentTokens, summaryTokens, carryTokens, summaryPerThinker, finalMarker,
                    words);
        }

        public int getMaxRounds() {
            return maxRounds;
        }

        public void setMaxRounds(int maxRounds) {
            this.maxRounds = maxRounds;
        }

        public int getSegmentTokens() {
            return segmentTokens;
        }

        public void setSegmentTokens(int segmentTokens) {
            this.segmentTokens = segmentTokens;
        }

        public int getSummaryTokens() {
            return summaryTokens;
        }

        public void setSummaryTokens(int summaryTokens) {
            this.summaryTokens = summaryTokens;
        }

        public int getCarryTokens() {
            return carryTokens;
        }

        public void setCarryTokens(int carryTokens) {
            this.carryTokens = carryTokens;
        }

        public boolean isSummaryPerThinker() {
            return summaryPerThinker;
        }

        public void setSummaryPerThinker(boolean summaryPerThinker) {
            this.summaryPerThinker = summaryPerThinker;
        }

        public String getFinalMarker() {
            return finalMarker;
        }

        public void setFinalMarker(String finalMarker) {
            this.finalMarker = finalMarker;
        }

        public String getSummarySystem() {
            return summarySystem;
        }

        public void setSummarySystem(String summarySystem) {
            this.summarySystem = summarySystem;
        }

        public String getSummaryUser() {
            return summaryUser;
        }

        public void setSummaryUser(String summaryUser) {
            this.summaryUser = summaryUser;
        }

        public String getContinuation() {
            return continuation;
        }

        public void setContinuation(String continuation) {
            this.continuation = continuation;
        }
    }
}
