/*
 * Flat cost of a session in rounds (issue 17): segment decode step time per round of a RoundSession
 * beside a plain Group Think session of the same total length per thinker (R x S tokens), whose
 * context, and so step time, keeps growing. Lanes never stop on EOS (both sides use full budgets);
 * short prompts keep the prefill small. Median and 10th-percentile step time per window of S decode
 * steps: on a shared machine the median follows other processes' bursts, while the low percentile
 * stays near the undisturbed cost; each row also prints the machine's 1-minute load average. The
 * CPU column is this process's CPU time per decode step over the window (every thread: the engine,
 * its kernel threads, GC; it ticks in 10 ms here, so only a window's mean is read), which other
 * processes' load inflates far less than wall time. After the run, a fresh session's round 1 is the
 * control: beside round 20 in time, it shows whether the machine drifted between round 1 and round 20.
 *
 *   java -jar samples/groupthink-cli/target/groupthink-cli.jar random-model --out /tmp/qwen05b-random --preset qwen2.5-0.5b
 *   mvn -q -o dependency:build-classpath -pl engine -Dmdep.outputFile=/tmp/engine.cp
 *   nice java -Xmx8g --add-modules jdk.incubator.vector -cp engine/target/classes:$(cat /tmp/engine.cp) \
 *        benchmarks/RoundsFlatCost.java /tmp/qwen05b-random [N] [S] [M] [m] [R]
 */
import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.groupthink.*;
import java.nio.file.Paths;
import java.util.*;

public class RoundsFlatCost {
  public static void main(String[] a) {
    int n = arg(a, 1, 2), s = arg(a, 2, 64), bigM = arg(a, 3, 32), m = arg(a, 4, 8), r = arg(a, 5, 20);
    GroupThinkModel model = GroupThinkModel.load(Paths.get(a[0]));
    StepHook noStop = new StepHook() { public int override(int lane, int i, int t) { return model.stopIds().contains(t) ? 300 : t; } };
    long[] plainCpu = new long[r * s];
    long[][] roundCpu = new long[r + 1][s];
    RoundSession.Hooks hooks = hooks(roundCpu, noStop);
    PromptTemplate t = new PromptTemplate("We are {count}.", "Solo.", "{question} I am {id}.{role}", " {role}", "T{id}:", " End:");
    RoundPrompts words = new RoundPrompts("Take notes.", "{question} Notes: {summary} New: {segments} Notes?", "N:",
        "{question} Notes: {summary} Go on.", "{question} Notes: {summary}", "none");
    GroupThinkRequest q = GroupThinkRequest.builder("hello world").thinkers(n).template(t).build();
    model.think(q.toBuilder().maxTokens(16).build(), null, noStop); // warm the JIT, for both kinds of session
    new RoundSession(model, q, new RoundOptions(2, 16, 4, 4, false, null, words), null, hooks(new long[3][16], noStop))
        .start().await();
    System.out.printf(Locale.ROOT, "N=%d S=%d M=%d m=%d R=%d on %s, load %.2f%n", n, s, bigM, m, r, a[0], load());

    // The plain session first: its windows of S steps print as soon as it ends; then each round as it ends.
    GroupThinkResult plain = model.think(q.toBuilder().maxTokens(r * s).build(), null, cpuAt(plainCpu, noStop));
    List<Double> decode = plain.stepMillis().subList(plain.stepMillis().size() - plain.decodeSteps(), plain.stepMillis().size());
    int prompt = plain.promptTokens();
    double[] plainWindow = new double[r];
    double[] plainLow = new double[r];
    System.out.printf(Locale.ROOT, "plain session done, load %.2f%n", load());
    double[] plainCpuStep = new double[r];
    System.out.println("window | plain: step ms (median) | p10 | CPU ms/step | plain KV tokens at window end");
    for (int i = 0; i < r; i++) {
      List<Double> w = decode.subList(Math.min(i * s, decode.size()), Math.min((i + 1) * s, decode.size()));
      plainWindow[i] = median(w);
      plainLow[i] = percentile(w, 0.1);
      plainCpuStep[i] = cpuPerStep(plainCpu, Math.max(1, i * s), (i + 1) * s - 1);
      System.out.printf(Locale.ROOT, "%6d | %23.2f | %6.2f | %6.2f | %d%n", i + 1, plainWindow[i], plainLow[i],
          plainCpuStep[i], prompt + n * (i + 1) * s);
    }
    System.out.println("round | rounds: step ms (median) | p10 | CPU ms/step | KV tokens held by the round | load");
    RoundListener progress = new RoundListener() {
      public void onRoundEnd(RoundsResult.Round round) {
        long[] cpu = roundCpu[round.index()];
        System.out.printf(Locale.ROOT, "%5d | %24.2f | %6.2f | %6.2f | %d | %.2f%n", round.index(),
            median(round.decodeMillis()), percentile(round.decodeMillis(), 0.1), cpuPerStep(cpu, 1, s - 1), round.kvTokens(), load());
        System.out.flush();
      } };
    RoundsResult rr = new RoundSession(model, q, new RoundOptions(r, s, bigM, m, false, null, words), progress, hooks)
        .start().await();
    List<Double> first = rr.rounds().get(0).decodeMillis(), last = rr.rounds().get(rr.rounds().size() - 1).decodeMillis();
    int k = rr.rounds().size();
    // Control: a fresh session's round 1 right after round 20, so a drift of the machine over the run shows as such.
    long[][] controlCpu = new long[2][s];
    List<Double> control = new RoundSession(model, q, new RoundOptions(1, s, bigM, m, false, null, words), null,
        hooks(controlCpu, noStop))
        .start().await().rounds().get(0).decodeMillis();
    System.out.printf(Locale.ROOT, "control: a fresh session's round 1 after the run: %.2f ms (median), %.2f (p10), %.2f CPU ms/step, load %.2f%n",
        median(control), percentile(control, 0.1), cpuPerStep(controlCpu[1], 1, s - 1), load());
    System.out.printf(Locale.ROOT, "round %d / round 1: rounds %.3f, plain %.3f (medians); rounds %.3f, plain %.3f (p10); "
        + "rounds %.3f, plain %.3f (CPU per step); round %d / the control's round 1: %.3f (median), %.3f (CPU per step); "
        + "peak KV rounds %d tokens (bound %d), plain %d tokens%n", k, median(last) / median(first), plainWindow[r - 1] / plainWindow[0],
        percentile(last, 0.1) / percentile(first, 0.1), plainLow[r - 1] / plainLow[0],
        cpuPerStep(roundCpu[k], 1, s - 1) / cpuPerStep(roundCpu[1], 1, s - 1), plainCpuStep[r - 1] / plainCpuStep[0],
        k, median(last) / median(control), cpuPerStep(roundCpu[k], 1, s - 1) / cpuPerStep(controlCpu[1], 1, s - 1),
        rr.peakKvTokens(), rr.kvBound(), prompt + n * r * s);
    model.close();
  }

  static int arg(String[] a, int i, int d) { return a.length > i ? Integer.parseInt(a[i]) : d; }

  static double median(List<Double> v) { return percentile(v, 0.5); }

  static double percentile(List<Double> v, double q) {
    List<Double> s = new ArrayList<>(v); Collections.sort(s);
    return s.isEmpty() ? Double.NaN : s.get((int) (q * (s.size() - 1) + 0.5));
  }

  /** A hook that notes the process's CPU time when lane 0 takes its token number i, then asks {@code next}. */
  static StepHook cpuAt(long[] at, StepHook next) {
    return new StepHook() { public int override(int lane, int i, int t) {
      if (lane == 0 && i < at.length) at[i] = CPU.getProcessCpuTime();
      return next.override(lane, i, t); } };
  }

  /** Lanes that never stop; segment r notes its CPU times in cpu[r]. */
  static RoundSession.Hooks hooks(long[][] cpu, StepHook noStop) {
    return new RoundSession.Hooks() {
      public StepHook segment(int round) { return cpuAt(cpu[round], noStop); }
      public StepHook summary(int round) { return noStop; } };
  }

  static double cpuPerStep(long[] at, int from, int to) { return (at[to] - at[from]) / 1e6 / (to - from); }

  static final com.sun.management.OperatingSystemMXBean CPU =
      (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

  static double load() { return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(); }
}
