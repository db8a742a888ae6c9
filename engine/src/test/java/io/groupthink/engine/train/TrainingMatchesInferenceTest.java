package io.groupthink.engine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.engine.groupthink.Layout;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.groupthink.StepHook;
import io.groupthink.engine.model.ChatTemplate;
import io.groupthink.engine.model.DType;
import io.groupthink.engine.model.ModelConfig;
import io.groupthink.engine.model.ModelFolder;
import io.groupthink.engine.model.RandomModel;
import io.groupthink.engine.runtime.LinearFactory;
import io.groupthink.engine.runtime.TorchRuntime;
import io.groupthink.engine.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The training layout is the inference layout: a trace's logits from the training forward pass
 * (whole sequence, mask from the trace) equal the engine's logits when its session is forced to
 * write the trace's tokens. A drift in prompt, positions, mask or math shows up here.
 */
class TrainingMatchesInferenceTest {

    private static Path dir;
    private static NDManager manager;
    private static TrainableLlama llama;
    private static GroupThinkModel engine;
    private static Tokenizer tokenizer;
    private static TraceBuilder traces;

    @BeforeAll
    static void setUp() throws Exception {
        dir = Files.createTempDirectory("gt-train-eq-");
        ModelFiles.write(dir, 0.7, 0.95);
        int vocab = ModelFiles.vocabSize();
        RandomModel.writeConfig(new RandomModel.Spec("llama", 32, 64, 2, 2, 2, 16, vocab, 1024, true, DType.F32, 1, 3,
                false), dir);
        ModelConfig config = ModelConfig.read(dir.resolve(ModelFolder.CONFIG));
        manager = TorchRuntime.newManager(0);
        llama = new TrainableLlama(config, manager, 5);
        // larger weights than training starts from, so attention is far from uniform and a wrong mask shows
        for (NDArray p : llama.parameters().values()) {
            if (p.getShape().dimension() == 2) {
                p.muli(40);
            }
        }
        llama.save(dir, DType.F32);
        engine = GroupThinkModel.load(dir, new GroupThinkModel.Options(0, false, LinearFactory.TORCH));
        tokenizer = Tokenizer.load(dir.resolve(ModelFolder.TOKENIZER), vocab);
        traces = new TraceBuilder(tokenizer, ChatTemplate.read(dir.resolve(ModelFolder.TOKENIZER_CONFIG)));
    }

    @AfterAll
    static void tearDown() {
        engine.close();
        llama.close();
        manager.close();
        tokenizer.close();
    }

    @ParameterizedTest
    @CsvSource({"GROUP_THINK,3,SLOTTED,16,false", "GROUP_THINK,4,INTERLEAVED,24,true", "GROUP_THINK,2,SLOTTED,40,true",
            "INDEPENDENT,3,SLOTTED,16,false", "INDEPENDENT,2,SLOTTED,20,true", "COT,1,SLOTTED,16,false"})
    void traceLogitsEqualEngineLogits(Mode mode, int n, Layout layout, int budget, boolean synthesize) {
        TraceBuilder.Session s = new TraceBuilder.Session("animals", mode, n, layout, budget, synthesize);
        Trace trace = traces.build(s, new Random(11));
        float[] train;
        int vocab = llama.config().vocabSize();
        try (NDManager step = manager.newSubManager()) {
            train = llama.logits(new TrainingBatch(List.of(trace)), step).toFloatArray();
        }
        // the k-th target row of each lane, in arrival order, is the lane's k-th choice
        Map<Integer, List<Integer>> rowsOfLane = new HashMap<>();
        for (int r = 0; r < trace.length(); r++) {
            if (trace.targets()[r] >= 0) {
                int lane = trace.owners()[r].lane();
                rowsOfLane.computeIfAbsent(lane < 0 ? 0 : lane, k -> new java.util.ArrayList<>()).add(r);
            }
        }
        int[] compared = {0};
        double[] worst = {0};
        StepHook hook = new StepHook() {
            @Override
            public void logits(int lane, int index, float[] logits) {
                int row = rowsOfLane.get(lane).get(index);
                for (int v = 0; v < vocab; v++) {
                    worst[0] = Math.max(worst[0], Math.abs(logits[v] - train[row * vocab + v]));
                }
                compared[0]++;
            }

            @Override
            public int override(int lane, int index, int sampled) {
                return trace.targets()[rowsOfLane.get(lane).get(index)];
            }
        };
        GroupThinkRequest request = GroupThinkRequest.builder(EnumerationTask.question("animals")).mode(mode)
                .thinkers(n).layout(layout).maxTokens(budget).synthesize(synthesize).synthesisTokens(16).build();
        engine.think(request, null, hook);
        assertEquals(trace.targetCount(), compared[0], "every target row was compared");
        assertTrue(worst[0] < 1e-3, "largest logit difference " + worst[0]);
    }
}
