/*
 * A Group Think decode step behind a long shared prompt: N thinkers write 48 tokens each after a prompt
 * of about 12 x WORDS tokens (this random model's tokenizer spells "hello world " in 12), so every step
 * attends over the whole prompt. Median of the last 32 decode steps (the forward passes) of three
 * sessions in one process, with the Vector API kernel at Q8_0.
 *
 *   mvn -q -o dependency:build-classpath -pl engine -Dmdep.outputFile=/tmp/engine.cp
 *   java -Xmx12g --add-modules jdk.incubator.vector -cp engine/target/classes:$(cat /tmp/engine.cp) \
 *        benchmarks/LongPrompt.java MODEL_DIR [WORDS] [N]
 */
import io.groupthink.engine.*;
import io.groupthink.engine.groupthink.*;
import io.groupthink.engine.runtime.*;
import java.nio.file.*;
import java.util.*;

public class LongPrompt {
  public static void main(String[] a) {
    int words = a.length > 1 ? Integer.parseInt(a[1]) : 330;
    int n = a.length > 2 ? Integer.parseInt(a[2]) : 4;
    GroupThinkModel m = GroupThinkModel.load(Paths.get(a[0]), new GroupThinkModel.Options(0, false, LinearFactory.named("kernel", 0, "q8_0")));
    // the long text sits in the shared header, so the thinkers share one copy of it
    PromptTemplate template = new PromptTemplate("hello world ".repeat(words) + "We are {count}.", "Solo.", "{question} I am {id}.{role}", " {role}", "T{id}:", " End:");
    GroupThinkRequest request = GroupThinkRequest.builder("hello").thinkers(n).maxTokens(48).minTokens(48).template(template).build();
    for (int round = 0; round < 3; round++) {
      GroupThinkResult r = m.think(request);
      List<Double> steps = new ArrayList<>(r.stepMillis().subList(r.stepMillis().size() - 32, r.stepMillis().size()));
      Collections.sort(steps);
      System.out.printf(Locale.ROOT, "N=%d, prompt %d tokens: median of the last 32 decode steps %.1f ms%n", n, r.promptTokens(), steps.get(16));
    }
    m.close();
  }
}
