/*
 * A decode step early and late in a long Group Think session: N thinkers write T tokens each, so the
 * last steps attend over about N x T more keys than the first. Median step time (the session's own
 * forward passes) of the first and the last 32 decode steps, with the Vector API kernel.
 *
 *   mvn -q -o dependency:build-classpath -pl engine -Dmdep.outputFile=/tmp/engine.cp
 *   java -Xmx10g --add-modules jdk.incubator.vector -cp engine/target/classes:$(cat /tmp/engine.cp) \
 *        benchmarks/LongThink.java MODEL_DIR [none|q8_0|q4_0] [N] [T]
 */
import io.groupthink.engine.*;
import io.groupthink.engine.groupthink.*;
import io.groupthink.engine.runtime.*;
import java.nio.file.*;
import java.util.*;

public class LongThink {
  public static void main(String[] a) {
    String quantize = a.length > 1 ? a[1] : "q8_0";
    int n = a.length > 2 ? Integer.parseInt(a[2]) : 4;
    int t = a.length > 3 ? Integer.parseInt(a[3]) : 256;
    GroupThinkModel m = GroupThinkModel.load(Paths.get(a[0]), new GroupThinkModel.Options(0, false, LinearFactory.named("kernel", 0, quantize)));
    PromptTemplate template = new PromptTemplate("We are {count}.", "Solo.", "{question} I am {id}.{role}", " {role}", "T{id}:", " End:");
    GroupThinkRequest warm = GroupThinkRequest.builder("hello world").thinkers(n).maxTokens(32).minTokens(32).template(template).build();
    m.think(warm);
    GroupThinkResult r = m.think(warm.toBuilder().maxTokens(t).minTokens(t).build());
    List<Double> steps = r.stepMillis().subList(r.stepMillis().size() - r.decodeSteps(), r.stepMillis().size());
    System.out.printf(Locale.ROOT, "N=%d T=%d %s: median decode step, first 32 %.1f ms, last 32 %.1f ms%n", n, t, quantize,
        median(steps.subList(0, 32)), median(steps.subList(steps.size() - 32, steps.size())));
    m.close();
  }

  static double median(List<Double> x) {
    List<Double> s = new ArrayList<>(x);
    Collections.sort(s);
    return s.get(s.size() / 2);
  }
}
