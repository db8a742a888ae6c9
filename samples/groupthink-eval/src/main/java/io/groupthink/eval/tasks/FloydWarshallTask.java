package io.groupthink.eval.tasks;

/**
 * Divide and conquer: all-pairs shortest distances of a random 5-node weighted directed graph
 * ({@link Graph#random}, fixed by the seed). The answer format asked for is one line per ordered
 * pair, {@code d(A,B) = 7}; {@link FloydWarshallScorer} documents the variants it also reads.
 */
public final class FloydWarshallTask implements Task {

    public static final String NAME = "floyd-warshall";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public TaskInstance instance(long seed) {
        Graph graph = Graph.random(seed, Graph.NODES);
        String last = Graph.label(graph.nodes() - 1);
        String question = "Directed graph, nodes A to " + last + ", edges with weights: " + graph.edgeList()
                + ". Find the shortest distance between every ordered pair of different nodes (Floyd-Warshall)."
                + " Answer with one line per pair, like: d(A,B) = 7";
        return new TaskInstance(NAME, seed, "graph-" + seed, question, new FloydWarshallScorer(graph.distances()));
    }
}
