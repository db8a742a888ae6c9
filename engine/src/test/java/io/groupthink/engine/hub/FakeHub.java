package io.groupthink.engine.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A fake Hugging Face hub on 127.0.0.1 (ephemeral port) serving one repo in the hub's URL layout:
 * {@code /api/models/{repo}/revision/{rev}}, {@code /{repo}/resolve/{rev}/{file}} (LFS files answer with a
 * 302 to {@code /cdn/{sha256}} carrying {@code X-Linked-Etag}/{@code X-Linked-Size}, as the real hub does),
 * with knobs for failures. Every handler does a bounded amount of work; a stall waits at most 5 s.
 */
final class FakeHub implements AutoCloseable {

    /** One request as the server saw it. */
    record Request(String method, String path, String range, String authorization) {}

    static final String REPO = "acme/tiny-model";

    final String commit;
    final Map<String, byte[]> files = new LinkedHashMap<>();
    final Set<String> lfs = ConcurrentHashMap.newKeySet();
    final List<Request> requests = new CopyOnWriteArrayList<>();

    // knobs
    volatile String requiredToken; // when set, resolve/ and cdn/ need "Bearer <token>" (a gated model)
    volatile boolean apiBlobs = true; // honour ?blobs=true with sizes and lfs info
    volatile boolean apiSiblings = true; // include the file list at all
    volatile boolean ignoreRange;
    final Map<String, AtomicInteger> dropHalfway = new ConcurrentHashMap<>(); // file -> times to drop
    final Map<String, AtomicInteger> stallHalfway = new ConcurrentHashMap<>(); // file -> times to stall
    final Map<String, AtomicInteger> unavailable = new ConcurrentHashMap<>(); // file -> times to answer 503
    final Map<String, byte[]> corrupt = new ConcurrentHashMap<>(); // file -> bytes served instead

    private final HttpServer server;
    private final ExecutorService pool = Executors.newFixedThreadPool(4);
    private final CountDownLatch release = new CountDownLatch(1);
    private final ObjectMapper mapper = new ObjectMapper();

    FakeHub(String commit) throws IOException {
        this.commit = commit;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.setExecutor(pool);
        server.createContext("/", this::handle);
        server.start();
    }

    FakeHub() throws IOException {
        this("0123456789abcdef0123456789abcdef01234567");
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    FakeHub file(String name, byte[] content, boolean isLfs) {
        files.put(name, content);
        if (isLfs) {
            lfs.add(name);
        }
        return this;
    }

    FakeHub file(String name, String content) {
        return file(name, content.getBytes(StandardCharsets.UTF_8), false);
    }

    /** Every file of a model folder; {@code .safetensors} files are served as LFS files. */
    FakeHub folder(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) {
                String name = p.getFileName().toString();
                file(name, Files.readAllBytes(p), name.endsWith(".safetensors"));
            }
        }
        return this;
    }

    /** A small single-file model: JSON files and {@code size} arbitrary bytes of weights. */
    FakeHub smallModel(int size) {
        byte[] weights = new byte[size];
        for (int i = 0; i < size; i++) {
            weights[i] = (byte) (i * 31 + (i >> 8));
        }
        file("config.json", "{\"model_type\":\"llama\"}");
        file("generation_config.json", "{\"eos_token_id\":2}");
        file("tokenizer.json", "{\"version\":\"1.0\"}");
        file("tokenizer_config.json", "{}");
        file("README.md", "# tiny");
        file("model.safetensors", weights, true);
        return this;
    }

    long count(String pathPart) {
        return requests.stream().filter(r -> r.path().contains(pathPart)).count();
    }

    List<Request> requestsFor(String pathPart) {
        return requests.stream().filter(r -> r.path().contains(pathPart)).toList();
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The git blob id, which the hub gives as the ETag of non-LFS files. */
    static String gitSha1(byte[] b) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-1");
            md.update(("blob " + b.length + "\0").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md.digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    String blobId(String file) {
        byte[] b = files.get(file);
        return lfs.contains(file) ? sha256(b) : gitSha1(b);
    }

    @Override
    public void close() {
        release.countDown();
        server.stop(0);
        pool.shutdownNow();
    }

    // --- handlers ------------------------------------------------------------------------------------------

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getRawPath();
            requests.add(new Request(ex.getRequestMethod(), path + (ex.getRequestURI().getRawQuery() == null ? ""
                    : "?" + ex.getRequestURI().getRawQuery()), ex.getRequestHeaders().getFirst("Range"),
                    ex.getRequestHeaders().getFirst("Authorization")));
            ex.getRequestBody().readAllBytes();
            List<String> seg = Arrays.stream(path.split("/")).skip(1)
                    .map(s -> URLDecoder.decode(s, StandardCharsets.UTF_8)).toList();
            if (seg.size() >= 6 && seg.get(0).equals("api") && seg.get(1).equals("models")
                    && seg.get(4).equals("revision")) {
                api(ex, seg.get(2) + "/" + seg.get(3), seg.get(5));
            } else if (seg.size() >= 5 && seg.get(2).equals("resolve")) {
                resolve(ex, seg.get(0) + "/" + seg.get(1), seg.get(3), String.join("/", seg.subList(4, seg.size())));
            } else if (seg.size() == 2 && seg.get(0).equals("cdn")) {
                cdn(ex, seg.get(1));
            } else {
                error(ex, 404, null);
            }
        }
    }

    private void api(HttpExchange ex, String repo, String rev) throws IOException {
        if (!repo.equals(REPO)) {
            error(ex, 404, "RepoNotFound");
            return;
        }
        if (!rev.equals("main") && !rev.equals(commit)) {
            error(ex, 404, "RevisionNotFound");
            return;
        }
        boolean blobs = apiBlobs && "blobs=true".equals(ex.getRequestURI().getQuery());
        ObjectNode root = mapper.createObjectNode().put("id", REPO).put("sha", commit);
        if (apiSiblings) {
            ArrayNode sib = root.putArray("siblings");
            files.forEach((name, content) -> {
                ObjectNode s = sib.addObject().put("rfilename", name);
                if (blobs) {
                    s.put("blobId", gitSha1(content)).put("size", content.length);
                    if (lfs.contains(name)) {
                        s.putObject("lfs").put("sha256", sha256(content)).put("size", content.length)
                                .put("pointerSize", 134);
                    }
                }
            });
        }
        byte[] body = mapper.writeValueAsBytes(root);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
    }

    private boolean authorized(HttpExchange ex) throws IOException {
        String token = requiredToken;
        if (token == null || ("Bearer " + token).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
            return true;
        }
        ex.getResponseHeaders().set("X-Error-Message", "Access to model " + REPO + " is restricted.");
        error(ex, 401, "GatedRepo");
        return false;
    }

    private void resolve(HttpExchange ex, String repo, String rev, String file) throws IOException {
        if (!repo.equals(REPO)) {
            error(ex, 404, "RepoNotFound");
            return;
        }
        if (!rev.equals("main") && !rev.equals(commit)) {
            error(ex, 404, "RevisionNotFound");
            return;
        }
        if (!authorized(ex)) {
            return;
        }
        byte[] content = files.get(file);
        if (content == null) {
            error(ex, 404, "EntryNotFound");
            return;
        }
        Headers h = ex.getResponseHeaders();
        h.set("X-Repo-Commit", commit);
        if (lfs.contains(file)) {
            String sha = sha256(content);
            h.set("X-Linked-Etag", "\"" + sha + "\"");
            h.set("X-Linked-Size", Long.toString(content.length));
            h.set("ETag", "\"" + gitSha1(content) + "\"");
            h.set("Location", endpoint() + "/cdn/" + sha);
            ex.sendResponseHeaders(302, -1);
            return;
        }
        h.set("ETag", "\"" + gitSha1(content) + "\"");
        serve(ex, file, content);
    }

    private void cdn(HttpExchange ex, String sha) throws IOException {
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            if (lfs.contains(e.getKey()) && sha256(e.getValue()).equals(sha)) {
                serve(ex, e.getKey(), e.getValue());
                return;
            }
        }
        error(ex, 404, null);
    }

    private void serve(HttpExchange ex, String file, byte[] content) throws IOException {
        if (take(unavailable, file)) {
            error(ex, 503, null);
            return;
        }
        byte[] bytes = corrupt.getOrDefault(file, content);
        String range = ex.getRequestHeaders().getFirst("Range");
        int from = 0;
        int status = 200;
        if (range != null && !ignoreRange && range.startsWith("bytes=") && range.endsWith("-")) {
            from = Integer.parseInt(range.substring(6, range.length() - 1));
            if (from >= bytes.length) {
                ex.getResponseHeaders().set("Content-Range", "bytes */" + bytes.length);
                ex.sendResponseHeaders(416, -1);
                return;
            }
            status = 206;
            ex.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + (bytes.length - 1) + "/"
                    + bytes.length);
        }
        ex.getResponseHeaders().set("Accept-Ranges", "bytes");
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        int length = bytes.length - from;
        ex.sendResponseHeaders(status, length);
        OutputStream out = ex.getResponseBody();
        boolean drop = take(dropHalfway, file);
        boolean stall = !drop && take(stallHalfway, file);
        if (drop || stall) {
            out.write(bytes, from, length / 2);
            out.flush();
            if (stall) {
                try {
                    release.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            throw new IOException("fake hub: dropping the connection half-way through " + file);
        }
        out.write(bytes, from, length);
    }

    private static boolean take(Map<String, AtomicInteger> knob, String file) {
        AtomicInteger n = knob.get(file);
        return n != null && n.getAndUpdate(v -> Math.max(0, v - 1)) > 0;
    }

    private static void error(HttpExchange ex, int status, String code) throws IOException {
        if (code != null) {
            ex.getResponseHeaders().set("X-Error-Code", code);
        }
        byte[] body = ("{\"error\":\"" + (code == null ? "error" : code) + "\"}").getBytes(StandardCharsets.UTF_8);
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, body.length);
        ex.getResponseBody().write(body);
    }
}
