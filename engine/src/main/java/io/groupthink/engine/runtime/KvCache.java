package io.groupthink.engine.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
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
 * once. Per layer: k and v are [kvHeads, capacity, headDim], the layout attention multiplies with.
 */
public final class KvCache implements AutoCloseable {

    private final NDManager manager;
    private final NDArray[] k;
    private final NDArray[] v;
    private final Owner[] owners;
    private final Map<Long, int[]> lent = new HashMap<>(); // borrower session -> slots of its prompt's first tokens
    private final int capacity;
    private final long bytesPerToken;
    private int length;

    public KvCache(ModelConfig c, NDManager parent, int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("KV cache capacity must be positive, got " + capacity);
        }
        this.manager = parent.newSubManager();
        this.capacity = capacity;
        this.k = new NDArray[c.numLayers()];
        this.v = new NDArray[c.numLayers()];
        Shape shape = new Shape(c.numKvHeads(), capacity, c.headDim());
        for (int l = 0; l < c.numLayers(); l++) {
            k[l] = manager.zeros(shape, DataType.FLOAT32);
            v[l] = manager.zeros(shape, DataType.FLOAT32);
        }
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

    /** Writes [kvHeads, T, headDim] keys and values of a layer into slots [start, start + T). */
    void write(int layer, int start, NDArray newK, NDArray newV) {
        long end = start + newK.getShape().get(1);
        NDIndex slots = new NDIndex(":, {}:{}", start, end);
        k[layer].set(slots, newK);
        v[layer].set(slots, newV);
    }

    /** Views of the first {@code n} slots of a layer, attached to {@code step}. */
    NDArray keys(int layer, NDManager step, int n) {
        return k[layer].get(step, new NDIndex(":, :{}", n));
    }

    NDArray values(int layer, NDManager step, int n) {
        return v[layer].get(step, new NDIndex(":, :{}", n));
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
        if (count > 0) {
            try (NDManager scope = manager.newSubManager()) {
                NDArray idx = scope.create(Arrays.copyOf(index, count));
                NDIndex front = new NDIndex(":, :{}", count);
                for (int l = 0; l < k.length; l++) {
                    k[l].set(front, k[l].get(scope, new NDIndex(":, {}", idx)));
                    v[l].set(front, v[l].get(scope, new NDIndex(":, {}", idx)));
                }
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
    NDArray gatherKeys(int layer, NDManager step, NDArray slots) {
        return k[layer].get(step, new NDIndex(":, {}", slots));
    }

    NDArray gatherValues(int layer, NDManager step, NDArray slots) {
        return v[layer].get(step, new NDIndex(":, {}", slots));
    }

    /** Forgets every token; the memory stays allocated for reuse. */
    public void clear() {
        Arrays.fill(owners, 0, length, null);
        lent.clear();
        length = 0;
    }

    @Override
    public void close() {
        manager.close();
    }

    /** Raised when a batch does not fit; the cache is left unchanged. */
    public static class KvCapacityException extends IllegalStateException {
        public KvCapacityException(String message) {
            super(message);
        }
    }
}
