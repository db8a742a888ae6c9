package io.groupthink.engine.runtime;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The tokens of one forward pass, in the spirit of llama.cpp's {@code llama_batch}: each token
 * carries its position and its owner, and whether its logits are wanted, and each session in the
 * batch brings its {@link Visibility} rule. The attention mask is derived from the owners and
 * those rules ({@link #mask()}), never written by hand at a call site.
 */
public final class Batch {

    private final List<Integer> tokens = new ArrayList<>();
    private final List<Integer> positions = new ArrayList<>();
    private final List<Owner> owners = new ArrayList<>();
    private final TreeSet<Integer> logitRows = new TreeSet<>();
    private final Map<Long, Visibility> rules = new HashMap<>();

    /** The visibility rule of {@code session}'s tokens in this batch. */
    public Batch rule(long session, Visibility rule) {
        rules.put(session, rule);
        return this;
    }

    /** The attention-mask operator of this batch: each query under its own session's rule. */
    public AttentionMask mask() {
        return new MaskOperator(Map.copyOf(rules));
    }

    /** Adds a token; returns its row in the batch. */
    public int add(int token, int position, Owner owner, boolean wantLogits) {
        int row = tokens.size();
        tokens.add(token);
        positions.add(position);
        owners.add(owner);
        if (wantLogits) {
            logitRows.add(row);
        }
        return row;
    }

    /** Asks for the logits of an already added row. */
    public void wantLogits(int row) {
        if (row < 0 || row >= tokens.size()) {
            throw new IndexOutOfBoundsException("row " + row + " of a batch of " + tokens.size());
        }
        logitRows.add(row);
    }

    public int size() {
        return tokens.size();
    }

    public boolean isEmpty() {
        return tokens.isEmpty();
    }

    public int token(int row) {
        return tokens.get(row);
    }

    public int position(int row) {
        return positions.get(row);
    }

    public Owner owner(int row) {
        return owners.get(row);
    }

    public List<Owner> owners() {
        return owners;
    }

    /** Rows whose logits the caller wants, in row order. */
    public int[] logitRows() {
        return logitRows.stream().mapToInt(Integer::intValue).toArray();
    }

    int[] tokenArray() {
        return tokens.stream().mapToInt(Integer::intValue).toArray();
    }

    long[] positionArray() {
        return positions.stream().mapToLong(Integer::longValue).toArray();
    }
}
