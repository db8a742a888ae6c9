package io.groupthink.engine.tokenizer;

import java.util.Arrays;

/**
 * Turns a growing list of token ids into text deltas with correct UTF-8.
 *
 * <p>Byte-fallback tokens carry single bytes of a character; decoding a prefix that ends inside a
 * character yields U+FFFD. The stream holds such a tail back until the character completes. A
 * context token is decoded in front, so decoders that strip a leading space (Llama's) don't eat
 * the first real space.
 *
 * <p>Each push decodes only the tokens since the text last ended on a whole character, behind the
 * token before them as context: decoding the whole lane at every token cost about 0.7 ms a push at
 * 1,024 tokens and 1.4 ms at 2,048, on the engine thread, for each thinker (BENCHMARKS.md). Where
 * the decoder is not piecewise (the context's own text is not a prefix of the window's, or the
 * context decodes to an incomplete character or to nothing), the stream decodes everything.
 */
public final class TextStream {

    private static final char REPLACEMENT = '\uFFFD';
    private static final int[] NONE = new int[0];

    private final Tokenizer tokenizer;
    private final int[] context;
    private final String contextText;
    private int[] ids = new int[16];
    private int count;
    private int emitted; // chars of the decoded text already handed out
    private String decoded = ""; // text of the first decodedCount tokens
    private int decodedCount;
    private String settled = ""; // text of the first `anchor` tokens, which ends on a whole character
    private int anchor;
    private int[] windowContext; // the token decoded in front of the window, and its own text
    private String windowContextText;
    private long idsDecoded; // for tests: tokens passed to the decoder so far

    /** @param contextId a token the text follows (the last prompt token), or -1 for none */
    public TextStream(Tokenizer tokenizer, int contextId) {
        this.tokenizer = tokenizer;
        this.context = contextId < 0 ? NONE : new int[] {contextId};
        this.contextText = decode(context, NONE, 0, 0);
        this.windowContext = context;
        this.windowContextText = contextText;
    }

    /** Appends a token and returns the text that became final (possibly empty). */
    public String push(int id) {
        add(id);
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

    /**
     * Appends a token without decoding it: for a reader of the whole text only, the next
     * {@link #text()} decodes every token added since in one call. A session nobody streams and no
     * stop string watches needs its text once, at the end; decoding it token by token took 84-113 µs
     * a step on the engine thread at one thinker (BENCHMARKS.md, twelfth session).
     */
    public void add(int id) {
        if (count == ids.length) {
            ids = Arrays.copyOf(ids, count * 2);
        }
        ids[count++] = id;
    }

    /** The whole text so far, including any incomplete tail. */
    public String text() {
        if (decodedCount == count) {
            return decoded; // push() already decoded it: stop-string checks read it again each token
        }
        String window = decode(windowContext, ids, anchor, count);
        String text;
        if (window.startsWith(windowContextText)) {
            text = settled + window.substring(windowContextText.length());
        } else { // the decoder joins pieces in a way the window cannot see: decode it all
            String full = decode(context, ids, 0, count);
            text = full.startsWith(contextText) ? full.substring(contextText.length()) : full;
        }
        decoded = text;
        decodedCount = count;
        if (endsWhole(text)) {
            // The next window starts here, behind this token, if its text stands alone: not part of
            // a character, and not empty (a skipped special token would let a decoder that strips
            // the text's leading space strip the window's instead).
            int[] last = {ids[count - 1]};
            String lastText = decode(last, NONE, 0, 0);
            if (!lastText.isEmpty() && lastText.indexOf(REPLACEMENT) < 0) {
                settled = text;
                anchor = count;
                windowContext = last;
                windowContextText = lastText;
            }
        }
        return text;
    }

    /** Whether the text ends on a whole character (no held-back bytes or half surrogate pair). */
    private static boolean endsWhole(String text) {
        if (text.isEmpty()) {
            return true;
        }
        char c = text.charAt(text.length() - 1);
        return c != REPLACEMENT && !Character.isHighSurrogate(c);
    }

    /** The text of {@code front} followed by ids[from, to). */
    private String decode(int[] front, int[] ids, int from, int to) {
        if (front.length + to - from == 0) {
            return "";
        }
        int[] all = new int[front.length + to - from];
        System.arraycopy(front, 0, all, 0, front.length);
        System.arraycopy(ids, from, all, front.length, to - from);
        idsDecoded += all.length;
        return tokenizer.decodeText(all);
    }

    /** Tokens passed to the decoder so far: a test's measure of how much each push re-decodes. */
    long idsDecoded() {
        return idsDecoded;
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
