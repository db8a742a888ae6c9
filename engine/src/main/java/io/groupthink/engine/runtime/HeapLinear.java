package io.groupthink.engine.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.concurrent.atomic.AtomicLongArray;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * What the few-row kernels share, whatever their weight format: products computed on the Java
 * heap over column blocks of {@link #L} outputs, split over the model's kernel threads, with the
 * input norm, bias and SwiGLU applied on the way in and out. A subclass holds the weights in its
 * format and multiplies column blocks.
 */
abstract sealed class HeapLinear implements Linear permits VectorLinear, BlockLinear {

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();

    static {
        JitDirectives.install(); // before any tile is compiled
    }

    final int in;
    final int out;
    final int blocks; // column blocks of L outputs, the last one padded
    private final float[] bias; // [out] or null
    private final SpinPool pool;
    private final int parts;

    HeapLinear(int in, int out, float[] bias, SpinPool pool, int parts) {
        this.in = in;
        this.out = out;
        this.blocks = (out + L - 1) / L;
        this.bias = bias;
        this.pool = pool;
        this.parts = Math.max(1, parts);
    }

    /** Column blocks [b0, b1) of y for rows of x (rows a multiple of the tile {@link #tiledRows} gives). */
    abstract void range(float[] x, float[] xt, int rows, float[] y, int b0, int b1);

    /** Whether products of this many rows split into {@link #passes}. */
    boolean inPasses(int rows) {
        return false;
    }

    /**
     * Passes [b0, b1) splits into (at a row count {@link #inPasses} allows): sets of column blocks,
     * at most four, that one thread computes, in any order, each block as {@link #range} would.
     */
    int passes(int rows, int b0, int b1) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no passes");
    }

    /** What every pass of a product reads besides x, computed from x once (or null). */
    float[] passInput(float[] x, int rows) {
        return null;
    }

    /** Pass i of [b0, b1) (see {@link #passes}); its column blocks into blocks, returning how many. */
    int pass(float[] x, float[] input, int rows, float[] y, int b0, int b1, int i, int[] blocks) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no passes");
    }

    /** The rows a product runs as: a few zero rows complete the last register tile. */
    abstract int tiledRows(int rows);

    /** Rows as full 8-row tiles and a last tile of up to {@code asIs} rows, or 4, or 8. */
    static int padded(int rows, int asIs) {
        int rest = rows % 8;
        int pad = rest <= asIs ? rest : rest <= 4 ? 4 : 8;
        return rows - rest + pad;
    }

    /** Row {@code o} of W as the kernel holds it (embedding lookups on a tied head whose only copy is here). */
    abstract void row(int o, float[] dst, int offset);

    @Override
    public NDArray apply(NDArray x) {
        int rows = (int) x.getShape().get(0);
        return x.getManager().create(multiply(x.toFloatArray(), rows), new Shape(rows, out));
    }

    @Override
    public NDArray apply(NDArray x, RmsNorm norm) {
        int rows = (int) x.getShape().get(0);
        return x.getManager().create(multiply(normed(x, norm), rows), new Shape(rows, out));
    }

    /** Skips the round trip through native memory: the product is computed on the Java heap. */
    @Override
    public float[] applyToArray(NDArray x, RmsNorm norm) {
        return multiply(normed(x, norm), (int) x.getShape().get(0));
    }

    /** silu(gate) * up on the Java heap (vectorised exp), so only [rows, out / 2] goes back to native memory. */
    @Override
    public NDArray applySwiGlu(NDArray x, RmsNorm norm) {
        int rows = (int) x.getShape().get(0);
        return x.getManager().create(multiplySwiGlu(normed(x, norm), rows), new Shape(rows, out / 2));
    }

    /** x copied out of native memory, normalised on the way. */
    private static float[] normed(NDArray x, RmsNorm norm) {
        float[] xs = x.toFloatArray();
        norm.applyInPlace(xs, (int) x.getShape().get(0));
        return xs;
    }

    /**
     * silu(g) * u = g / (1 + e^-g) * u for each row of [gate | up]; the columns are split over the
     * kernel threads once there are enough of them (4 thinkers of a 0.5B model: 19,456 exponentials
     * a layer, half a millisecond a step on one core).
     */
    float[] swiGlu(float[] gateUp, int rows) {
        float[] h = new float[rows * (out / 2)];
        swiGlu(gateUp, rows, h);
        return h;
    }

    /** {@link #swiGlu(float[], int)} into h (at least [rows][out / 2]). */
    void swiGlu(float[] gateUp, int rows, float[] h) {
        int half = out / 2;
        if (rows * half < 8192) {
            swiGlu(gateUp, rows, h, 0, half);
        } else {
            Runnable[] tasks = new Runnable[parts];
            for (int p = 0; p < parts; p++) {
                int j0 = half * p / parts / L * L; // whole vectors per part
                int j1 = p == parts - 1 ? half : half * (p + 1) / parts / L * L;
                tasks[p] = () -> swiGlu(gateUp, rows, h, j0, j1);
            }
            invoke(tasks);
        }
    }

    /** Columns [j0, j1) of silu(gate) * up into h. */
    private void swiGlu(float[] gateUp, int rows, float[] h, int j0, int j1) {
        int half = out / 2;
        for (int r = 0; r < rows; r++) {
            int g = r * out;
            int u = g + half;
            int o = r * half;
            int j = j0;
            for (; j + L <= j1; j += L) {
                FloatVector gv = FloatVector.fromArray(S, gateUp, g + j);
                FloatVector uv = FloatVector.fromArray(S, gateUp, u + j);
                gv.div(VectorMath.exp(gv.neg()).add(1f)).mul(uv).intoArray(h, o + j);
            }
            for (; j < j1; j++) {
                float gj = gateUp[g + j];
                float e = VectorMath.exp(FloatVector.broadcast(S, -gj)).lane(0);
                h[o + j] = gj / (1f + e) * gateUp[u + j];
            }
        }
    }

    /** Whether products count their time (benchmarks/ProfileStep sets -Dgroupthink.kernel.profile=true). */
    static final boolean PROFILE = Boolean.getBoolean("groupthink.kernel.profile");
    static final java.util.concurrent.atomic.LongAdder PRODUCT_NANOS = new java.util.concurrent.atomic.LongAdder();

    /** y[rows][out] for x[rows][in], both row-major. */
    public float[] multiply(float[] x, int rows) {
        float[] y = new float[rows * out];
        multiply(x, rows, y);
        return y;
    }

    /**
     * The product into y (at least [rows][out]; every value of its first rows is written): the heap
     * pass reuses its buffers, which stay in cache, where a fresh array is new memory each time.
     */
    void multiply(float[] x, int rows, float[] y) {
        timedProduct(x, rows, y, null, null);
    }

    /**
     * The product into y, and into best[r] the index of row r's largest output (the first of
     * equals, as {@link VectorMath#argmax(float[])}), or -1 where the row holds a NaN. Each chunk
     * writes its columns {@link #ARGMAX_BLOCKS} blocks at a time and finds their largest while
     * they are in L1: the head's 152K logits a row, read back after the product, come from memory
     * (about 80 µs a row at a 0.5B model's decode step, BENCHMARKS.md, tenth session).
     */
    void multiply(float[] x, int rows, float[] y, int[] best) {
        timedProduct(x, rows, y, null, best);
    }

    /**
     * silu(gate) * u, [rows][out / 2], of the product with a [gate | up] weight. Where the halves
     * split into whole column blocks, each chunk multiplies matching gate and up blocks and applies
     * SwiGLU to them at once, on the thread that wrote them: the exponentials are shared between
     * the kernel threads at every row count, and the [rows][out] product is read back from the
     * cache it was just written to, not from the other core's. On a 0.5B model's gate-up product
     * at Q8_0, with 16 MB streamed between calls as the other products do, that took 8 us off a
     * call at 4 rows and nothing measurable at one (BENCHMARKS.md). Under the kernel profile the
     * SwiGLU's share of the wall time (its time over all chunks, over the threads that ran them) is
     * left out of the product's, so that moving it here does not move it out of the overhead figure.
     */
    float[] multiplySwiGlu(float[] x, int rows) {
        float[] h = new float[rows * (out / 2)];
        multiplySwiGlu(x, rows, new float[rows * out], h);
        return h;
    }

    /** {@link #multiplySwiGlu(float[], int)} into h ([rows][out / 2]), with gateUp ([rows][out]) for the product. */
    void multiplySwiGlu(float[] x, int rows, float[] gateUp, float[] h) {
        if (out % (2 * L) != 0 || bias != null) {
            multiply(x, rows, gateUp);
            swiGlu(gateUp, rows, h);
            return;
        }
        timedProduct(x, rows, gateUp, h, null);
    }

    /**
     * {@link #product}, its time counted under the kernel profile, less the share of the work its
     * chunks do on their outputs (SwiGLU, the argmax): that work was outside the products before it
     * moved into them, and ProfileStep's figure of the step outside the products still counts it.
     */
    private void timedProduct(float[] x, int rows, float[] y, float[] h, int[] best) {
        if (!PROFILE) {
            product(x, rows, y, h, best);
            return;
        }
        long t0 = System.nanoTime();
        long e0 = EPILOGUE_NANOS.sum();
        product(x, rows, y, h, best);
        int chunks = chunks(h != null ? blocks / 2 : blocks);
        PRODUCT_NANOS.add(System.nanoTime() - t0 - (EPILOGUE_NANOS.sum() - e0) / Math.min(parts, chunks));
    }

    /**
     * Chunks a product of {@code columnBlocks} column blocks splits into (a fused SwiGLU's: gate's):
     * more than threads, claimed as they free up, so that a thread the OS, a GC or a JIT compiler
     * thread holds up leaves its remaining chunks to the others instead of the whole product
     * waiting for its half.
     */
    private int chunks(int columnBlocks) {
        return parts == 1 || columnBlocks < 2 * parts ? 1 : Math.min(parts * CHUNKS_PER_THREAD, columnBlocks / 2);
    }

    /** The time of the work chunks do on their own outputs, summed over chunks, under the kernel profile. */
    private static final java.util.concurrent.atomic.LongAdder EPILOGUE_NANOS = new java.util.concurrent.atomic.LongAdder();

    /** The start of a chunk's work on its own outputs, under the kernel profile. */
    private static long epilogueStart() {
        return PROFILE ? System.nanoTime() : 0;
    }

    /** Counts the work since {@link #epilogueStart()}, under the kernel profile. */
    private static void epilogueEnd(long t0) {
        if (PROFILE) {
            EPILOGUE_NANOS.add(System.nanoTime() - t0);
        }
    }

    /** Columns [j0, j1) of silu(gate) * up into h; timed under the kernel profile. */
    private void swiGluTimed(float[] gateUp, int rows, float[] h, int j0, int j1) {
        long t0 = epilogueStart();
        swiGlu(gateUp, rows, h, j0, j1);
        epilogueEnd(t0);
    }

    /**
     * Column blocks a chunk of an argmax product runs at a time, so that each row's largest of
     * them is found while they are in L1: a whole chunk of the head streams 18 MB of weights past
     * the outputs it wrote first.
     */
    private static final int ARGMAX_BLOCKS = 256;

    /**
     * Column blocks [b0, b1) of y, the bias added to them while they are in cache; with found (its
     * entries -2 to start), also chunk p's first largest output of each row among them into
     * found[p][row], -1 once a NaN is among them, {@link #ARGMAX_BLOCKS} blocks at a time. The
     * search is timed under the kernel profile.
     */
    private void columns(float[] xs, float[] xt, int rows, float[] y, int b0, int b1, int[] found, int p) {
        int step = found == null ? b1 - b0 : ARGMAX_BLOCKS;
        for (int s0 = b0; s0 < b1; s0 += step) {
            int s1 = Math.min(b1, s0 + step);
            int c0 = s0 * L;
            int c1 = Math.min(s1 * L, out);
            range(xs, xt, rows, y, s0, s1);
            addBias(y, rows, c0, c1);
            if (found == null) {
                continue;
            }
            long t0 = epilogueStart();
            for (int r = 0; r < rows; r++) {
                int f = p * rows + r;
                if (found[f] == -1) {
                    continue; // a NaN came before
                }
                int i = VectorMath.argmax(y, r * out + c0, r * out + c1);
                if (i < 0) {
                    found[f] = -1;
                } else if (found[f] == -2 || y[i] > y[r * out + found[f]]) {
                    found[f] = i - r * out; // later equals stay behind the first
                }
            }
            epilogueEnd(t0);
        }
    }

    /** The bias, if any, into columns [c0, c1) of y's rows. */
    private void addBias(float[] y, int rows, int c0, int c1) {
        if (bias == null) {
            return;
        }
        for (int r = 0; r < rows; r++) {
            for (int o = c0; o < c1; o++) {
                y[r * out + o] += bias[o];
            }
        }
    }

    /**
     * The product as one run of passes a kernel thread ({@link #passes}): each thread takes its own
     * run's passes from the front, then the other runs' from the back. A pass's weight streams
     * continue the previous pass's, so they run on through a thread's whole run, where chunks of a
     * few passes each started them afresh; and a thread held up (by the OS, a collection, a
     * compiler thread) leaves the rest of its run to the others a pass at a time, where equal
     * chunks left one thread waiting for the other's last chunk at the end of each product. A 0.5B
     * model's Q8_0 products at four rows (q/k/v, o and down this way; gate-up and the head, whose
     * chunks are long, in chunks) went from 26.65 to 25.49 ms a step, three runs each alternated
     * (BENCHMARKS.md, seventeenth session).
     */
    private void byPasses(float[] xs, int rows, float[] y) {
        float[] input = passInput(xs, rows);
        int runs = parts;
        int[] from = new int[runs + 1];
        for (int p = 0; p <= runs; p++) {
            from[p] = (int) ((long) blocks * p / runs);
        }
        // each run's next pass from the front (high half) and its end (low half), claimed by CAS
        AtomicLongArray left = new AtomicLongArray(runs);
        for (int p = 0; p < runs; p++) {
            left.set(p, passes(rows, from[p], from[p + 1]));
        }
        Runnable[] tasks = new Runnable[runs];
        for (int p = 0; p < runs; p++) {
            int own = p;
            tasks[p] = () -> {
                int[] cols = new int[4];
                for (int k = 0; k < runs; k++) {
                    int run = (own + k) % runs;
                    for (int i = claim(left, run, k == 0); i >= 0; i = claim(left, run, k == 0)) {
                        int n = pass(xs, input, rows, y, from[run], from[run + 1], i, cols);
                        for (int c = 0; c < n; c++) {
                            addBias(y, rows, cols[c] * L, Math.min(cols[c] * L + L, out));
                        }
                    }
                }
            };
        }
        invoke(tasks);
    }

    /** The next pass of a run, from its front or its back, or -1 once none is left. */
    private static int claim(AtomicLongArray left, int run, boolean front) {
        for (;;) {
            long v = left.get(run);
            int next = (int) (v >>> 32);
            int end = (int) v;
            if (next >= end) {
                return -1;
            }
            long taken = front ? v + (1L << 32) : v - 1;
            if (left.compareAndSet(run, v, taken)) {
                return front ? next : end - 1;
            }
        }
    }

    /**
     * y = x W^T into y; with h (whole blocks a half, no bias), silu(gate) * up of it into h, y
     * then holding the product [gate | up].
     */
    private void product(float[] x, int rows, float[] y, float[] h, int[] best) {
        int tiled = tiledRows(rows);
        if (tiled != rows) {
            // zero rows fill the last tile: one pass over the weights instead of two or three
            float[] ty = new float[tiled * out];
            float[] th = h == null ? null : new float[tiled * (out / 2)];
            int[] tb = best == null ? null : new int[tiled];
            product(java.util.Arrays.copyOf(x, tiled * in), tiled, ty, th, tb);
            System.arraycopy(ty, 0, y, 0, rows * out);
            if (h != null) {
                System.arraycopy(th, 0, h, 0, rows * (out / 2));
            }
            if (best != null) {
                System.arraycopy(tb, 0, best, 0, rows);
            }
            return;
        }
        int width = width();
        float[] xs = width == in ? x : zeroPadded(x, rows, width);
        float[] xt = rows >= 8 ? interleave8(xs, rows, width) : null;
        if (h != null) {
            int pairs = blocks / 2; // gate's column blocks; up's block j is pairs + j
            int chunks = chunks(pairs);
            Runnable[] tasks = new Runnable[chunks];
            for (int p = 0; p < chunks; p++) {
                int j0 = (int) ((long) pairs * p / chunks);
                int j1 = (int) ((long) pairs * (p + 1) / chunks);
                tasks[p] = () -> {
                    range(xs, xt, rows, y, j0, j1);
                    range(xs, xt, rows, y, pairs + j0, pairs + j1);
                    swiGluTimed(y, rows, h, j0 * L, j1 * L);
                };
            }
            invoke(tasks);
            return;
        }
        int chunks = chunks(blocks);
        if (best == null && chunks > 1 && inPasses(rows)) {
            byPasses(xs, rows, y);
            return;
        }
        int[] found = best == null ? null : new int[chunks * rows];
        if (found != null) {
            java.util.Arrays.fill(found, -2); // none yet
        }
        Runnable[] tasks = new Runnable[chunks];
        for (int p = 0; p < chunks; p++) {
            int chunk = p;
            int b0 = (int) ((long) blocks * p / chunks);
            int b1 = (int) ((long) blocks * (p + 1) / chunks);
            tasks[p] = () -> columns(xs, xt, rows, y, b0, b1, found, chunk);
        }
        invoke(tasks);
        for (int r = 0; best != null && r < rows; r++) {
            best[r] = firstLargest(y, r, found, chunks, rows);
        }
    }

    /** Row r's first largest output, from the chunks' own in column order; -1 if a chunk met a NaN. */
    private int firstLargest(float[] y, int r, int[] found, int chunks, int rows) {
        int best = -1;
        for (int p = 0; p < chunks; p++) {
            int i = found[p * rows + r];
            if (i < 0) {
                return -1;
            }
            if (best < 0 || y[r * out + i] > y[r * out + best]) {
                best = i;
            }
        }
        return best;
    }

    /** Chunks of a product per kernel thread. */
    private static final int CHUNKS_PER_THREAD = Integer.getInteger("groupthink.kernel.chunks", 4);

    /** Runs tasks on this model's kernel threads (the caller's among them); returns when all are done. */
    void invoke(Runnable[] tasks) {
        if (parts == 1 || tasks.length == 1) {
            for (Runnable task : tasks) {
                task.run();
            }
        } else {
            pool.invoke(tasks);
        }
    }

    /** Inputs per row as the tiles read x: {@code in}, or more where a format pads rows to whole blocks. */
    int width() {
        return in;
    }

    /** Rows of x, each followed by zeros up to {@code width}: the padding's weights meet no input. */
    private float[] zeroPadded(float[] x, int rows, int width) {
        float[] xs = new float[rows * width];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(x, r * in, xs, r * width, in);
        }
        return xs;
    }

    /**
     * The full 8-row groups of x (rows {@code width} floats long) with their inputs interleaved:
     * group g holds, for each input i, the 8 rows' x[i] side by side, so the 8 broadcasts of one
     * step read one cache line. Row-major x has them a row apart, 8 streams that no longer fit in L1
     * from 16 rows on (the 16-row product ran at 131 GFLOP/s against 210 at 8 rows on cached weights).
     */
    private static float[] interleave8(float[] x, int rows, int width) {
        int groups = rows / 8;
        float[] xt = new float[groups * 8 * width];
        for (int g = 0; g < groups; g++) {
            for (int k = 0; k < 8; k++) {
                int src = (g * 8 + k) * width;
                int dst = g * 8 * width + k;
                for (int i = 0; i < width; i++) {
                    xt[dst + i * 8] = x[src + i];
                }
            }
        }
        return xt;
    }

    /** Stores the L columns of block b for one row, the last block cut to out. */
    final void store(FloatVector acc, float[] y, int row, int b) {
        int col = b * L;
        if (col + L <= out) {
            acc.intoArray(y, row * out + col);
        } else {
            float[] tmp = new float[L];
            acc.intoArray(tmp, 0);
            System.arraycopy(tmp, 0, y, row * out + col, out - col);
        }
    }

    @Override
    public boolean ownsWeights() {
        return true;
    }

    @Override
    public int in() {
        return in;
    }

    @Override
    public int out() {
        return out;
    }
}
