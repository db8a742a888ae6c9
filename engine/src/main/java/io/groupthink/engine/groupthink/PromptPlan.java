package io.groupthink.engine.groupthink;

import io.groupthink.engine.model.ChatTemplate;
import io.groupthink.engine.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The token ids a session starts from: the prompt every lane shares (stored once in the cache),
 * then per lane its private instructions and its header.
 *
 * <p>Each thinker's full prompt is rendered through the chat template on its own; the shared part
 * is the longest common token prefix, so the split is exact whatever the template does.
 */
public record PromptPlan(int[] shared, int[][] instructions, int[][] headers, int[] synthesis) {

    /** A raw prompt for one lane with no instructions or header: plain generation. */
    public static PromptPlan plain(int[] promptIds) {
        return new PromptPlan(promptIds, new int[][] {{}}, new int[][] {{}}, new int[0]);
    }

    public int lanes() {
        return instructions.length;
    }

    /** Tokens before the first lane token: the shared prompt plus the longest instructions. */
    public int base() {
        int max = 0;
        for (int[] s : instructions) {
            max = Math.max(max, s.length);
        }
        return shared.length + max;
    }

    public int maxHeader() {
        int max = 0;
        for (int[] h : headers) {
            max = Math.max(max, h.length);
        }
        return max;
    }

    public static PromptPlan build(Tokenizer tokenizer, ChatTemplate chat, PromptTemplate words, String question,
            Mode mode, int thinkers, List<String> roles, boolean synthesize) {
        return build(tokenizer, chat, words, question, mode, thinkers, roles, synthesize, ChatTemplate.Variables.NONE);
    }

    /** @param variables enable_thinking, tools, documents and the date the chat template gets */
    public static PromptPlan build(Tokenizer tokenizer, ChatTemplate chat, PromptTemplate words, String question,
            Mode mode, int thinkers, List<String> roles, boolean synthesize, ChatTemplate.Variables variables) {
        List<int[]> full = new ArrayList<>();
        int[][] headers = new int[thinkers][];
        for (int n = 0; n < thinkers; n++) {
            int id = n + 1;
            String role = roles != null && n < roles.size() ? roles.get(n) : null;
            String system = words.fill(mode == Mode.GROUP_THINK ? words.groupSystem() : words.soloSystem(), thinkers,
                    id, question, role);
            String user = words.fill(words.user(), thinkers, id, question, role);
            String text = chat.render(List.of(new ChatTemplate.Message("system", system),
                    new ChatTemplate.Message("user", user)), true, variables);
            full.add(tokenizer.encode(text, !chat.rendersBos()));
            headers[n] = tokenizer.encode(words.fill(words.header(), thinkers, id, question, role), false);
        }
        int common = full.get(0).length;
        for (int[] ids : full) {
            int i = 0;
            while (i < common && i < ids.length && ids[i] == full.get(0)[i]) {
                i++;
            }
            common = i;
        }
        if (thinkers > 1 && common == full.get(0).length) {
            common--; // keep at least one private token per lane; it holds the thinker's id
        }
        int[] shared = Arrays.copyOf(full.get(0), common);
        int[][] instructions = new int[thinkers][];
        for (int n = 0; n < thinkers; n++) {
            instructions[n] = Arrays.copyOfRange(full.get(n), common, full.get(n).length);
        }
        int[] synthesis = synthesize ? tokenizer.encode(words.synthesis(), false) : new int[0];
        return new PromptPlan(shared, instructions, headers, synthesis);
    }
}
