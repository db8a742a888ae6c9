/*
 * Soak: many sessions of mixed modes and sizes through one engine, with cancels, sampling RSS and
 * the model's live NDArrays at idle after each wave. Passes when RSS after warm-up grows <= 5% and
 * live arrays stay flat.
 *
 *   ./mvnw -B -ntp -q -pl engine -am compile
 *   ./mvnw -B -ntp -q -pl engine dependency:build-classpath -Dmdep.outputFile=/tmp/engine.cp
 *   nice java -Xmx1g --add-modules jdk.incubator.vector -cp engine/target/classes:$(cat /tmp/engine.cp) \
 *        benchmarks/Soak.java ../shared/models/stories260K-hf [SESSIONS=10000] [WAVE=500] [torch|vector]
 */
import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.groupthink.*;
import io.groupthink.engine.runtime.LinearFactory;
import io.groupthink.engine.sampling.SamplingOptions;
import io.groupthink.engine.scheduler.*;
import java.nio.file.*;
import java.time.Duration;
import java.util.*;
import java.util.concurrent.*;

public class Soak {
  static final PromptTemplate SHORT = new PromptTemplate("We are {count} friends.", "A story.",
      "{question} I am friend {id}.{role}", " I {role}.", "F{id}:", " The end:");
  static final String[] QUESTIONS = {"Tom had a red ball.", "Lily saw a big dog.", "The sun was hot.",
      "Once upon a time", "Sam and Sue played.", "A bird sang.", "Max found a box.", "It was a rainy day."};

  public static void main(String[] a) throws Exception {
    Path dir = Path.of(a[0]);
    int total = a.length > 1 ? Integer.parseInt(a[1]) : 10_000;
    int wave = a.length > 2 ? Integer.parseInt(a[2]) : 500;
    LinearFactory linears = a.length > 3 && a[3].equals("vector") ? LinearFactory.vector(0) : LinearFactory.TORCH;
    try (GroupThinkModel model = GroupThinkModel.load(dir, new GroupThinkModel.Options(0, false, linears));
        Scheduler engine = new Scheduler(model, new SchedulerOptions(4096, 100_000, Duration.ofMinutes(10), 512), null)) {
      SplittableRandom random = new SplittableRandom(14);
      System.out.printf("%8s %10s %10s %8s %8s %8s %9s%n", "sessions", "RSS MB", "live NDs", "done", "cancel", "failed",
          "s/wave");
      List<long[]> samples = new ArrayList<>();
      long t0 = System.nanoTime();
      for (int done = 0; done < total; ) {
        long w0 = System.nanoTime();
        List<SessionHandle> handles = new ArrayList<>();
        for (int i = 0; i < wave && done + i < total; i++) {
          handles.add(engine.submit(session(model, random)));
        }
        for (SessionHandle h : handles) {
          if (random.nextInt(10) == 0) {
            h.cancel();
          }
        }
        int ok = 0, cancelled = 0, failed = 0;
        for (SessionHandle h : handles) {
          try {
            h.result().get(10, TimeUnit.MINUTES);
            ok++;
          } catch (CancellationException | ExecutionException e) {
            if (h.status() == SessionStatus.CANCELLED || e instanceof CancellationException
                || e.getCause() instanceof CancellationException) {
              cancelled++;
            } else {
              failed++;
            }
          }
        }
        done += handles.size();
        idle(engine);
        System.gc();
        long rss = rssKb() / 1024;
        int live = model.liveArrays(); // at idle: the engine thread holds no step arrays now
        samples.add(new long[] {done, rss, live});
        System.out.printf("%8d %10d %10d %8d %8d %8d %9.1f%n", done, rss, live, ok, cancelled, failed,
            (System.nanoTime() - w0) / 1e9);
      }
      int warm = Math.min(2, samples.size() - 1); // after the first waves the JIT and allocators have settled
      long base = samples.get(warm)[1];
      long last = samples.get(samples.size() - 1)[1];
      long maxRss = samples.stream().skip(warm).mapToLong(s -> s[1]).max().orElse(base);
      long minLive = samples.stream().mapToLong(s -> s[2]).min().orElse(0);
      long maxLive = samples.stream().mapToLong(s -> s[2]).max().orElse(0);
      double growth = 100.0 * (last - base) / base;
      System.out.printf("%d sessions in %.0f s; RSS after warm-up (%d sessions) %d MB -> %d MB (max %d): %+.1f%%;"
          + " live NDArrays %d..%d; %s%n", total, (System.nanoTime() - t0) / 1e9, samples.get(warm)[0], base, last,
          maxRss, growth, minLive, maxLive, growth <= 5 && minLive == maxLive ? "PASS" : "FAIL");
      EngineStats s = engine.stats();
      System.out.println("engine at the end: " + s.activeSessions() + " active, " + s.queued() + " queued, "
          + s.kvTokensInUse() + " KV tokens, " + s.kvTokensReserved() + " reserved, faults " + s.faults());
    }
  }

  static GroupThinkSession session(GroupThinkModel model, SplittableRandom r) {
    String q = QUESTIONS[r.nextInt(QUESTIONS.length)];
    int kind = r.nextInt(4);
    if (kind == 0) {
      return model.newPlainSession(q, 4 + r.nextInt(28), r.nextBoolean() ? SamplingOptions.GREEDY
          : SamplingOptions.sampled(0.8, 0.9, r.nextLong()), List.of(), 0, null, null);
    }
    Mode mode = kind == 1 ? Mode.INDEPENDENT : kind == 2 ? Mode.GROUP_THINK : Mode.COT;
    int n = mode == Mode.COT ? 1 : 1 + r.nextInt(4);
    return model.newSession(GroupThinkRequest.builder(q).thinkers(n).mode(mode)
        .layout(r.nextBoolean() ? Layout.SLOTTED : Layout.INTERLEAVED).maxTokens(4 + r.nextInt(20))
        .synthesize(mode != Mode.COT && r.nextInt(4) == 0).synthesisTokens(8).template(SHORT).build(), null, null);
  }

  static void idle(Scheduler engine) throws InterruptedException {
    while (true) {
      EngineStats s = engine.stats();
      if (s.activeSessions() == 0 && s.queued() == 0 && s.kvTokensInUse() == 0) {
        return;
      }
      Thread.sleep(5);
    }
  }

  static long rssKb() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }
}
