package io.groupthink.eval.tasks;

/**
 * "List L distinct items of a category". Seed s picks built-in category
 * {@code (s - 1) mod 5} of fruits, countries, animals, colours, vegetables.
 */
public final class EnumerationTask implements Task {

    public static final String NAME = "enumeration";
    public static final int DEFAULT_TARGET = 20;

    private final int target;

    public EnumerationTask() {
        this(DEFAULT_TARGET);
    }

    public EnumerationTask(int target) {
        this.target = target;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public TaskInstance instance(long seed) {
        String name = Category.BUILT_IN.get((int) Math.floorMod(seed - 1, (long) Category.BUILT_IN.size()));
        Category category = Category.builtIn(name);
        String question = "List " + target + " distinct " + name + ". Write one per line, no explanations.";
        return new TaskInstance(NAME, seed, name, question, new EnumerationScorer(category, target));
    }
}
