/*
 * Where a decode step's time goes: times every linear operator (the matrix products) inside real
 * Group Think sessions at N = 1, 4, 8, 16 thinkers with the Vector API kernel.
 *
 *   mvn -q -o dependency:build-classpath -pl engine -Dmdep.outputFile=/tmp/engine.cp
 *   java -Xmx10g --add-modules jdk.incubator.vector -cp engine/target/classes:$(cat /tmp/engine.cp) \
 *        benchmarks/ProfileStep.java MODEL_DIR
 */
import io.groupthink.engine.*;
import io.groupthink.engine.groupthink.*;
import io.groupthink.engine.runtime.*;
import ai.djl.ndarray.*;
import java.nio.file.*;
import java.util.*;
import java.util.concurrent.atomic.*;
public class ProfileStep { 
  static final AtomicLong linNanos = new AtomicLong(); static final AtomicLong calls = new AtomicLong();
  public static void main(String[] a) throws Exception {
  LinearFactory inner = LinearFactory.vector(0);
  LinearFactory timed = (w, b) -> { Linear l = inner.create(w, b); return new Linear() {
      public NDArray apply(NDArray x) { long t=System.nanoTime(); NDArray y = l.apply(x); linNanos.addAndGet(System.nanoTime()-t); calls.incrementAndGet(); return y; }
      public int in(){return l.in();} public int out(){return l.out();} public boolean ownsWeights(){return l.ownsWeights();} }; };
  GroupThinkModel m = GroupThinkModel.load(Paths.get(a[0]), new GroupThinkModel.Options(0,false, timed));
  io.groupthink.engine.runtime.TorchRuntime.setIntraOpThreads(1); System.out.println("torch threads " + ai.djl.pytorch.jni.JniUtils.getNumThreads());
  StepHook noStop = new StepHook(){ public int override(int lane,int idx,int s){ return m.stopIds().contains(s)? 300 : s; } };
  PromptTemplate t = new PromptTemplate("We are {count}.", "Solo.", "{question} I am {id}.{role}", " {role}", "T{id}:", " End:");
  for (int n : new int[]{1, 1, 4, 8, 16}) { // the first N=1 run warms the JIT
    GroupThinkResult r = m.think(GroupThinkRequest.builder("hello world").thinkers(n).maxTokens(24).template(t).build(), null, noStop);
    linNanos.set(0); calls.set(0);
    r = m.think(GroupThinkRequest.builder("hello world").thinkers(n).maxTokens(24).template(t).build(), null, noStop);
    List<Double> s = r.stepMillis().subList(1, r.stepMillis().size());
    double total = s.stream().mapToDouble(Double::doubleValue).sum() + r.stepMillis().get(0);
    System.out.printf("N=%d: median step %.1f ms; linear share %.1f ms/step of %.1f (calls/step %d)%n", n, s.stream().sorted().toList().get(s.size()/2), linNanos.get()/1e6/r.stepMillis().size(), total/r.stepMillis().size(), calls.get()/r.stepMillis().size());
  }
} }
