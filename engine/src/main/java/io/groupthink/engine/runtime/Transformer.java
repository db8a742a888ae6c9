package io.groupthink.engine.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.groupthink.engine.model.ModelConfig;
import io.groupthink.engine.model.Weights;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The forward pass, in llama2.c order: embed, then per layer rms_norm, qkv, (q/k norm), rope,
 * attention over the cache, output projection, residual, rms_norm, swiglu, residual; then the
 * final norm and the head for the rows that sample.
 *
 * <p>Every temporary lives in a per-call sub-manager that is closed before returning, so a step
 * frees what it allocated. Not thread-safe: one thread drives a Transformer.
 */
public final class Transformer implements AutoCloseable {

    private final ModelConfig c;
    private final Weights w;
    private final NDManager manager; // long-lived: rope tables, operators
    private final LayerOps[] layers;
    private final Linear head;
    private final RmsNorm finalNorm;
    private final NDArray cosTable; // [maxPositions, headDim], halves repeated for rotate_half
    private final NDArray sinTable; // [maxPositions, headDim]
    private final NDArray rotateHalf; // [headDim, headDim]: x @ R = cat(-x2, x1)
    private final float[] cosRows; // the same tables on the heap, for the decode path
    private final float[] sinRows;
    private final boolean onHeap; // every product is a heap kernel: small batches skip LibTorch entirely
    private final HeapLinear embedRows; // a tied head's packed weight serves lookups, or null
    private final LinearFactory linears; // this model's own: its kernel threads close with it
    private final AtomicReference<RunState> spare = new AtomicReference<>(); // the last heap pass's buffers

    /** The linear operators of one layer and the norms before them (qNorm, kNorm: Qwen3 only, else null). */
    private record LayerOps(RmsNorm attnNorm, Linear qkv, RmsNorm qNorm, RmsNorm kNorm, Linear o, RmsNorm mlpNorm,
            Linear gateUp, Linear down) {}

    public Transformer(ModelConfig config, Weights weights, NDManager parent, LinearFactory shared) {
        LinearFactory linears = shared.forModel();
        this.linears = linears;
        this.c = config;
        this.w = weights;
        this.manager = parent.newSubManager();
        this.layers = new LayerOps[c.numLayers()];
        try {
            double eps = c.rmsNormEps();
            for (int l = 0; l < layers.length; l++) {
                Weights.Layer lw = w.layers[l];
                layers[l] = new LayerOps(RmsNorm.of(lw.attnNorm(), eps), take(linears, lw.wqkv(), lw.bqkv()),
                        lw.qNorm() == null ? null : RmsNorm.of(lw.qNorm(), eps),
                        lw.kNorm() == null ? null : RmsNorm.of(lw.kNorm(), eps), take(linears, lw.wo(), null),
                        RmsNorm.of(lw.mlpNorm(), eps), take(linears, lw.wGateUp(), null), take(linears, lw.wDown(), null));
            }
            this.finalNorm = RmsNorm.of(w.finalNorm, eps);
            boolean tied = w.lmHead == w.embed;
            this.head = linears.createHead(w.lmHead);
            if (head.ownsWeights()) {
                // The packed copy is now the only one needed: a tied head also serves embedding lookups.
                this.embedRows = tied && head instanceof HeapLinear h ? h : null;
                if (!tied || embedRows != null) {
                    w.lmHead.close();
                }
            } else {
                this.embedRows = null;
            }
            float[][] tables = Rope.tables(c);
            this.cosRows = tables[0];
            this.sinRows = tables[1];
            boolean heap = head instanceof HeapLinear;
            for (LayerOps ops : layers) {
                heap &= ops.qkv() instanceof HeapLinear && ops.o() instanceof HeapLinear
                        && ops.gateUp() instanceof HeapLinear && ops.down() instanceof HeapLinear;
            }
            this.onHeap = heap;
            int hd = c.headDim();
            this.cosTable = manager.create(tables[0], new Shape(c.maxPositions(), hd));
            this.sinTable = manager.create(tables[1], new Shape(c.maxPositions(), hd));
            this.rotateHalf = manager.create(Rope.rotateHalfMatrix(hd), new Shape(hd, hd));
        } catch (RuntimeException | Error e) {
            linears.close(); // the operators built so far live on the heap; the kernel threads do not
            manager.close();
            throw e;
        }
    }

    /** Builds an operator; when it copied the weight, the original is freed so it is not held twice. */
    private static Linear take(LinearFactory linears, NDArray weight, NDArray bias) {
        Linear op = linears.create(weight, bias);
        if (op.ownsWeights()) {
            weight.close();
            if (bias != null) {
                bias.close();
            }
        }
        return op;
    }

    public ModelConfig config() {
        return c;
    }

    /** Bytes of weights one decode step streams through the products, as the operators hold them. */
    public long weightBytesPerStep() {
        long n = head.weightBytes();
        for (LayerOps ops : layers) {
            n += ops.qkv().weightBytes() + ops.o().weightBytes() + ops.gateUp().weightBytes() + ops.down().weightBytes();
        }
        return n;
    }

    /**
     * Runs one batch: appends its K/V to {@code cache} and returns logits indexed by batch row:
     * a float[vocab] for each of {@link Batch#logitRows()}, null for the other rows. The mask comes
     * from the visibility rules the batch carries.
     */
    public float[][] forward(Batch batch, KvCache cache) {
        return forward(batch, cache, null);
    }

    /**
     * {@link #forward(Batch, KvCache)}, and into argmax[row] (if not null, one entry a batch row)
     * the index of that row's largest logit, the first of equals, where the pass found it while the
     * logits were in cache (the heap path's head), else -1 (also for a row holding a NaN): a greedy
     * pick then need not read 600 KB of logits back from memory.
     */
    public float[][] forward(Batch batch, KvCache cache, int[] argmax) {
        return forward(batch, cache, argmax, null);
    }

    /**
     * {@link #forward(Batch, KvCache, int[])}, the heap path writing the logits into {@code kept}'s
     * arrays (if not null): the rows returned are valid until the next pass given the same buffers.
     */
    public float[][] forward(Batch batch, KvCache cache, int[] argmax, LogitBuffers kept) {
        int t = batch.size();
        if (argmax != null) {
            java.util.Arrays.fill(argmax, 0, t, -1);
        }
        if (t == 0) {
            return new float[0][];
        }
        long[] positions = batch.positionArray();
        for (int i = 0; i < t; i++) {
            if (positions[i] < 0 || positions[i] >= c.maxPositions()) {
                throw new IllegalArgumentException("position " + positions[i] + " of row " + i
                        + " is outside the model's context [0, " + c.maxPositions() + ")");
            }
        }
        int start = cache.reserve(batch);
        int keys = start + t;
        List<AttentionGroup> groups = attentionGroups(batch, cache, keys, batch.mask());
        if (onHeap && (t <= HEAP_ROWS || onlyEarlierKeys(groups, start, t))) {
            if (!HeapLinear.PROFILE) {
                return forwardOnHeap(batch, positions, groups, cache, start, argmax, kept);
            }
            long t0 = System.nanoTime();
            long p0 = HeapLinear.PRODUCT_NANOS.sum();
            float[][] logits = forwardOnHeap(batch, positions, groups, cache, start, argmax, kept);
            recordPass(t, System.nanoTime() - t0, HeapLinear.PRODUCT_NANOS.sum() - p0);
            return logits;
        }
        try (NDManager step = manager.newSubManager()) {
            NDArray ids = step.create(batch.tokenArray());
            NDArray pos = step.create(positions);
            NDArray cos = cosTable.get(step, new NDIndex("{}", pos)).expandDims(1); // [T, 1, hd]
            NDArray sin = sinTable.get(step, new NDIndex("{}", pos)).expandDims(1);

            NDArray x = embed(step, batch.tokenArray(), ids); // [T, dim]
            for (int l = 0; l < layers.length; l++) {
                x = block(l, x, cos, sin, groups, cache, start, keys, step);
            }
            int[] rows = batch.logitRows();
            if (rows.length == 0) {
                return new float[t][];
            }
            NDArray picked = rows.length == t ? x : x.get(new NDIndex("{}", step.create(rows)));
            return byRow(t, rows, head.applyToArray(picked, finalNorm));
        }
    }

    /** The last heap passes under -Dgroupthink.kernel.profile=true: {rows, nanos, of them in products}. */
    private static final java.util.ArrayDeque<long[]> PASSES = new java.util.ArrayDeque<>();

    private static void recordPass(int rows, long nanos, long productNanos) {
        synchronized (PASSES) {
            if (PASSES.size() == 100_000) {
                PASSES.removeFirst();
            }
            PASSES.addLast(new long[] {rows, nanos, productNanos});
        }
    }

    /**
     * Takes the heap passes recorded since the last call, each {rows, nanos, of them in products}
     * (benchmarks/ProfileStep: a pass's time outside its products, free of the products' noise).
     * The product time comes from the kernel's one process-wide counter, so it is a pass's own only
     * while one model runs.
     */
    public static List<long[]> takePassProfile() {
        synchronized (PASSES) {
            List<long[]> taken = new ArrayList<>(PASSES);
            PASSES.clear();
            return taken;
        }
    }

    /** Logits [R, vocab] of the rows that asked for them, indexed by batch row. */
    private float[][] byRow(int t, int[] rows, float[] flat) {
        return scatter(new float[t][], rows, flat, null);
    }

    /** out[rows[r]] = row r of the logits [R, vocab], in kept's arrays if it is not null; returns out. */
    private float[][] scatter(float[][] out, int[] rows, float[] flat, LogitBuffers kept) {
        int vocab = c.vocabSize();
        if (rows.length == 1 && flat.length == vocab) {
            out[rows[0]] = flat; // a single stream's logits as the head wrote them: no 600 KB copy a step
            return out;
        }
        for (int r = 0; r < rows.length; r++) {
            out[rows[r]] = kept == null ? new float[vocab] : kept.row(rows[r], vocab);
            System.arraycopy(flat, r * vocab, out[rows[r]], 0, vocab);
        }
        return out;
    }

    /**
     * Batches of at most this many rows run on the Java heap when every product is a heap kernel:
     * RoPE, the cache writes, attention and residuals are a few microseconds of Java each, where
     * each LibTorch call costs about 5 µs of overhead, and a decode step makes hundreds. A longer
     * batch (a long prompt) runs there too, this many rows at a time, when no row sees a key of a
     * later chunk. Measured on a 64-token Q8_0 prompt: median prefill about 290 ms in one 64-row
     * step against about 420 through LibTorch; 16-row chunks were 7-24% faster than LibTorch at
     * 64 tokens and slower at 512 (BENCHMARKS.md, fourth session).
     */
    static final int HEAP_ROWS = 64;

    /**
     * Whether every row sees only keys of its own or earlier chunks of HEAP_ROWS rows: a prompt
     * does; a Group Think step of more rows, whose tokens see same-step tokens of later rows, may not.
     */
    private static boolean onlyEarlierKeys(List<AttentionGroup> groups, int start, int t) {
        for (AttentionGroup g : groups) {
            for (int r = g.row0(); r < g.row1(); r++) {
                int limit = start + Math.min(t, (r / HEAP_ROWS + 1) * HEAP_ROWS); // first slot of the next chunk
                int m = (r - g.row0()) * g.keys();
                for (int k = 0; k < g.keys(); k++) {
                    if (g.mask()[m + k] == 0f && (g.slots() == null ? k : g.slots()[k]) >= limit) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /**
     * The forward pass on the heap, in llama2.c's order, HEAP_ROWS rows at a time (each chunk
     * writes its keys before the next one's attention reads them); x is [T, dim] row-major.
     */
    private float[][] forwardOnHeap(Batch batch, long[] positions, List<AttentionGroup> groups, KvCache cache,
            int start, int[] argmax, LogitBuffers kept) {
        int t = batch.size();
        int[] tokens = batch.tokenArray();
        int[] wanted = batch.logitRows();
        float[][] logits = new float[t][];
        RunState s = null;
        for (int r0 = 0; r0 < t; r0 += HEAP_ROWS) {
            int r1 = Math.min(t, r0 + HEAP_ROWS);
            s = runState(s, r1 - r0);
            List<AttentionGroup> chunk = r0 == 0 && r1 == t ? groups : rows(groups, r0, r1, start);
            float[] x = embedOnHeap(java.util.Arrays.copyOfRange(tokens, r0, r1));
            long[] pos = java.util.Arrays.copyOfRange(positions, r0, r1);
            List<HeapAttention.Visible> seen = visible(chunk, s);
            for (int l = 0; l < layers.length; l++) {
                blockOnHeap(l, x, s, pos, chunk, seen, cache, start + r0);
            }
            int from = r0;
            int to = r1;
            int[] rows = java.util.Arrays.stream(wanted).filter(r -> r >= from && r < to).toArray();
            if (rows.length > 0) {
                headOnHeap(x, rows, r0, logits, argmax, kept);
            }
        }
        spare.set(s);
        return logits;
    }

    /**
     * The heap pass's buffers for {@code rows} rows, as llama2.c's RunState: kept from pass to pass
     * and used by every layer, so a decode step works in memory that is already in cache. Arrays
     * allocated afresh for each layer's intermediates were most of the 3.4 MB a step a single stream
     * allocated, each new line a miss to memory while the weights stream past (BENCHMARKS.md,
     * eleventh session). A pass on another thread meanwhile finds none spare and makes its own.
     */
    private static final class RunState {
        final int rows;
        final float[] xb; // rms_norm(x), the products' input [rows, dim]
        final float[] qkv; // [rows, qDim + 2 kvDim]
        final float[] q; // [rows, qDim]
        final float[] k; // [rows, kvDim]
        final float[] att; // attention's output [rows, qDim]
        final float[] xb2; // o's and down's products [rows, dim]
        final float[] gateUp; // [rows, 2 ffn]
        final float[] hb; // silu(gate) * up [rows, ffn]
        float[][] scores = new float[0][]; // each attention task's scores, grown with the keys

        RunState(ModelConfig c, LayerOps ops, int rows) {
            this.rows = rows;
            xb = new float[rows * c.hiddenSize()];
            qkv = new float[rows * ops.qkv().out()];
            q = new float[rows * c.qDim()];
            k = new float[rows * c.kvDim()];
            att = new float[rows * c.qDim()];
            xb2 = new float[rows * c.hiddenSize()];
            gateUp = new float[rows * ops.gateUp().out()];
            hb = new float[rows * ops.down().in()];
        }
    }

    /**
     * The keys each group's rows see, for every layer of the pass, and room in s for the scores of
     * each attention task (a group's KV head).
     */
    private List<HeapAttention.Visible> visible(List<AttentionGroup> groups, RunState s) {
        List<HeapAttention.Visible> seen = new ArrayList<>(groups.size());
        int longest = 0;
        for (AttentionGroup g : groups) {
            HeapAttention.Visible v = new HeapAttention.Visible(g.mask(), g.row1() - g.row0(), g.slots(), c.kvDim());
            seen.add(v);
            longest = Math.max(longest, v.scoresLength(c));
        }
        int tasks = groups.size() * c.numKvHeads();
        if (s.scores.length < tasks) {
            s.scores = java.util.Arrays.copyOf(s.scores, tasks);
        }
        for (int i = 0; i < tasks; i++) {
            if (s.scores[i] == null || s.scores[i].length < longest) {
                s.scores[i] = new float[longest + longest / 4]; // room for the keys of the next steps
            }
        }
        return seen;
    }

    /** {@code current} if it is for {@code rows} rows, else the spare one if it is, else new buffers. */
    private RunState runState(RunState current, int rows) {
        RunState s = current != null ? current : spare.getAndSet(null);
        return s != null && s.rows == rows ? s : new RunState(c, layers[0], rows);
    }

    /** Rows [r0, r1) of the attention groups, renumbered from 0, over the keys written by then. */
    private static List<AttentionGroup> rows(List<AttentionGroup> groups, int r0, int r1, int start) {
        List<AttentionGroup> out = new ArrayList<>();
        for (AttentionGroup g : groups) {
            int a = Math.max(g.row0(), r0);
            int b = Math.min(g.row1(), r1);
            if (a >= b) {
                continue;
            }
            // the keys written by the end of this chunk: a prefix (lent and earlier slots, then the
            // batch's own, which are contiguous from start)
            int n = 0;
            while (n < g.keys() && (g.slots() == null ? n : g.slots()[n]) < start + r1) {
                n++;
            }
            float[] mask = new float[(b - a) * n];
            for (int r = a; r < b; r++) {
                System.arraycopy(g.mask(), (r - g.row0()) * g.keys(), mask, (r - a) * n, n);
            }
            int[] slots = g.slots() == null ? null : java.util.Arrays.copyOf(g.slots(), n);
            out.add(new AttentionGroup(a - r0, b - r0, slots, mask, n));
        }
        return out;
    }

    private float[] embedOnHeap(int[] tokens) {
        int d = c.hiddenSize();
        if (embedRows == null) {
            try (NDManager step = manager.newSubManager()) {
                return w.embed.get(step, new NDIndex("{}", step.create(tokens))).toFloatArray();
            }
        }
        float[] x = new float[tokens.length * d];
        for (int r = 0; r < tokens.length; r++) {
            embedRows.row(tokens[r], x, r * d);
        }
        return x;
    }

    /**
     * The head's logits of the chunk's rows (batch rows, the chunk starting at row r0) into
     * logits, in kept's arrays if it is not null, and their largest into argmax if it is not null.
     */
    private void headOnHeap(float[] x, int[] rows, int r0, float[][] logits, int[] argmax, LogitBuffers kept) {
        int d = c.hiddenSize();
        int vocab = head.out();
        float[] picked = new float[rows.length * d];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(x, (rows[r] - r0) * d, picked, r * d, d);
        }
        finalNorm.applyInPlace(picked, rows.length);
        // handed out with the logits, so not a RunState buffer: the caller's, or new
        float[] y = kept == null ? new float[rows.length * vocab]
                : rows.length == 1 ? kept.row(rows[0], vocab) : kept.flat(rows.length, vocab);
        int[] best = argmax == null ? null : new int[rows.length];
        ((HeapLinear) head).multiply(picked, rows.length, y, best);
        scatter(logits, rows, y, kept);
        for (int r = 0; best != null && r < rows.length; r++) {
            argmax[rows[r]] = best[r];
        }
    }

    /** One transformer block on the heap, as run.c's forward: updates x [T, dim] in place, through s's buffers. */
    private void blockOnHeap(int l, float[] x, RunState s, long[] positions, List<AttentionGroup> groups,
            List<HeapAttention.Visible> seen, KvCache cache, int start) {
        LayerOps ops = layers[l];
        int t = s.rows;
        int qDim = c.qDim();
        int kvDim = c.kvDim();
        int width = qDim + 2 * kvDim;

        // attention
        ops.attnNorm().apply(x, t, s.xb);
        ((HeapLinear) ops.qkv()).multiply(s.xb, t, s.qkv); // [T, qDim + 2 kvDim]
        float[] q = s.q;
        float[] k = s.k;
        float[] values = cache.valueArray(l);
        for (int r = 0; r < t; r++) {
            System.arraycopy(s.qkv, r * width, q, r * qDim, qDim);
            System.arraycopy(s.qkv, r * width + qDim, k, r * kvDim, kvDim);
            System.arraycopy(s.qkv, r * width + qDim + kvDim, values, (start + r) * kvDim, kvDim);
        }
        if (ops.qNorm() != null) {
            ops.qNorm().applyInPlace(q, t * c.numHeads());
            ops.kNorm().applyInPlace(k, t * c.numKvHeads());
        }
        HeapAttention.rope(q, t, c.numHeads(), c.headDim(), positions, cosRows, sinRows);
        HeapAttention.rope(k, t, c.numKvHeads(), c.headDim(), positions, cosRows, sinRows);
        cache.putKeys(l, start, k, t);
        float[] att = s.att;
        int kvHeads = c.numKvHeads();
        Runnable[] heads = new Runnable[groups.size() * kvHeads]; // each writes its own heads' rows of att
        for (int i = 0; i < heads.length; i++) {
            AttentionGroup g = groups.get(i / kvHeads);
            HeapAttention.Visible keys = seen.get(i / kvHeads);
            float[] scores = s.scores[i];
            int kvHead = i % kvHeads;
            heads[i] = () -> HeapAttention.attend(c, q, att, g.row0(), keys, scores, cache, l, kvHead);
        }
        ((HeapLinear) head).invoke(heads);
        ((HeapLinear) ops.o()).multiply(att, t, s.xb2);
        HeapAttention.addInPlace(x, s.xb2);

        // feed-forward
        ops.mlpNorm().apply(x, t, s.xb);
        ((HeapLinear) ops.gateUp()).multiplySwiGlu(s.xb, t, s.gateUp, s.hb); // silu(gate) * up, [T, ffn]
        ((HeapLinear) ops.down()).multiply(s.hb, t, s.xb2);
        HeapAttention.addInPlace(x, s.xb2);
    }

    private NDArray embed(NDManager step, int[] tokens, NDArray ids) {
        if (embedRows == null) {
            return w.embed.get(step, new NDIndex("{}", ids));
        }
        int d = c.hiddenSize();
        float[] rows = new float[tokens.length * d];
        for (int i = 0; i < tokens.length; i++) {
            embedRows.row(tokens[i], rows, i * d);
        }
        return step.create(rows, new Shape(tokens.length, d));
    }

    /** One transformer block; x is [T, dim]. */
    private NDArray block(int l, NDArray x, NDArray cos, NDArray sin, List<AttentionGroup> groups, KvCache cache,
            int start,
            int keys, NDManager step) {
        LayerOps ops = layers[l];
        long t = x.getShape().get(0);
        int hd = c.headDim();

        // attention
        NDArray qkv = ops.qkv().apply(x, ops.attnNorm()); // rms_norm, then [T, qDim + 2 kvDim]
        NDList parts = qkv.split(new long[] {c.qDim(), c.qDim() + c.kvDim()}, 1);
        NDArray q = parts.get(0).reshape(t, c.numHeads(), hd);
        NDArray k = parts.get(1).reshape(t, c.numKvHeads(), hd);
        NDArray v = parts.get(2).reshape(t, c.numKvHeads(), hd);
        if (ops.qNorm() != null) {
            q = ops.qNorm().apply(q);
            k = ops.kNorm().apply(k);
        }
        q = rope(q, cos, sin);
        k = rope(k, cos, sin);
        cache.write(l, start, k.transpose(1, 0, 2), v.transpose(1, 0, 2));
        NDArray att = attend(l, q, groups, cache, keys, step);
        x = x.add(ops.o().apply(att));

        // feed-forward
        NDArray hidden = ops.gateUp().applySwiGlu(x, ops.mlpNorm()); // rms_norm, then silu(gate) * up, [T, ffn]
        return x.add(ops.down().apply(hidden));
    }

    /**
     * Which keys a run of batch rows attends over. One session alone in the cache attends over
     * the whole prefix. When sessions share the cache, each session gathers only its own slots,
     * so attention work grows with its own tokens, not with every session's.
     *
     * @param slots the session's cache slots (null: the whole prefix [0, keys))
     * @param mask  [rows, keys of this group] row-major, 0 or -inf
     */
    private record AttentionGroup(int row0, int row1, int[] slots, float[] mask, int keys) {}

    private static List<AttentionGroup> attentionGroups(Batch batch, KvCache cache, int keys, AttentionMask op) {
        Owner[] owners = cache.ownerSlots();
        long first = owners[0].session();
        boolean oneSession = !cache.lends();
        for (int i = 1; i < keys && oneSession; i++) {
            oneSession = owners[i].session() == first;
        }
        Owner[] queries = batch.owners().toArray(new Owner[0]);
        List<AttentionGroup> groups = new ArrayList<>();
        if (oneSession) {
            float[] mask = op.build(queries, owners, keys);
            groups.add(new AttentionGroup(0, queries.length, null, mask, keys));
            return groups;
        }
        int row0 = 0;
        while (row0 < queries.length) {
            long session = queries[row0].session();
            int row1 = row0;
            while (row1 < queries.length && queries[row1].session() == session) {
                row1++;
            }
            // slots lent by another session hold this session's first prompt tokens, so they
            // are seen as its own shared prompt, in prompt order
            int[] lent = cache.borrowed(session);
            int borrowed = lent == null ? 0 : lent.length;
            int[] slots = new int[borrowed + keys];
            Owner[] own = new Owner[borrowed + keys];
            int n = 0;
            for (; n < borrowed; n++) {
                slots[n] = lent[n];
                own[n] = new Owner(session, Owner.SHARED, Owner.PROMPT, n);
            }
            for (int i = 0; i < keys; i++) {
                if (owners[i].session() == session) {
                    own[n] = owners[i];
                    slots[n++] = i;
                }
            }
            own = java.util.Arrays.copyOf(own, n);
            float[] mask = op.build(java.util.Arrays.copyOfRange(queries, row0, row1), own, n);
            groups.add(new AttentionGroup(row0, row1, java.util.Arrays.copyOf(slots, n), mask, n));
            row0 = row1;
        }
        return groups;
    }

    /** Attention of q [T, H, hd] over each group's keys; returns [T, H*hd] in row order. */
    private NDArray attend(int layer, NDArray q, List<AttentionGroup> groups, KvCache cache, int keys,
            NDManager step) {
        if (groups.size() == 1 && groups.get(0).slots() == null) {
            AttentionGroup g = groups.get(0);
            return attention(q, cache.keys(layer, step, keys), cache.values(layer, step, keys), mask(g, step));
        }
        NDList parts = new NDList();
        for (AttentionGroup g : groups) {
            NDArray qg = groups.size() == 1 ? q : q.get(new NDIndex("{}:{}", g.row0(), g.row1()));
            parts.add(attention(qg, cache.gatherKeys(layer, step, g.slots()), cache.gatherValues(layer, step, g.slots()),
                    mask(g, step)));
        }
        return parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 0);
    }

    private static NDArray mask(AttentionGroup g, NDManager step) {
        return step.create(g.mask(), new Shape(g.row1() - g.row0(), g.keys()));
    }

    /** Hugging Face rotate-half RoPE: x cos + rotate_half(x) sin; x is [T, heads, hd]. */
    private NDArray rope(NDArray x, NDArray cos, NDArray sin) {
        return x.mul(cos).add(x.matMul(rotateHalf).mul(sin));
    }

    /**
     * Grouped-query attention without repeating K/V: the G query heads of a KV head are stacked
     * as rows of one product. q [T, H, hd], keys/values [kvH, L, hd], mask [T, L]; returns [T, H*hd].
     */
    private NDArray attention(NDArray q, NDArray keys, NDArray values, NDArray mask) {
        long t = q.getShape().get(0);
        int kvh = c.numKvHeads();
        int g = c.groupSize();
        int hd = c.headDim();
        long l = keys.getShape().get(1);
        NDArray qg = q.reshape(t, kvh, g, hd).transpose(1, 2, 0, 3).reshape(kvh, g * t, hd);
        NDArray scores = qg.matMul(keys.transpose(0, 2, 1)).mul(1.0 / Math.sqrt(hd)); // [kvH, G*T, L]
        NDArray probs = scores.reshape(kvh, g, t, l).add(mask).softmax(-1).reshape(kvh, g * t, l);
        NDArray out = probs.matMul(values); // [kvH, G*T, hd]
        return out.reshape(kvh, g, t, hd).transpose(2, 0, 1, 3).reshape(t, (long) c.numHeads() * hd);
    }

    @Override
    public void close() {
        for (LayerOps ops : layers) {
            ops.qkv().close();
            ops.o().close();
            ops.gateUp().close();
            ops.down().close();
        }
        head.close();
        linears.close();
        manager.close();
    }
}
