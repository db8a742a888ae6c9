package io.groupthink.eval.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class EnumerationScorerTest {

    private final Category fruits = Category.builtIn("fruits");
    private final EnumerationScorer scorer = new EnumerationScorer(fruits, 10);

    @Test
    void distinctValidItemsOverTarget() {
        assertThat(scorer.score(List.of("apple\nbanana\ncherry\n"))).isCloseTo(0.3, within(1e-9));
        assertThat(scorer.score(List.of(""))).isZero();
        assertThat(scorer.score(List.of())).isZero();
    }

    @Test
    void duplicatesCountOnce() {
        assertThat(scorer.items(List.of("apple\napple\napple\nbanana\nbanana"))).containsExactly("apple", "banana");
    }

    @Test
    void nearDuplicatesCaseWhitespaceNumberingBulletsPluralsAndAliasesCountOnce() {
        String text = """
                1. Apple
                2)   APPLE
                - apples
                * **Apple**.
                • apple (red)
                #3 apple
                (4) Cherries
                cherry
                Peaches
                peach
                Kiwi fruit
                kiwi
                Star fruit
                carambola
                """;
        assertThat(scorer.items(List.of(text))).containsExactlyInAnyOrder("apple", "cherry", "peach", "kiwi",
                "carambola");
        assertThat(scorer.score(List.of(text))).isCloseTo(0.5, within(1e-9));
    }

    @Test
    void itemsSplitAcrossThinkersAreUnited() {
        List<String> lanes = List.of("apple\nbanana\ncherry", "mango\nbanana\nlime", "fig, grape and kiwi");
        assertThat(scorer.items(lanes)).containsExactlyInAnyOrder("apple", "banana", "cherry", "mango", "lime", "fig",
                "grape", "kiwi");
        assertThat(scorer.score(lanes)).isCloseTo(0.8, within(1e-9));
    }

    @Test
    void commaListsInlineNumberingAndLeadInsAreRead() {
        assertThat(scorer.items(List.of("Here are some fruits: apple, pear; plum 1. lemon 2. lime")))
                .containsExactlyInAnyOrder("apple", "pear", "plum", "lemon", "lime");
    }

    @Test
    void coverageIsCappedAtOne() {
        String many = String.join("\n", "apple", "banana", "cherry", "date", "fig", "grape", "lemon", "lime", "mango",
                "melon", "olive", "orange", "peach", "pear");
        assertThat(scorer.score(List.of(many))).isEqualTo(1.0);
    }

    @Test
    void sentencesAndInvalidItemsCountNothing() {
        assertThat(scorer.score(List.of("Once upon a time Lily ate an apple pie with her mom.\ncarrot\npotato\n"
                + "Thinker2: \nappl"))).isZero();
    }

    @Test
    void multiWordItemsWithAndStayWhole() {
        EnumerationScorer countries = new EnumerationScorer(Category.builtIn("countries"), 5);
        assertThat(countries.items(List.of("Trinidad and Tobago\nBosnia & Herzegovina\nthe USA\nU.S.A.\n"
                + "Côte d'Ivoire\nIvory Coast")))
                .containsExactlyInAnyOrder("trinidad and tobago", "bosnia and herzegovina", "united states",
                        "cote d ivoire");
        EnumerationScorer colours = new EnumerationScorer(Category.builtIn("colours"), 5);
        assertThat(colours.items(List.of("black and white\nGrey\ngray\nnavy blue / navy"))).containsExactlyInAnyOrder(
                "black", "white", "gray", "navy");
    }

    @Test
    void irregularPluralsFold() {
        EnumerationScorer animals = new EnumerationScorer(Category.builtIn("animals"), 10);
        assertThat(animals.items(List.of("mice\nmouse\ngeese\nwolves\nfoxes\nbutterflies\nsheep")))
                .containsExactlyInAnyOrder("mouse", "goose", "wolf", "fox", "butterfly", "sheep");
    }

    @Test
    void everyBuiltInCategoryLoadsAndEveryTaskInstanceNamesItsCount() {
        for (String name : Category.BUILT_IN) {
            assertThat(Category.builtIn(name).items()).hasSizeGreaterThan(40);
        }
        EnumerationTask task = new EnumerationTask();
        assertThat(task.instance(1).id()).isEqualTo("fruits");
        assertThat(task.instance(2).id()).isEqualTo("countries");
        assertThat(task.instance(6).id()).isEqualTo("fruits");
        assertThat(task.instance(1).question()).contains("20 distinct fruits");
    }
}
