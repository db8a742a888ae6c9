package io.groupthink.server;

import io.groupthink.engine.TestModels;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Server replicas as separate JVMs from the packaged jar, behind Debian's haproxy, all on loopback:
 * least outstanding requests ({@code balance leastconn}), health checks on the actuator's readiness
 * group, and retries of refused or 503 requests on another replica ({@code retry-on},
 * {@code option redispatch}). Every wait is bounded; {@link #close()} ends every process it started.
 */
final class ReplicaCluster implements AutoCloseable {

    static final Path JAR = Path.of("target/groupthink-server.jar");

    final Path dir;
    final List<Replica> replicas = new ArrayList<>();
    final int frontPort;
    final int statsPort;
    final Duration drainTime;
    private Process haproxy;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** One replica: its JVM, port and log. */
    final class Replica {
        final String name;
        final int port;
        final Path log;
        Process process;

        Replica(String name, int port) {
            this.name = name;
            this.port = port;
            this.log = dir.resolve(name + ".log");
        }

        void start() throws IOException {
            process = new ProcessBuilder("java", "--add-modules", "jdk.incubator.vector", "-Xmx512m",
                    "-jar", JAR.toAbsolutePath().toString(),
                    "--server.port=" + port, "--server.address=127.0.0.1",
                    "--groupthink.model.path=" + TestModels.stories(),
                    "--spring.profiles.active=tiny",
                    // One compute thread each: three replicas share two cores, and spinning kernel
                    // helpers would only fight each other.
                    "--groupthink.model.threads=1",
                    // All 64 streams may be admitted by one replica; the engine's queue, not the
                    // bulkhead's default of 25, decides who waits for KV memory.
                    "--resilience4j.bulkhead.instances.groupthink.max-concurrent-calls=128",
                    "--groupthink.engine.max-queue=256",
                    "--groupthink.engine.queue-timeout=120s",
                    "--spring.lifecycle.timeout-per-shutdown-phase=" + drainTime.toSeconds() + "s")
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        }

        int readiness() {
            try {
                return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/actuator/health/readiness")).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (IOException e) {
                return -1; // not listening
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }
    }

    ReplicaCluster(int count, Duration drainTime) throws IOException {
        this.dir = Files.createTempDirectory("gt-replicas");
        this.drainTime = drainTime;
        for (int i = 1; i <= count; i++) {
            replicas.add(new Replica("r" + i, freePort()));
        }
        this.frontPort = freePort();
        this.statsPort = freePort();
    }

    void start(Duration timeout) throws Exception {
        for (Replica r : replicas) {
            r.start();
        }
        long end = System.nanoTime() + timeout.toNanos();
        for (Replica r : replicas) {
            while (r.readiness() != 200) {
                if (!r.process.isAlive()) {
                    throw new IllegalStateException(r.name + " exited during start-up; see " + r.log);
                }
                if (System.nanoTime() > end) {
                    throw new IllegalStateException(r.name + " not ready within " + timeout + "; see " + r.log);
                }
                Thread.sleep(250);
            }
        }
        Path cfg = dir.resolve("haproxy.cfg");
        Files.writeString(cfg, config());
        haproxy = new ProcessBuilder("haproxy", "-db", "-f", cfg.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("haproxy.log").toFile()).start();
        while (up() < replicas.size()) {
            if (!haproxy.isAlive()) {
                throw new IllegalStateException("haproxy exited; see " + dir.resolve("haproxy.log"));
            }
            if (System.nanoTime() > end) {
                throw new IllegalStateException("haproxy did not see every replica UP within " + timeout);
            }
            Thread.sleep(250);
        }
    }

    String config() {
        StringBuilder sb = new StringBuilder("""
                global
                    maxconn 1024
                defaults
                    mode http
                    timeout connect 2s
                    timeout client 300s
                    timeout server 300s
                    timeout queue 60s
                    # Replicas on a busy 2-core box answer slowly; a short check timeout would flap.
                    timeout check 5s
                    # A refused connection or a draining replica's 503 goes to another replica.
                    retries 3
                    option redispatch 1
                    retry-on conn-failure empty-response 503
                frontend api
                    bind 127.0.0.1:%d
                    default_backend replicas
                backend replicas
                    balance leastconn
                    option httpchk GET /actuator/health/readiness
                    http-check expect status 200
                    default-server inter 500ms fall 1 rise 1
                    http-response set-header X-Replica %%s
                listen stats
                    bind 127.0.0.1:%d
                    stats enable
                    stats uri /stats
                """.formatted(frontPort, statsPort));
        StringBuilder servers = new StringBuilder();
        for (Replica r : replicas) {
            servers.append("    server ").append(r.name).append(" 127.0.0.1:").append(r.port).append(" check\n");
        }
        int at = sb.indexOf("listen stats");
        sb.insert(at, servers);
        return sb.toString();
    }

    /** haproxy's view of one replica: UP, DOWN, ... from its stats CSV. */
    String status(String replica) {
        try {
            String csv = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + statsPort + "/stats;csv"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).body();
            for (String line : csv.split("\n")) {
                String[] f = line.split(",");
                if (f.length > 17 && f[0].equals("replicas") && f[1].equals(replica)) {
                    return f[17];
                }
            }
            return "absent";
        } catch (IOException e) {
            return "unreachable";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    int up() {
        int n = 0;
        for (Replica r : replicas) {
            if (status(r.name).startsWith("UP")) {
                n++;
            }
        }
        return n;
    }

    String url() {
        return "http://127.0.0.1:" + frontPort + "/v1/chat/completions";
    }

    @Override
    public void close() {
        if (haproxy != null) {
            haproxy.destroyForcibly();
        }
        for (Replica r : replicas) {
            if (r.process != null && r.process.isAlive()) {
                r.process.destroyForcibly();
            }
        }
    }

    static boolean haproxyInstalled() {
        try {
            Process p = new ProcessBuilder("haproxy", "-v").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
