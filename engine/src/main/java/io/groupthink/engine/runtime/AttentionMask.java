package io.groupthink.engine.runtime;

/**
 * Builds the additive attention mask of one forward pass from token owners: 0 where a query may
 * attend a key, negative infinity where it may not.
 */
@FunctionalInterface
public interface AttentionMask {

    /**
     * @param queries the owners of the batch's tokens, in row order
     * @param keys    the owners of every cache slot after this batch is appended (the batch's own
     *                tokens included), in slot order; only the first {@code keyCount} are used
     * @return a row-major [queries.length, keyCount] array
     */
    float[] build(Owner[] queries, Owner[] keys, int keyCount);
}
