package io.groupthink.spring.autoconfigure;

import io.groupthink.engine.groupthink.Layout;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.groupthink.PromptTemplate;
import io.groupthink.engine.groupthink.RoundOptions;
import io.groupthink.engine.groupthink.RoundPrompts;
import io.groupthink.engine.sampling.SamplingOptions;
import io.groupthink.engine.scheduler.SchedulerOptions;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration of Group Think, under {@code groupthink.*}.
 *
 * <p>Only {@code groupthink.model.path} is required; every other value has a default that suits a
 * small instruction-tuned model on a CPU.
 */
@ConfigurationProperties(GroupThinkProperties.PREFIX)
public class GroupThinkProperties {

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

    /** The model to load, once, at start-up. */
    public static class Model {

        /**
         * Hugging Face model folder (config.json, tokenizer.json, model.safetensors). Either this or
         * {@code id} is required; the path wins when both are set.
         */
        private Path path;

        /**
         * Hugging Face hub model id (e.g. Qwen/Qwen2.5-0.5B-Instruct), pulled into the standard HF cache
         * (~/.cache/huggingface/hub) on first start and reused after. HF_TOKEN, HF_HOME, HF_ENDPOINT and
         * HF_HUB_OFFLINE apply.
         */
        private String id;

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

        public SchedulerOptions toOptions() {
            return new SchedulerOptions(kvTokens, maxQueue, queueTimeout, prefillTokensPerStep, prefixSharing);
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
