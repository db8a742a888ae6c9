package io.groupthink.server;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small retrying client for streamed completions, as a user's would be: a request that fails
 * cleanly (an error status, or a stream cut before {@code [DONE]}) is sent again, up to
 * {@code attempts} times, after the {@code Retry-After} a 429 or 503 asks for. Records what the figures need: replica, time to first token, tokens.
 */
final class StreamLoad {

    private static final Pattern COMPLETION_TOKENS = Pattern.compile("\"completion_tokens\":(\\d+)");

    /** One request's story: every attempt's outcome, and the last attempt's measurements. */
    static final class Outcome {
        final int id;
        final long sentNanos;
        final List<String> failures = new ArrayList<>();
        String replica;
        long firstTokenNanos = -1;
        long doneNanos = -1;
        int completionTokens;
        boolean completed;

        Outcome(int id, long sentNanos) {
            this.id = id;
            this.sentNanos = sentNanos;
        }

        double ttftMillis() {
            return (firstTokenNanos - sentNanos) / 1e6;
        }
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final String url;
    private final int maxTokens;
    private final int attempts;

    StreamLoad(String url, int maxTokens, int attempts) {
        this.url = url;
        this.maxTokens = maxTokens;
        this.attempts = attempts;
    }

    /** Starts {@code count} requests at once on their own threads; the futures end when each does. */
    List<Future<Outcome>> send(ExecutorService pool, int firstId, int count) {
        List<Future<Outcome>> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int id = firstId + i;
            out.add(pool.submit(() -> run(id)));
        }
        return out;
    }

    static ExecutorService pool(int threads) {
        return Executors.newFixedThreadPool(threads);
    }

    private Outcome run(int id) {
        Outcome o = new Outcome(id, System.nanoTime());
        String body = "{\"model\":\"" + ServerTestBase.MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"Tom had a red ball " + id + ".\"}],\"max_tokens\":" + maxTokens
                + ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}";
        for (int attempt = 1; attempt <= attempts && !o.completed; attempt++) {
            o.firstTokenNanos = -1;
            try {
                HttpResponse<java.io.InputStream> response = http.send(HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(240)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                o.replica = response.headers().firstValue("X-Replica").orElse("?");
                if (response.statusCode() != 200) {
                    o.failures.add("HTTP " + response.statusCode() + " from " + o.replica + ": "
                            + new String(response.body().readAllBytes(), StandardCharsets.UTF_8));
                    // Busy or draining: wait as told before the next attempt.
                    long wait = response.headers().firstValueAsLong("Retry-After").orElse(0);
                    Thread.sleep(Math.min(wait, 5) * 1000);
                    continue;
                }
                boolean done = false;
                boolean finished = false;
                try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(),
                        StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = lines.readLine()) != null) {
                        if (!line.startsWith("data:")) {
                            continue;
                        }
                        String data = line.substring(5).trim();
                        if (data.equals("[DONE]")) {
                            done = true;
                        } else if (data.startsWith("{\"error\"")) {
                            o.failures.add("error event from " + o.replica + ": " + data);
                        } else {
                            if (o.firstTokenNanos < 0 && data.contains("\"content\":\"") && !data.contains(
                                    "\"content\":\"\"")) {
                                o.firstTokenNanos = System.nanoTime();
                            }
                            finished |= data.contains("\"finish_reason\":\"");
                            Matcher m = COMPLETION_TOKENS.matcher(data);
                            if (m.find()) {
                                o.completionTokens = Integer.parseInt(m.group(1));
                            }
                        }
                    }
                }
                if (done && finished) {
                    o.completed = true;
                    o.doneNanos = System.nanoTime();
                } else {
                    o.failures.add("stream from " + o.replica + " cut before [DONE]");
                }
            } catch (Exception e) {
                o.failures.add(e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }
        return o;
    }
}
