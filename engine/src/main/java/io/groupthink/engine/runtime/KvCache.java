package io.groupthink.engine.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.groupthink.engine.model.ModelConfig;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongPredicate;

/**
 * Keys and values of every token seen so far, preallocated and written in place.
 *
 * <p>Slots fill in arrival order whatever the positions are: visibility comes from each slot's
 * {@link Owner}, so the cache stays append-only for every layout and the shared prompt is stored
 * once. Per layer, v is [capacity, kvHeads, headDim] on the Java heap and k is held in tiles of
 * {@link #TILE} slots, [capacity / TILE, kvHeads, headDim, TILE]: a decode step scores a query against
 * TILE keys with vector FMAs of one broadcast query element each, instead of a horizontal sum per key.
 * Both are written and read there without a LibTorch call; LibTorch's attention (for prefill) gets a
 * slot-major copy of the slots it needs.
 */
public final class KvCache implements AutoCloseable {

    /** Slots per key tile: one 512-bit vector of scores. */
    static final int TILE = 16;

    private final float[][] k; // [layer][key(slot, head, i)], see key()
    private final float[][] v; // [layer][slot * kvDim + head * headDim + i]
    private final int kvHeads;
    private final int headDim;
    private final int kvDim;
    private final Owner[] owners;
    private final Map<Long, int[]> lent = new HashMap<>(); // borrower session -> slots of its prompt's first tokens
    private final int capacity;
    private final long bytesPerToken;
    private int length;

    /** @param parent unused since the cache lives on the heap; kept for the callers that scope caches by manager */
    public KvCache(ModelConfig c, NDManager parent, int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("KV cache capacity must be positive, got " + capacity);
        }
        this.capacity = capacity;
        this.kvHeads = c.numKvHeads();
        this.headDim = c.headDim();
        this.kvDim = c.kvDim();
        long floats = (long) (capacity + TILE - 1) / TILE * TILE * kvDim;
        if (floats > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("KV cache capacity " + capacity + " is too large for one layer's array ("
                    + kvDim + " values a token)");
        }
        this.k = new float[c.numLayers()][(int) floats];
        this.v = new float[c.numLayers()][capacity * kvDim];
        this.owners = new Owner[capacity];
        this.bytesPerToken = 2L * c.numLayers() * c.kvDim() * Float.BYTES;
    }

    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    /** Bytes of K/V the stored tokens occupy. */
    public long bytesUsed() {
        return length * bytesPerToken;
    }

    public long bytesPerToken() {
        return bytesPerToken;
    }

    /** Owners of slots [0, length). */
    public Owner[] owners() {
        return Arrays.copyOf(owners, length);
    }

    Owner[] ownerSlots() {
        return owners;
    }

    /** Reserves slots for a batch and records their owners; returns the first slot. */
    int reserve(Batch batch) {
        int n = batch.size();
        if (length + n > capacity) {
            throw new KvCapacityException("KV cache full: " + length + " tokens stored, " + n
                    + " more requested, capacity " + capacity);
        }
        for (int i = 0; i < n; i++) {
            owners[length + i] = batch.owner(i);
        }
        int start = length;
        length += n;
        return start;
    }

    /** Where element i of head h of the key in {@code slot} is held in a layer's key array. */
    int key(int slot, int head, int i) {
        return ((slot / TILE * kvHeads + head) * headDim + i) * TILE + slot % TILE;
    }

    /** Writes [kvHeads, T, headDim] keys and values of a layer into slots [start, start + T). */
    void write(int layer, int start, NDArray newK, NDArray newV) {
        int t = (int) newK.getShape().get(1);
        putKeys(layer, start, newK.transpose(1, 0, 2).toFloatArray(), t);
        System.arraycopy(newV.transpose(1, 0, 2).toFloatArray(), 0, v[layer], start * kvDim, t * kvDim);
    }

    /** Writes {@code t} keys, [T, kvHeads, headDim] row-major, into slots [start, start + t). */
    void putKeys(int layer, int start, float[] keys, int t) {
        float[] dst = k[layer];
        for (int r = 0; r < t; r++) {
            for (int h = 0; h < kvHeads; h++) {
                int at = key(start + r, h, 0);
                int from = r * kvDim + h * headDim;
                for (int i = 0; i < headDim; i++) {
                    dst[at + i * TILE] = keys[from + i];
                }
            }
        }
    }

    /** A layer's keys as held, in tiles (see {@link #key}): the decode path reads them in place. */
    float[] keyTiles(int layer) {
        return k[layer];
    }

    /**
     * One KV head's keys of the given slots, in their order, as tiles of their own (the layout of
     * {@link #key} with one head): for a session whose slots lie between other sessions'.
     */
    float[] keyTiles(int layer, int[] slots, int head) {
        float[] out = new float[(slots.length + TILE - 1) / TILE * TILE * headDim];
        for (int j = 0; j < slots.length; j++) {
            copyKey(k[layer], key(slots[j], head, 0), out, (j / TILE * headDim) * TILE + j % TILE);
        }
        return out;
    }

    /** One head's key from one tile position to another: headDim values, TILE apart on both sides. */
    private void copyKey(float[] src, int from, float[] dst, int to) {
        for (int i = 0; i < headDim; i++) {
            dst[to + i * TILE] = src[from + i * TILE];
        }
    }

    /** Keys of the given slots, [slots, kvHeads, headDim] row-major. */
    private float[] slotMajorKeys(int layer, int[] slots, int n) {
        float[] out = new float[n * kvDim];
        float[] src = k[layer];
        for (int j = 0; j < n; j++) {
            int slot = slots == null ? j : slots[j];
            for (int h = 0; h < kvHeads; h++) {
                int at = key(slot, h, 0);
                int to = j * kvDim + h * headDim;
                for (int i = 0; i < headDim; i++) {
                    out[to + i] = src[at + i * TILE];
                }
            }
        }
        return out;
    }

    float[] valueArray(int layer) {
        return v[layer];
    }

    /** Keys of the first {@code n} slots of a layer, [kvHeads, n, headDim], attached to {@code step}. */
    NDArray keys(int layer, NDManager step, int n) {
        return toNd(step, slotMajorKeys(layer, null, n), n);
    }

    NDArray values(int layer, NDManager step, int n) {
        return toNd(step, java.util.Arrays.copyOf(v[layer], n * kvDim), n);
    }

    private NDArray toNd(NDManager step, float[] slotMajor, int n) {
        return step.create(slotMajor, new Shape(n, kvHeads, headDim)).transpose(1, 0, 2);
    }

    private NDArray gather(float[] src, NDManager step, int[] slots) {
        float[] out = new float[slots.length * kvDim];
        for (int j = 0; j < slots.length; j++) {
            System.arraycopy(src, slots[j] * kvDim, out, j * kvDim, kvDim);
        }
        return toNd(step, out, slots.length);
    }

    /**
     * Keeps only the slots of the sessions {@code live} accepts, and the slots lent to them, moved
     * to the front in their order, so the memory of finished sessions is reused. Returns how many
     * slots were freed.
     */
    public int retain(LongPredicate live) {
        boolean[] kept = new boolean[length];
        for (int i = 0; i < length; i++) {
            kept[i] = live.test(owners[i].session());
        }
        lent.keySet().removeIf(borrower -> !live.test(borrower));
        for (int[] slots : lent.values()) {
            for (int slot : slots) {
                kept[slot] = true;
            }
        }
        int count = 0;
        int[] index = new int[length];
        int[] moved = new int[length]; // old slot -> new slot
        for (int i = 0; i < length; i++) {
            if (kept[i]) {
                moved[i] = count;
                index[count++] = i;
            }
        }
        int freed = length - count;
        if (freed == 0) {
            return 0;
        }
        for (int l = 0; l < k.length; l++) {
            for (int j = 0; j < count; j++) { // index[j] >= j: moving front to back never overwrites a kept slot
                for (int h = 0; h < kvHeads; h++) {
                    copyKey(k[l], key(index[j], h, 0), k[l], key(j, h, 0));
                }
                System.arraycopy(v[l], index[j] * kvDim, v[l], j * kvDim, kvDim);
            }
        }
        for (int[] slots : lent.values()) {
            for (int j = 0; j < slots.length; j++) {
                slots[j] = moved[slots[j]];
            }
        }
        for (int i = 0; i < count; i++) {
            owners[i] = owners[index[i]];
        }
        Arrays.fill(owners, count, length, null);
        length = count;
        return freed;
    }

    /**
     * The slots holding the first {@code tokens} shared-prompt tokens of {@code session}, in
     * prompt order: those it borrowed, then its own. Fewer when fewer are stored.
     */
    public int[] promptSlots(long session, int tokens) {
        int[] out = new int[tokens];
        int n = 0;
        int[] borrowed = lent.get(session);
        if (borrowed != null) {
            for (int i = 0; i < borrowed.length && n < tokens; i++) {
                out[n++] = borrowed[i];
            }
        }
        for (int i = 0; i < length && n < tokens; i++) {
            if (owners[i].session() == session && owners[i].isSharedPrompt()) {
                out[n++] = i;
            }
        }
        return Arrays.copyOf(out, n);
    }

    /**
     * Lends {@code slots} (another session's prompt prefix, from {@link #promptSlots}) to
     * {@code borrower}, which attends over them as its own first prompt tokens instead of
     * computing them again. They stay stored while the borrower is kept, even after their owner
     * is gone.
     */
    public void lend(long borrower, int[] slots) {
        for (int slot : slots) {
            if (slot < 0 || slot >= length) {
                throw new IllegalArgumentException("slot " + slot + " is not stored (length " + length + ")");
            }
        }
        lent.put(borrower, slots.clone());
    }

    /** The slots lent to {@code session}, or null. */
    int[] borrowed(long session) {
        return lent.get(session);
    }

    /** Whether any session borrows slots: attention must then gather per session. */
    boolean lends() {
        return !lent.isEmpty();
    }

    /** Keys of the given slots of a layer, [kvHeads, slots, headDim], attached to {@code step}. */
    NDArray gatherKeys(int layer, NDManager step, int[] slots) {
        return toNd(step, slotMajorKeys(layer, slots, slots.length), slots.length);
    }

    NDArray gatherValues(int layer, NDManager step, int[] slots) {
        return gather(v[layer], step, slots);
    }

    /** Forgets every token; the memory stays allocated for reuse. */
    public void clear() {
        Arrays.fill(owners, 0, length, null);
        lent.clear();
        length = 0;
    }

    /** The arrays are heap memory: nothing native to free. Kept so that callers scope a cache as before. */
    @Override
    public void close() {}

    /** Raised when a batch does not fit; the cache is left unchanged. */
    public static class KvCapacityException extends IllegalStateException {
        public KvCapacityException(String message) {
            super(message);
        }
    }
}
