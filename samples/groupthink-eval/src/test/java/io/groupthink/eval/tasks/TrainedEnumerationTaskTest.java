package io.groupthink.eval.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The shipped model's task in the harness: its questions, and coverage out of 12 in its output format. */
class TrainedEnumerationTaskTest {

    @Test
    void seedsAskTheTrainedQuestionsAndScoreOutOfTwelve() {
        Task task = Task.byName("trained");
        assertThat(task.name()).isEqualTo(TrainedEnumerationTask.NAME);
        TaskInstance fruits = task.instance(2002);
        assertThat(fruits.question()).isEqualTo("List all fruits.");
        assertThat(task.instance(2001).question()).isEqualTo("List all animals.");
        // repeats across thinkers count once; a word of another category counts nothing
        double c = fruits.scorer().score(List.of(" apple, banana,", " apple, kiwi, dog,"));
        assertThat(c).isCloseTo(3 / 12.0, within(1e-9));
        assertThat(Task.NAMES).doesNotContain(TrainedEnumerationTask.NAME); // not in the default run
    }
}
