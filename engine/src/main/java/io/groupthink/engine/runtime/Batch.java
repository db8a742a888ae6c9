package io.groupthink.engine.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The tokens of one forward pass, in the spirit of llama.cpp's {@code llama_batch}: each token
 * carries its position and its owner, and whether its logits are wanted. The attention mask is
 * derived from the owners by a {@link AttentionMask}, never written by hand at a call site.
 */
public final class Batch {

    private final List<Integer> tokens = new ArrayList<>();
    private final List<Integer> positions = new ArrayList<>();
    private final List<Owner> owners = new ArrayList<>();
    private final TreeSet<Integer> logitRows = new TreeSet<>();

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
