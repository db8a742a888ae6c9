package io.groupthink.engine.train;

import io.groupthink.engine.groupthink.Layout;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.groupthink.PositionPolicy;
import io.groupthink.engine.groupthink.PromptPlan;
import io.groupthink.engine.groupthink.PromptTemplate;
import io.groupthink.engine.groupthink.VisibilityRule;
import io.groupthink.engine.model.ChatTemplate;
import io.groupthink.engine.runtime.Owner;
import io.groupthink.engine.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Synthetic enumeration sessions in the engine's own seq. The prompt comes from
 * {@link PromptPlan#build} with the engine's default words, positions from the session's
 * {@link PositionPolicy}, the mask from {@link VisibilityRule}; tokens are placed pass by pass in
 * the order GroupThinkSession places them, so training sees exactly what inference computes.
 *
 * <p>What a thinker writes next is drawn uniformly from the items it cannot see named yet:
 * in GROUP_THINK every thinker's tokens up to the current step (same-step ones included), in
 * INDEPENDENT and COT only its own. When nothing is left it stops. A synthesis lane lists the
 * distinct items the thinkers named, in order of first mention.
 */
public final class TraceBuilder {

    private final Tokenizer tokenizer;
    private final ChatTemplate chat;
    private final PromptTemplate words;
    private final java.util.Map<String, PromptPlan> plans = new java.util.HashMap<>(); // rendering is slow

    public TraceBuilder(Tokenizer tokenizer, ChatTemplate chat) {
        this(tokenizer, chat, PromptTemplate.DEFAULT);
    }

    public TraceBuilder(Tokenizer tokenizer, ChatTemplate chat, PromptTemplate words) {
        this.tokenizer = tokenizer;
        this.chat = chat;
        this.words = words;
    }

    /** One session's worth of training data. */
    public record Session(String category, Mode mode, int thinkers, Layout layout, int maxTokens,
            boolean synthesize) {
        public Session {
            if (maxTokens <= EnumerationTask.ITEMS) {
                throw new IllegalArgumentException("maxTokens must exceed " + EnumerationTask.ITEMS
                        + " so that every lane ends by choice, got " + maxTokens);
            }
            if (mode == Mode.COT && thinkers != 1) {
                throw new IllegalArgumentException("cot runs 1 thinker, got " + thinkers);
            }
        }
    }

    /** Token id of an item; the vocabulary holds every item as one word. */
    int[] itemIds(String category) {
        List<String> items = EnumerationTask.items(category);
        int[] ids = new int[items.size()];
        for (int i = 0; i < ids.length; i++) {
            int[] enc = tokenizer.encode(EnumerationTask.word(items.get(i)), false);
            if (enc.length != 1 || enc[0] == ModelFiles.UNK) {
                throw new IllegalStateException("item '" + items.get(i) + "' is not one token in this tokenizer");
            }
            ids[i] = enc[0];
        }
        return ids;
    }

    public Trace build(Session s, Random random) {
        int n = s.thinkers();
        PromptPlan plan = plans.computeIfAbsent(s.category() + "/" + s.mode() + "/" + n + "/" + s.synthesize(),
                key -> PromptPlan.build(tokenizer, chat, words, EnumerationTask.question(s.category()), s.mode(), n,
                        null, s.synthesize()));
        int slot = plan.maxHeader() + s.maxTokens();
        PositionPolicy policy;
        if (s.mode() == Mode.GROUP_THINK) {
            policy = s.layout().policy(plan.base(), slot);
        } else {
            int[] starts = new int[n];
            for (int t = 0; t < n; t++) {
                starts[t] = plan.shared().length + plan.instructions()[t].length;
            }
            policy = PositionPolicy.perLane(starts, plan.base() + n * slot);
        }
        VisibilityRule rule = new VisibilityRule(s.mode(), s.synthesize() ? n : Integer.MIN_VALUE, false);
        Sequence seq = new Sequence(policy, n + (s.synthesize() ? 1 : 0));
        int[] items = itemIds(s.category());

        // pass 0: the shared prompt, then each lane's instructions and header
        int[] shared = plan.shared();
        int lastShared = -1;
        for (int i = 0; i < shared.length; i++) {
            lastShared = seq.add(shared[i], i, Owner.SHARED, Owner.PROMPT);
        }
        int[] asks = new int[n]; // the row whose logits give each lane's next token
        for (int t = 0; t < n; t++) {
            int row = lastShared;
            int[] instructions = plan.instructions()[t];
            for (int i = 0; i < instructions.length; i++) {
                row = seq.add(instructions[i], shared.length + i, t, VisibilityRule.INSTRUCTION);
            }
            for (int token : plan.headers()[t]) {
                row = seq.place(t, token, VisibilityRule.HEADER);
            }
            asks[t] = row;
        }

        // decode: every live lane's next token, chosen from what it can see, fed one pass later
        List<List<Integer>> written = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            written.add(new ArrayList<>());
        }
        boolean[] live = new boolean[n];
        java.util.Arrays.fill(live, true);
        int pass = 0;
        while (true) {
            int[] next = new int[n];
            for (int t = 0; t < n; t++) {
                if (!live[t]) {
                    continue;
                }
                List<Integer> left = new ArrayList<>();
                for (int item : items) {
                    if (!seen(s.mode(), written, t, item)) {
                        left.add(item);
                    }
                }
                next[t] = left.isEmpty() ? ModelFiles.EOS : left.get(random.nextInt(left.size()));
                seq.target(asks[t], next[t], Math.max(1, left.size()));
            }
            boolean any = false;
            seq.pass = ++pass;
            for (int t = 0; t < n; t++) {
                if (!live[t]) {
                    continue;
                }
                if (next[t] == ModelFiles.EOS) {
                    live[t] = false;
                    continue;
                }
                asks[t] = seq.place(t, next[t], written.get(t).size());
                written.get(t).add(next[t]);
                any = true;
            }
            if (!any) {
                break;
            }
        }

        if (s.synthesize()) {
            Set<Integer> distinct = new LinkedHashSet<>();
            for (int k = 0; k < EnumerationTask.ITEMS; k++) {
                for (List<Integer> w : written) {
                    if (k < w.size()) {
                        distinct.add(w.get(k));
                    }
                }
            }
            int row = -1;
            for (int token : plan.synthesis()) {
                row = seq.place(n, token, VisibilityRule.INSTRUCTION);
            }
            int step = 0;
            for (int item : distinct) {
                seq.target(row, item, 1);
                seq.pass = ++pass;
                row = seq.place(n, item, step++);
            }
            seq.target(row, ModelFiles.EOS, 1);
        }
        return seq.trace(rule);
    }

    private static boolean seen(Mode mode, List<List<Integer>> written, int lane, int item) {
        if (mode != Mode.GROUP_THINK) {
            return written.get(lane).contains(item);
        }
        for (List<Integer> w : written) {
            if (w.contains(item)) {
                return true;
            }
        }
        return false;
    }

    /** The growing sequence: rows in arrival order, each lane's tokens placed through the policy. */
    private static final class Sequence {
        final PositionPolicy policy;
        final int[] placed;
        final List<int[]> rows = new ArrayList<>(); // token, position, lane, step, pass, target, choices
        int arrival;
        int pass;

        Sequence(PositionPolicy policy, int lanes) {
            this.policy = policy;
            this.placed = new int[lanes];
        }

        int add(int token, int position, int lane, int step) {
            rows.add(new int[] {token, position, lane, step, pass, -1, 0});
            return rows.size() - 1;
        }

        /** A lane token (header, generated, synthesis prompt): positioned by the policy. */
        int place(int lane, int token, int step) {
            return add(token, policy.position(lane, placed[lane]++, arrival++), lane, step);
        }

        void target(int row, int token, int choices) {
            rows.get(row)[5] = token;
            rows.get(row)[6] = choices;
        }

        Trace trace(VisibilityRule rule) {
            int t = rows.size();
            int[] tokens = new int[t];
            int[] positions = new int[t];
            Owner[] owners = new Owner[t];
            int[] passes = new int[t];
            int[] targets = new int[t];
            int[] choices = new int[t];
            for (int i = 0; i < t; i++) {
                int[] r = rows.get(i);
                tokens[i] = r[0];
                positions[i] = r[1];
                owners[i] = new Owner(0, r[2], r[3], i);
                passes[i] = r[4];
                targets[i] = r[5];
                choices[i] = r[6];
            }
            return new Trace(tokens, positions, owners, passes, targets, choices, rule);
        }
    }
}
