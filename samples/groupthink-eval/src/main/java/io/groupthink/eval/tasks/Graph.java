package io.groupthink.eval.tasks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * A random weighted directed graph on nodes A, B, C, ... that is strongly connected (a random
 * Hamiltonian cycle plus random extra edges), so every shortest distance is finite.
 *
 * @param weights weights[i][j] > 0 for an edge i -> j, 0 for none (and on the diagonal)
 */
public record Graph(int[][] weights) {

    public static final int NODES = 5;
    public static final int MAX_WEIGHT = 9;
    private static final double EXTRA_EDGE = 0.3;

    /** The graph of a seed: the same seed gives the same graph on every JVM. */
    public static Graph random(long seed, int nodes) {
        Random random = new Random(0x5DEECE66DL ^ (seed * 0x9E3779B97F4A7C15L));
        int[][] w = new int[nodes][nodes];
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            order.add(i);
        }
        Collections.shuffle(order, random);
        for (int i = 0; i < nodes; i++) {
            w[order.get(i)][order.get((i + 1) % nodes)] = 1 + random.nextInt(MAX_WEIGHT);
        }
        for (int i = 0; i < nodes; i++) {
            for (int j = 0; j < nodes; j++) {
                if (i != j && w[i][j] == 0 && random.nextDouble() < EXTRA_EDGE) {
                    w[i][j] = 1 + random.nextInt(MAX_WEIGHT);
                }
            }
        }
        return new Graph(w);
    }

    public int nodes() {
        return weights.length;
    }

    public static String label(int node) {
        return String.valueOf((char) ('A' + node));
    }

    /** All-pairs shortest distances by Floyd–Warshall. */
    public int[][] distances() {
        int n = nodes();
        long inf = Long.MAX_VALUE / 4;
        long[][] d = new long[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                d[i][j] = i == j ? 0 : weights[i][j] > 0 ? weights[i][j] : inf;
            }
        }
        for (int k = 0; k < n; k++) {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    if (d[i][k] + d[k][j] < d[i][j]) {
                        d[i][j] = d[i][k] + d[k][j];
                    }
                }
            }
        }
        int[][] out = new int[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                out[i][j] = d[i][j] >= inf ? -1 : (int) d[i][j];
            }
        }
        return out;
    }

    /** "A->B 4, B->C 2, ..." in row order. */
    public String edgeList() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < nodes(); i++) {
            for (int j = 0; j < nodes(); j++) {
                if (weights[i][j] > 0) {
                    if (sb.length() > 0) {
                        sb.append(", ");
                    }
                    sb.append(label(i)).append("->").append(label(j)).append(' ').append(weights[i][j]);
                }
            }
        }
        return sb.toString();
    }
}
