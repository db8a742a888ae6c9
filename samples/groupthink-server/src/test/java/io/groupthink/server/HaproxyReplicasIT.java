package io.groupthink.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Three replicas behind haproxy on loopback. SIGTERM one mid-run: haproxy sees its readiness go
 * DOWN, it takes no new sessions, it finishes the ones it has within the drain time and exits, and
 * not one of 64 streams is lost. Then SIGKILL another: its streams are cut, and a retrying client
 * gets every answer all the same. Runs after {@code package} (failsafe), on the packaged jar.
 *
 * <p>Figures at 1 and 3 replicas: {@code -Dgroupthink.bench=true} (see BENCHMARKS.md).
 */
class HaproxyReplicasIT {

    static final Duration DRAIN = Duration.ofSeconds(30);
    static final int STREAMS = 64;

    @Test
    void sigtermDrainsOneReplicaWithoutLosingARequestAndSigkillIsRetried() throws Exception {
        assumeTrue(ReplicaCluster.haproxyInstalled(), "haproxy is not installed (.ci/run installs it)");
        ExecutorService pool = StreamLoad.pool(STREAMS);
        try (ReplicaCluster cluster = new ReplicaCluster(3, DRAIN)) {
            cluster.start(Duration.ofSeconds(600));
            ReplicaCluster.Replica r1 = cluster.replicas.get(0);
            StreamLoad once = new StreamLoad(cluster.url(), 24, 1); // one attempt: nothing may be lost

            long start = System.nanoTime();
            List<Future<StreamLoad.Outcome>> first = once.send(pool, 0, 48);
            await(() -> activeSessions(r1) > 0, Duration.ofSeconds(120), "r1 never got a session");
            long term = System.nanoTime();
            r1.process.destroy(); // SIGTERM
            await(() -> r1.readiness() != 200, Duration.ofSeconds(30), "r1's readiness still UP after SIGTERM");
            long notReady = System.nanoTime();
            await(() -> !cluster.status("r1").startsWith("UP"), Duration.ofSeconds(15),
                    "haproxy still routes to r1 after its readiness went DOWN");
            long down = System.nanoTime();
            List<Future<StreamLoad.Outcome>> second = once.send(pool, 48, STREAMS - 48);
            assertThat(r1.process.waitFor(DRAIN.toSeconds() + 30, TimeUnit.SECONDS)).as("r1 exits").isTrue();
            double exitedAfter = (System.nanoTime() - term) / 1e9;

            List<StreamLoad.Outcome> firstWave = results(first);
            List<StreamLoad.Outcome> secondWave = results(second);
            double wall = (System.nanoTime() - start) / 1e9;
            List<StreamLoad.Outcome> all = new ArrayList<>(firstWave);
            all.addAll(secondWave);
            assertThat(all).allSatisfy(o -> {
                assertThat(o.failures).as("request %d", o.id).isEmpty();
                assertThat(o.completed).isTrue();
                assertThat(o.completionTokens).isPositive();
            });
            long drained = firstWave.stream().filter(o -> "r1".equals(o.replica)).count();
            assertThat(drained).as("streams r1 finished while draining").isPositive();
            assertThat(secondWave).as("sessions sent after r1 went DOWN").noneMatch(o -> "r1".equals(o.replica));
            assertThat(exitedAfter).as("r1 exit, seconds after SIGTERM").isLessThan(DRAIN.toSeconds() + 15);
            System.out.printf(Locale.ROOT, "SIGTERM: r1 readiness DOWN %.2f s and DOWN in haproxy %.2f s after SIGTERM, "
                    + "drained %d streams, exited after %.1f s (drain time %d s)%n", (notReady - term) / 1e9,
                    (down - term) / 1e9, drained, exitedAfter, DRAIN.toSeconds());
            System.out.println(figures("3 replicas, SIGTERM r1 mid-run", all, wall));

            // SIGKILL: no drain at all. Its streams are cut; the client retries and still gets every answer.
            ReplicaCluster.Replica r2 = cluster.replicas.get(1);
            StreamLoad retrying = new StreamLoad(cluster.url(), 24, 10);
            List<Future<StreamLoad.Outcome>> third = retrying.send(pool, 100, 32);
            await(() -> activeSessions(r2) > 0, Duration.ofSeconds(120), "r2 never got a session");
            r2.process.destroyForcibly(); // SIGKILL
            List<StreamLoad.Outcome> killed = results(third);
            assertThat(killed).allSatisfy(o -> assertThat(o.completed).as("request %d: %s", o.id, o.failures).isTrue());
            long retried = killed.stream().filter(o -> !o.failures.isEmpty()).count();
            assertThat(killed.stream().flatMap(o -> o.failures.stream()))
                    .allMatch(f -> f.contains("cut before [DONE]") || f.startsWith("HTTP 50") || f.startsWith("HTTP 429") || f.contains("IOException")
                            || f.contains("EOF") || f.contains("closed"), "a clean, retryable failure");
            System.out.printf(Locale.ROOT, "SIGKILL: %d of %d streams were cut and retried; all %d completed%n",
                    retried, killed.size(), killed.stream().filter(o -> o.completed).count());
        } finally {
            pool.shutdownNow();
        }
    }

    /** 64 streams at 1 and at 3 replicas, nothing killed: the figures in BENCHMARKS.md. */
    @Test
    @EnabledIfSystemProperty(named = "groupthink.bench", matches = "true")
    void figuresAtOneAndThreeReplicas() throws Exception {
        assumeTrue(ReplicaCluster.haproxyInstalled(), "haproxy is not installed");
        int tokens = Integer.getInteger("groupthink.bench.tokens", 64);
        ExecutorService pool = StreamLoad.pool(STREAMS);
        try {
            for (String replicas : System.getProperty("groupthink.bench.replicas", "1,3").split(",")) {
                int n = Integer.parseInt(replicas.trim());
                try (ReplicaCluster cluster = new ReplicaCluster(n, DRAIN)) {
                    cluster.start(Duration.ofSeconds(600));
                    StreamLoad load = new StreamLoad(cluster.url(), tokens, 1);
                    results(load.send(pool, 0, 8)); // warm-up, not counted
                    long start = System.nanoTime();
                    List<StreamLoad.Outcome> all = results(load.send(pool, 1000, STREAMS));
                    double wall = (System.nanoTime() - start) / 1e9;
                    System.out.println(figures(n + " replica(s), " + STREAMS + " streams x " + tokens + " tokens",
                            all, wall));
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    static String figures(String what, List<StreamLoad.Outcome> all, double wallSeconds) {
        List<Double> ttft = all.stream().filter(o -> o.firstTokenNanos > 0).map(StreamLoad.Outcome::ttftMillis)
                .sorted().toList();
        long tokens = all.stream().mapToLong(o -> o.completionTokens).sum();
        long completed = all.stream().filter(o -> o.completed).count();
        return String.format(Locale.ROOT, "FIGURES | %s | completed %d/%d | TTFT p50 %.0f ms p95 %.0f ms | wall %.1f s "
                + "| %d tokens, %.1f tok/s aggregate", what, completed, all.size(), percentile(ttft, 50),
                percentile(ttft, 95), wallSeconds, tokens, tokens / wallSeconds);
    }

    static double percentile(List<Double> sorted, int p) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }

    private static List<StreamLoad.Outcome> results(List<Future<StreamLoad.Outcome>> futures) throws Exception {
        List<StreamLoad.Outcome> out = new ArrayList<>();
        for (Future<StreamLoad.Outcome> f : futures) {
            out.add(f.get(600, TimeUnit.SECONDS));
        }
        return out;
    }

    private static void await(BooleanSupplier condition, Duration timeout, String failure) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError(failure + " within " + timeout);
            }
            Thread.sleep(50);
        }
    }

    /** The replica's own gauge, read from its Prometheus endpoint. */
    private static int activeSessions(ReplicaCluster.Replica r) {
        try {
            String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + r.port + "/actuator/prometheus")).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            for (String line : text.split("\n")) {
                if (line.startsWith("groupthink_sessions_active")) {
                    return (int) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            return 0;
        } catch (Exception e) {
            return 0;
        }
    }
}
