package io.groupthink.eval.tasks;

import io.groupthink.engine.train.EnumerationEval;
import io.groupthink.engine.train.EnumerationTask;

/**
 * The task the shipped model (models/groupthink-enum) was trained on: "List all fruits." over its
 * trained categories of {@value EnumerationTask#ITEMS} one-word items. Seed s asks the category the
 * engine's own evaluation picks for s; coverage is distinct valid items / 12, read by the
 * enumeration scorer from the built-in validity lists.
 */
public final class TrainedEnumerationTask implements Task {

    public static final String NAME = "trained-enumeration";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public TaskInstance instance(long seed) {
        String category = EnumerationEval.category(seed);
        return new TaskInstance(NAME, seed, category, EnumerationTask.question(category),
                new EnumerationScorer(Category.builtIn(category), EnumerationTask.ITEMS));
    }
}
