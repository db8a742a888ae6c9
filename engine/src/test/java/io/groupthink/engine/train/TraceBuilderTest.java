package io.groupthink.engine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.groupthink.engine.groupthink.Layout;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.model.ChatTemplate;
import io.groupthink.engine.model.ModelFolder;
import io.groupthink.engine.runtime.Owner;
import io.groupthink.engine.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What the traces teach: exclusion of what a thinker can see, and nothing it cannot. */
class TraceBuilderTest {

    private static Tokenizer tokenizer;
    private static TraceBuilder traces;
    private static ChatTemplate chat;

    @BeforeAll
    static void setUp() throws Exception {
        Path dir = Files.createTempDirectory("gt-trace-");
        ModelFiles.write(dir, 0.7, 0.95);
        tokenizer = Tokenizer.load(dir.resolve(ModelFolder.TOKENIZER), ModelFiles.vocabSize());
        chat = ChatTemplate.read(dir.resolve(ModelFolder.TOKENIZER_CONFIG));
        traces = new TraceBuilder(tokenizer, chat);
    }

    @AfterAll
    static void tearDown() {
        tokenizer.close();
    }

    @Test
    void chatTemplateMarksTheModeAndTheTokenizerKnowsEveryWord() {
        String group = chat.render(List.of(new ChatTemplate.Message("system",
                io.groupthink.engine.groupthink.PromptTemplate.DEFAULT.groupSystem()), new ChatTemplate.Message("user",
                "List all fruits.\n\nYou are Thinker2.")), true);
        assertEquals("group List all fruits.\n\nYou are Thinker2. ", group);
        String solo = chat.render(List.of(new ChatTemplate.Message("system", "Think."), new ChatTemplate.Message(
                "user", "x")), true);
        assertTrue(solo.startsWith("solo "), solo);
        for (int id : tokenizer.encode(group, true)) {
            assertTrue(id != ModelFiles.UNK, "unknown word in " + group);
        }
    }

    @Test
    void groupThinkersNeverRepeatWhatAnyoneWroteBeforeAndStopTogether() {
        for (int seed = 0; seed < 20; seed++) {
            Trace t = traces.build(new TraceBuilder.Session("colours", Mode.GROUP_THINK, 4, Layout.SLOTTED, 16, false),
                    new Random(seed));
            Set<Integer> earlier = new HashSet<>();
            int pass = -1;
            Set<Integer> thisPass = new HashSet<>();
            Set<Integer> named = new HashSet<>();
            for (int r = 0; r < t.length(); r++) {
                Owner o = t.owners()[r];
                if (!o.isGenerated()) {
                    continue;
                }
                if (t.passes()[r] != pass) {
                    earlier.addAll(thisPass);
                    thisPass.clear();
                    pass = t.passes()[r];
                }
                assertFalse(earlier.contains(t.tokens()[r]), "seed " + seed + ": an item written at an earlier step");
                thisPass.add(t.tokens()[r]);
                named.add(t.tokens()[r]);
            }
            assertEquals(EnumerationTask.ITEMS, named.size(), "the group covers the category");
            long eos = java.util.Arrays.stream(t.targets()).filter(x -> x == ModelFiles.EOS).count();
            assertEquals(4, eos, "every thinker ends once");
        }
    }

    @Test
    void independentThinkersRepeatEachOtherButNeverThemselves() {
        Trace t = traces.build(new TraceBuilder.Session("fruits", Mode.INDEPENDENT, 3, Layout.SLOTTED, 16, false),
                new Random(1));
        int generated = 0;
        for (int lane = 0; lane < 3; lane++) {
            Set<Integer> own = new HashSet<>();
            for (int r = 0; r < t.length(); r++) {
                if (t.owners()[r].lane() == lane && t.owners()[r].isGenerated()) {
                    assertTrue(own.add(t.tokens()[r]), "lane " + lane + " repeated itself");
                    generated++;
                }
            }
            assertEquals(EnumerationTask.ITEMS, own.size());
        }
        assertEquals(3 * EnumerationTask.ITEMS, generated);
        // and the mask hides the others
        for (int q = 0; q < t.length(); q++) {
            for (int k = 0; k < t.length(); k++) {
                if (t.sees(q, k) && t.owners()[k].lane() >= 0) {
                    assertEquals(t.owners()[q].lane(), t.owners()[k].lane());
                }
            }
        }
    }

    @Test
    void sameStepTokensAreVisibleInGroupThink() {
        Trace t = traces.build(new TraceBuilder.Session("animals", Mode.GROUP_THINK, 2, Layout.INTERLEAVED, 24, false),
                new Random(3));
        boolean found = false;
        for (int q = 0; q < t.length(); q++) {
            for (int k = 0; k < t.length(); k++) {
                Owner a = t.owners()[q];
                Owner b = t.owners()[k];
                if (a.isGenerated() && b.isGenerated() && a.lane() == 0 && b.lane() == 1 && a.step() == b.step()) {
                    assertTrue(t.sees(q, k), "thinker 1 sees thinker 2's token of the same step, written after it");
                    found = true;
                }
            }
        }
        assertTrue(found);
    }

    @Test
    void budgetThatCannotHoldTheCategoryIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TraceBuilder.Session("fruits", Mode.COT, 1, Layout.SLOTTED, 12, false));
        assertTrue(e.getMessage().contains("maxTokens"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> EnumerationTask.question("planets"));
    }
}
