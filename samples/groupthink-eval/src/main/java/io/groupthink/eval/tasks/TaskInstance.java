package io.groupthink.eval.tasks;

/**
 * One problem of a task, fixed by its seed.
 *
 * @param task     the task's name ({@link Task#name()})
 * @param seed     the seed it was made from
 * @param id       a short label for the instance (category, graph, specification)
 * @param question the question put to the thinkers, including the answer format
 * @param scorer   coverage of a joint output
 */
public record TaskInstance(String task, long seed, String id, String question, Scorer scorer) {}
