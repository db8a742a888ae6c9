/*
 * Where a decode step's time goes: times every linear operator (the matrix products) inside real
 * Group Think sessions at N = 1, 4, 8, 16 thinkers with the Vector API kernel.
 *
 *   mvn -q -o dependency:build-classpath -pl engine -Dmdep.outputFile=/tmp/engine.cp
 *   java -Xmx10g --add-modules jdk.incubator.vector -cp engine/target/classes:$(cat /tmp/engine.cp) \
 *        benchmarks/ProfileStep.java MODEL_DIR [zero]
 *
 * "zero" times the step's work outside the products: "zero torch" replaces every product by zeros,
 * which also takes the LibTorch forward pass (a Linear that is not a heap kernel); plain "zero"
 * keeps the kernel and its heap decode path, and takes the products' own time out of each pass
 * (counted by the kernel under -Dgroupthink.kernel.profile=true, set here), then adds the time
 * between passes (scheduler, sampling, text). A third argument q8_0|q4_0 quantizes.
 * -Dns=1,1,1,4,4 picks the thinker counts (the first run of each warms the JIT). For where that other work goes, add
 * -XX:StartFlightRecording=filename=/tmp/z.jfr,settings=profile and read the native samples with
 * `jfr print --events jdk.NativeMethodSample /tmp/z.jfr`.
 */
import io.groupthink.engine.*;
import io.groupthink.engine.groupthink.*;
import io.groupthink.engine.runtime.*;
import ai.djl.ndarray.*;
import ai.djl.ndarray.types.Shape;
import java.nio.file.*;
import java.util.*;
import java.util.concurrent.atomic.*;
public class ProfileStep { 
  static final AtomicLong linNanos = new AtomicLong(); static final AtomicLong calls = new AtomicLong();
  static final Map<String, AtomicLong> byShape = new java.util.concurrent.ConcurrentSkipListMap<>();
  static void count(Linear l, long nanos) { linNanos.addAndGet(nanos); calls.incrementAndGet(); byShape.computeIfAbsent(l.out() + "x" + l.in(), k -> new AtomicLong()).addAndGet(nanos); }
  public static void main(String[] a) throws Exception {
  // a second argument "zero" replaces every product by zeros: what remains is the step's other work
  boolean zero = a.length > 2 && a[1].equals("zero") && a[2].equals("torch");
  boolean heapZero = a.length > 1 && a[1].equals("zero") && !zero;
  String quantize = a.length > 2 && !zero ? a[2] : "none";
  if (heapZero) System.setProperty("groupthink.kernel.profile", "true");
  LinearFactory vec = LinearFactory.named("kernel", 0, quantize);
  if (heapZero) heapOverhead(Paths.get(a[0]), vec); else {
  LinearFactory inner = !zero ? vec : (w, b) -> { long o = w.getShape().get(0), i = w.getShape().get(1); return new Linear() {
      public NDArray apply(NDArray x) { return x.getManager().zeros(new Shape(x.getShape().get(0), o)); }
      // like the kernel, the input norm and the SwiGLU epilogue cost no LibTorch call
      public NDArray apply(NDArray x, RmsNorm n) { return apply(x); }
      public float[] applyToArray(NDArray x, RmsNorm n) { return new float[(int) (x.getShape().get(0) * o)]; }
      public NDArray applySwiGlu(NDArray x, RmsNorm n) { return x.getManager().zeros(new Shape(x.getShape().get(0), o / 2)); }
      public int in(){return (int) i;} public int out(){return (int) o;} public boolean ownsWeights(){return false;} }; };
  LinearFactory timed = (w, b) -> { Linear l = inner.create(w, b); return new Linear() {
      public NDArray applySwiGlu(NDArray x, RmsNorm n) { long t=System.nanoTime(); NDArray y = l.applySwiGlu(x, n); count(l, System.nanoTime()-t); return y; }
      public NDArray apply(NDArray x, RmsNorm n) { long t=System.nanoTime(); NDArray y = l.apply(x, n); count(l, System.nanoTime()-t); return y; }
      public float[] applyToArray(NDArray x, RmsNorm n) { long t=System.nanoTime(); float[] y = l.applyToArray(x, n); count(l, System.nanoTime()-t); return y; }
      public NDArray apply(NDArray x) { long t=System.nanoTime(); NDArray y = l.apply(x); long d = System.nanoTime()-t; linNanos.addAndGet(d); byShape.computeIfAbsent(l.out() + "x" + l.in(), k -> new AtomicLong()).addAndGet(d); calls.incrementAndGet(); return y; }
      public int in(){return l.in();} public int out(){return l.out();} public boolean ownsWeights(){return l.ownsWeights();} }; };
  GroupThinkModel m = GroupThinkModel.load(Paths.get(a[0]), new GroupThinkModel.Options(0,false, timed));
  io.groupthink.engine.runtime.TorchRuntime.setIntraOpThreads(1); System.out.println("torch threads " + ai.djl.pytorch.jni.JniUtils.getNumThreads());
  PromptTemplate t = new PromptTemplate("We are {count}.", "Solo.", "{question} I am {id}.{role}", " {role}", "T{id}:", " End:");
  int[] ns = System.getProperty("ns") == null ? new int[]{1, 1, 4, 8, 16} : java.util.Arrays.stream(System.getProperty("ns").split(",")).mapToInt(Integer::parseInt).toArray();
  for (int n : ns) { // the first run warms the JIT
    GroupThinkRequest request = GroupThinkRequest.builder("hello world").thinkers(n).maxTokens(24).minTokens(24).template(t).build();
    GroupThinkResult r = m.think(request);
    linNanos.set(0); calls.set(0); byShape.clear();
    r = m.think(request);
    List<Double> s = r.stepMillis().subList(1, r.stepMillis().size());
    double total = s.stream().mapToDouble(Double::doubleValue).sum() + r.stepMillis().get(0);
    System.out.printf("N=%d: median step %.1f ms; linear share %.1f ms/step of %.1f (calls/step %d)%n", n, s.stream().sorted().toList().get(s.size()/2), linNanos.get()/1e6/r.stepMillis().size(), total/r.stepMillis().size(), calls.get()/r.stepMillis().size());
    int steps = r.stepMillis().size(); byShape.forEach((k, v) -> System.out.printf("   %-12s %.2f ms/step%n", k, v.get() / 1e6 / steps));
  }
  } }
  /**
   * The kernel's own path (decode on the heap): a decode step's time outside the products, in two parts, each free of
   * the products' noise. Each pass on the heap records its time and its products' (Transformer.takePassProfile): the
   * median over decode passes of the first less the second. The scheduler, sampling and text between passes: a
   * session's wall time less all its passes, for a session of 48 tokens against one of 24 with the same prompt, the
   * difference over the 24 decode steps (no StepHook: a hooked session hands each step's logits to another thread).
   * The heap allocated a decode step (every thread's, the same difference) is printed with them.
   */
  /**
   * Session pairs a thinker count: the time between passes is a difference of two wall times, and
   * in three pairs it spread by up to 1 ms (collections and wake-ups land there); five give a
   * steadier median (eleventh session).
   */
  static final int REPS = 5;

  static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();

  static void heapOverhead(Path dir, LinearFactory vec) {
    GroupThinkModel m = GroupThinkModel.load(dir, new GroupThinkModel.Options(0, false, vec));
    PromptTemplate t = new PromptTemplate("We are {count}.", "Solo.", "{question} I am {id}.{role}", " {role}", "T{id}:", " End:");
    int[] ns = System.getProperty("ns") == null ? new int[]{1, 1, 1, 4, 8, 16} : java.util.Arrays.stream(System.getProperty("ns").split(",")).mapToInt(Integer::parseInt).toArray();
    for (int n : ns) {
      List<Double> outside = new ArrayList<>(); List<Double> prod = new ArrayList<>(); List<Double> between = new ArrayList<>();
      List<Double> allocated = new ArrayList<>();
      for (int rep = 0; rep < REPS; rep++) {
        double[] residual = new double[2];
        long[] bytes = new long[2];
        for (int k = 0; k < 2; k++) {
          int tokens = 24 * (k + 1);
          GroupThinkRequest request = GroupThinkRequest.builder("hello world").thinkers(n).maxTokens(tokens).minTokens(tokens).template(t).build();
          Transformer.takePassProfile();
          long a0 = THREADS.getTotalThreadAllocatedBytes();
          long t0 = System.nanoTime();
          m.think(request);
          double wall = (System.nanoTime() - t0) / 1e6;
          bytes[k] = THREADS.getTotalThreadAllocatedBytes() - a0;
          List<long[]> passes = Transformer.takePassProfile();
          residual[k] = wall - passes.stream().mapToLong(p -> p[1]).sum() / 1e6;
          for (long[] p : passes) {
            if (p[0] == n) { // a decode pass: one row a thinker (the prompt's passes have more)
              outside.add((p[1] - p[2]) / 1e6);
              prod.add(p[2] / 1e6);
            }
          }
        }
        between.add((residual[1] - residual[0]) / 24);
        allocated.add((bytes[1] - bytes[0]) / 24 / 1024.0);
      }
      Collections.sort(outside); Collections.sort(prod); Collections.sort(between);
      double pass = outside.get(outside.size() / 2);
      System.out.printf("N=%d: decode step outside the products %.3f ms = %.3f in the pass (median of %d; p25 %.3f, p75 %.3f)"
          + " + %.3f between passes (median of %d: %s); products %.2f ms a pass; allocated %.1f KB a step%n", n,
          pass + between.get(REPS / 2), pass, outside.size(), outside.get(outside.size() / 4),
          outside.get(3 * outside.size() / 4), between.get(REPS / 2), REPS,
          between.stream().map(b -> String.format("%.3f", b)).collect(java.util.stream.Collectors.joining(", ")),
          prod.get(prod.size() / 2), allocated.stream().sorted().toList().get(REPS / 2));
    }
    m.close();
  }
}
