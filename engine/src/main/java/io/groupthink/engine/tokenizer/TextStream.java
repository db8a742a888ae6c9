package io.groupthink.engine.tokenizer;

import java.util.Arrays;

/**
 * Turns a growing list of token ids into text deltas with correct UTF-8.
 *
 * <p>Byte-fallback tokens carry single bytes of a character; decoding a prefix that ends inside a
 * character yields U+FFFD. The stream holds such a tail back until the character completes. A
 * context token is decoded in front, so decoders that strip a leading space (Llama's) don't eat
 * the first real space.
 */
public final class TextStream {

    private static final char REPLACEMENT = '\uFFFD';

    private final Tokenizer tokenizer;
    private final int[] context;
    private final String contextText;
    private int[] ids = new int[16];
    private int count;
    private int emitted; // chars of the decoded text already handed out
    private String decoded = ""; // text of the first decodedCount tokens
    private int decodedCount;

    /** @param contextId a token the text follows (the last prompt token), or -1 for none */
    public TextStream(Tokenizer tokenizer, int contextId) {
        this.tokenizer = tokenizer;
        this.context = contextId < 0 ? new int[0] : new int[] {contextId};
        this.contextText = tokenizer.decodeText(context);
    }

    /** Appends a token and returns the text that became final (possibly empty). */
    public String push(int id) {
        if (count == ids.length) {
            ids = Arrays.copyOf(ids, count * 2);
        }
        ids[count++] = id;
        String text = text();
        int stable = text.length();
        while (stable > emitted && text.charAt(stable - 1) == REPLACEMENT) {
            stable--; // an incomplete character: wait for its remaining bytes
        }
        if (stable > emitted && Character.isHighSurrogate(text.charAt(stable - 1))) {
            stable--;
        }
        String delta = stable > emitted ? text.substring(emitted, stable) : "";
        emitted = Math.max(emitted, stable);
        return delta;
    }

    /** The whole text so far, including any incomplete tail. */
    public String text() {
        if (decodedCount == count) {
            return decoded; // push() already decoded it: stop-string checks read it again each token
        }
        int[] all = new int[context.length + count];
        System.arraycopy(context, 0, all, 0, context.length);
        System.arraycopy(ids, 0, all, context.length, count);
        String full = tokenizer.decodeText(all);
        decoded = full.startsWith(contextText) ? full.substring(contextText.length()) : full;
        decodedCount = count;
        return decoded;
    }

    /** Whatever was held back, at the end of the stream. */
    public String flush() {
        String text = text();
        String rest = text.length() > emitted ? text.substring(emitted) : "";
        emitted = text.length();
        return rest;
    }

    public int[] ids() {
        return Arrays.copyOf(ids, count);
    }
}
