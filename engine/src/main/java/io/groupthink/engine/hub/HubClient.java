package io.groupthink.engine.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodySubscribers;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Flow;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of the Hugging Face hub, on {@link java.net.http.HttpClient}: repo info, per-file metadata
 * and resumable, verified downloads. Knows nothing about the cache layout ({@link ModelPuller} does).
 *
 * <p>URLs are the hub's: {@code GET {endpoint}/api/models/{repo}/revision/{revision}?blobs=true} and
 * {@code HEAD|GET {endpoint}/{repo}/resolve/{revision}/{file}}. The token, if any, is sent as
 * {@code Authorization: Bearer} to the endpoint's origin only (never to a CDN it redirects to). Connect and
 * read timeouts apply to every request, including stalls in the middle of a body; transient failures
 * (connection errors, timeouts, 429, 5xx) are retried at most {@link HubSettings#maxRetries()} times.
 * Thread-safe.
 */
public final class HubClient {

    private static final Logger LOG = LoggerFactory.getLogger(HubClient.class);
    private static final String USER_AGENT = "groupthink/0.1; java/" + Runtime.version().feature();
    private static final int MAX_REDIRECTS = 5;
    private static final long MAX_RETRY_AFTER_MS = 30_000;
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)");

    /** Told about the bytes of one file as they arrive. */
    @FunctionalInterface
    public interface TransferListener {
        /**
         * @param done bytes of the file on disk so far (includes a resumed prefix; may drop back to 0 when a
         *     server ignores a range request)
         * @param total the file size, or -1 when unknown
         */
        void onBytes(long done, long total);

        TransferListener NONE = (done, total) -> {};
    }

    private enum Redirects { RELATIVE_ONLY, ALL }

    private final HubSettings settings;
    private final HttpClient http;
    private final ObjectMapper mapper = new ObjectMapper();

    public HubClient(HubSettings settings) {
        this.settings = settings;
        this.http = HttpClient.newBuilder()
                .connectTimeout(settings.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    public HubSettings settings() {
        return settings;
    }

    /** {@code {endpoint}/{repo}/resolve/{revision}/{file}}, each part percent-encoded. */
    public URI resolveUrl(String repoId, String revision, String filename) {
        return URI.create(settings.endpoint() + "/" + HubNames.encodePath(HubNames.checkRepoId(repoId))
                + "/resolve/" + HubNames.encodeSegment(HubNames.checkRevision(revision)) + "/"
                + HubNames.encodePath(HubNames.checkFilename(filename)));
    }

    /** {@code {endpoint}/api/models/{repo}/revision/{revision}?blobs=true}. */
    public URI modelInfoUrl(String repoId, String revision) {
        return URI.create(settings.endpoint() + "/api/models/" + HubNames.encodePath(HubNames.checkRepoId(repoId))
                + "/revision/" + HubNames.encodeSegment(HubNames.checkRevision(revision)) + "?blobs=true");
    }

    /**
     * The commit a revision points at and the repo's files.
     *
     * @throws HubAccessException 401/403
     * @throws HubNotFoundException no such repo or revision
     * @throws HubUnavailableException the hub could not be reached, after the retries
     */
    public RepoInfo modelInfo(String repoId, String revision) {
        URI uri = modelInfoUrl(repoId, revision);
        return retrying("fetching the file list of " + repoId + " at revision " + revision, () -> {
            Exchange<byte[]> r = exchange("GET", uri, Map.of("Accept", "application/json"),
                    BodySubscribers.ofByteArray(), Redirects.RELATIVE_ONLY);
            checkStatus(r, repoId, revision, null);
            if (r.status() / 100 != 2) {
                throw new HubException("unexpected HTTP " + r.status() + " from " + uri);
            }
            return parseRepoInfo(r.body(), uri);
        });
    }

    /**
     * A {@code HEAD} on the file's resolve URL: commit, ETag, size and (for LFS files) sha256. Relative
     * redirects (renamed repos) are followed; an absolute one (to the CDN) is not, since the hub's
     * {@code X-Linked-*} headers are on the redirect itself.
     */
    public FileMetadata fileMetadata(String repoId, String revision, String filename) {
        URI uri = resolveUrl(repoId, revision, filename);
        return retrying("looking up " + filename + " in " + repoId, () -> {
            Exchange<Void> r = exchange("HEAD", uri, Map.of("Accept-Encoding", "identity"),
                    BodySubscribers.replacing(null), Redirects.RELATIVE_ONLY);
            checkStatus(r, repoId, revision, filename);
            HttpHeaders h = r.headers();
            String linkedEtag = h.firstValue("X-Linked-Etag").orElse(null);
            String etag = HubNames.cleanEtag(linkedEtag != null ? linkedEtag : h.firstValue("ETag").orElse(null));
            long size = parseLong(h.firstValue("X-Linked-Size").orElse(null));
            if (size < 0 && r.status() / 100 == 2) {
                size = parseLong(h.firstValue("Content-Length").orElse(null));
            }
            String sha = etag != null && HubNames.isSha256(etag.toLowerCase(Locale.ROOT))
                    ? etag.toLowerCase(Locale.ROOT) : null;
            return new FileMetadata(repoId, filename, uri, h.firstValue("X-Repo-Commit").orElse(null), etag, size,
                    sha);
        });
    }

    /**
     * Downloads a file to {@code destination}: the bytes go to {@code destination.incomplete} (resumed with a
     * {@code Range} request when it already holds a prefix), are checked against the expected size and
     * sha256 when known, and only then renamed atomically onto {@code destination}.
     *
     * @throws HubIntegrityException size or sha256 mismatch (the {@code .incomplete} file is deleted)
     * @throws HubUnavailableException the download kept failing; the {@code .incomplete} file is kept so a
     *     later call resumes it
     */
    public void download(FileMetadata meta, Path destination, TransferListener listener) throws IOException {
        Path part = destination.resolveSibling(destination.getFileName() + ".incomplete");
        Files.createDirectories(part.getParent());
        retrying("downloading " + meta.filename() + " from " + meta.repoId(), () -> {
            downloadAttempt(meta, part, listener);
            return null;
        });
        long actual = Files.size(part);
        if (meta.size() >= 0 && actual != meta.size()) {
            Files.deleteIfExists(part);
            throw new HubIntegrityException(meta.filename(), "size", meta.size() + " bytes", actual + " bytes");
        }
        if (meta.sha256() != null) {
            String got = sha256(part);
            if (!got.equals(meta.sha256())) {
                Files.deleteIfExists(part);
                throw new HubIntegrityException(meta.filename(), "sha256", meta.sha256(), got);
            }
        }
        HubCache.moveAtomically(part, destination);
    }

    private void downloadAttempt(FileMetadata meta, Path part, TransferListener listener) throws IOException {
        long expected = meta.size();
        long have = Files.isRegularFile(part) ? Files.size(part) : 0;
        if (expected >= 0 && have > expected) {
            LOG.info("{}: partial download is larger than the file; restarting", meta.filename());
            Files.delete(part);
            have = 0;
        }
        if (expected >= 0 && have == expected && have > 0) {
            listener.onBytes(have, expected); // complete already; verified by the caller
            return;
        }
        Map<String, String> headers = have > 0 ? Map.of("Range", "bytes=" + have + "-", "Accept-Encoding", "identity")
                : Map.of("Accept-Encoding", "identity");
        Exchange<Flow.Publisher<List<ByteBuffer>>> r = exchange("GET", meta.url(), headers,
                BodySubscribers.ofPublisher(), Redirects.ALL);
        int status = r.status();
        if (status == 416 && have > 0) {
            Files.deleteIfExists(part);
            throw new TransientException(416, -1, "the server refused to resume at byte " + have
                    + " (HTTP 416); restarting from zero");
        }
        checkStatus(r, meta.repoId(), meta.commit() != null ? meta.commit() : "?", meta.filename());
        if (status != 200 && status != 206) {
            if (r.body() != null) {
                new BodyStream(r.body(), settings.readTimeout()).close();
            }
            throw new HubException("unexpected HTTP " + status + " downloading " + meta.filename() + " from "
                    + r.uri());
        }
        long total = expected;
        boolean append = false;
        if (status == 206) {
            Matcher m = CONTENT_RANGE.matcher(r.headers().firstValue("Content-Range").orElse(""));
            if (!m.find() || Long.parseLong(m.group(1)) != have) {
                new BodyStream(r.body(), settings.readTimeout()).close();
                Files.deleteIfExists(part);
                throw new TransientException(206, -1, "the server resumed " + meta.filename()
                        + " at the wrong offset (Content-Range: "
                        + r.headers().firstValue("Content-Range").orElse("none") + "); restarting from zero");
            }
            if (total < 0 && !m.group(3).equals("*")) {
                total = Long.parseLong(m.group(3));
            }
            append = true;
            LOG.info("{}: resuming at byte {}", meta.filename(), have);
        } else {
            if (have > 0) {
                LOG.info("{}: the server ignored the range request; restarting from zero", meta.filename());
            }
            have = 0;
            if (total < 0) {
                total = parseLong(r.headers().firstValue("Content-Length").orElse(null));
            }
        }
        listener.onBytes(have, total);
        long done = have;
        boolean tooLong = false;
        try (BodyStream body = new BodyStream(r.body(), settings.readTimeout());
                FileChannel out = openPart(part, append)) {
            ByteBuffer b;
            while ((b = body.next()) != null) { // network errors from here are retried
                done += b.remaining();
                if (expected >= 0 && done > expected) {
                    tooLong = true;
                    break;
                }
                writeFully(out, b, part);
                listener.onBytes(done, total);
            }
        }
        if (tooLong) {
            Files.deleteIfExists(part);
            throw new HubIntegrityException(meta.filename(), "size", expected + " bytes", "at least " + done + " bytes");
        }
        if (expected >= 0 && done < expected) {
            throw new IOException("the connection ended after " + done + " of " + expected + " bytes");
        }
    }

    /** Local file errors (disk full, permissions) are not worth retrying: they become a HubException. */
    private static FileChannel openPart(Path part, boolean append) {
        try {
            return append
                    ? FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                            StandardOpenOption.APPEND)
                    : FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                            StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new HubException("could not open " + part + " for writing: " + e, e);
        }
    }

    private static void writeFully(FileChannel out, ByteBuffer b, Path part) {
        try {
            while (b.hasRemaining()) {
                out.write(b);
            }
        } catch (IOException e) {
            throw new HubException("could not write " + part + ": " + e, e);
        }
    }

    // --- HTTP plumbing -------------------------------------------------------------------------------------

    private record Exchange<T>(int status, HttpHeaders headers, T body, URI uri) {}

    private <T> Exchange<T> exchange(String method, URI start, Map<String, String> headers,
            HttpResponse.BodySubscriber<T> okSubscriber, Redirects redirects) throws IOException {
        URI uri = start;
        for (int hop = 0; ; hop++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                    .timeout(settings.readTimeout())
                    .header("User-Agent", USER_AGENT)
                    .method(method, HttpRequest.BodyPublishers.noBody());
            headers.forEach(b::header);
            if (settings.hasToken() && sameOrigin(uri, settings.endpoint())) {
                b.header("Authorization", "Bearer " + settings.token());
            }
            BodyHandler<T> handler = info -> info.statusCode() / 100 == 2 ? okSubscriber
                    : BodySubscribers.replacing(null);
            HttpResponse<T> response;
            try {
                response = http.send(b.build(), handler);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while talking to " + uri.getHost());
            }
            int status = response.statusCode();
            String location = response.headers().firstValue("Location").orElse(null);
            if (status / 100 == 3 && status != 304 && location != null) {
                URI next = uri.resolve(location.trim());
                boolean relative = !URI.create(location.trim()).isAbsolute();
                if (redirects == Redirects.ALL || relative) {
                    if (hop >= MAX_REDIRECTS) {
                        throw new HubException("too many redirects from " + start);
                    }
                    uri = next;
                    continue;
                }
            }
            return new Exchange<>(status, response.headers(), response.body(), uri);
        }
    }

    /** Throws the right exception for a failure status; returns for 2xx and 3xx. */
    private void checkStatus(Exchange<?> r, String repoId, String revision, String filename)
            throws TransientException {
        int status = r.status();
        if (status < 400) {
            return;
        }
        HttpHeaders h = r.headers();
        String code = h.firstValue("X-Error-Code").orElse("");
        String hubSays = h.firstValue("X-Error-Message").map(m -> " The hub says: " + m).orElse("");
        String page = settings.endpoint() + "/" + repoId;
        if (status == 429 || status >= 500) {
            long retryAfter = parseLong(h.firstValue("Retry-After").orElse(null));
            throw new TransientException(status, retryAfter, "HTTP " + status + " from " + r.uri() + hubSays);
        }
        if (code.equals("RepoNotFound")) {
            throw new HubNotFoundException("Model '" + repoId + "' was not found on " + settings.endpoint()
                    + " (HTTP " + status + "). Check the model id; if it is a private model, set HF_TOKEN to a"
                    + " token with access to it" + (settings.hasToken() ? " (the token that was sent has none)" : "")
                    + "." + hubSays);
        }
        if (status == 401 || status == 403) {
            String gated = code.equals("GatedRepo") ? "is gated" : "is gated or private";
            String msg = settings.hasToken()
                    ? "Access to model '" + repoId + "' was denied (HTTP " + status + ") although a token was"
                            + " sent: the model " + gated + " and this account has not been granted access, or"
                            + " the token is invalid, expired or lacks read permission. Check HF_TOKEN and"
                            + " accept the model's terms at " + page + "."
                    : "Access to model '" + repoId + "' was denied (HTTP " + status + "): the model " + gated
                            + " and no Hugging Face token was sent. Accept the model's terms at " + page
                            + ", create a read token at " + settings.endpoint() + "/settings/tokens and set"
                            + " HF_TOKEN (or pass the token explicitly).";
            throw new HubAccessException(msg + hubSays, status);
        }
        if (status == 404) {
            if (code.equals("RevisionNotFound")) {
                throw new HubNotFoundException("Revision '" + revision + "' does not exist in model '" + repoId
                        + "' (HTTP 404)." + hubSays);
            }
            if (filename != null) {
                throw new HubNotFoundException("File '" + filename + "' does not exist in model '" + repoId
                        + "' at revision '" + revision + "' (HTTP 404" + (code.isEmpty() ? "" : ", " + code)
                        + "; or the repo or revision does not exist)." + hubSays);
            }
            throw new HubNotFoundException("Model '" + repoId + "' or its revision '" + revision
                    + "' does not exist on " + settings.endpoint() + " (HTTP 404)." + hubSays);
        }
        throw new HubException("Unexpected HTTP " + status + " from " + r.uri()
                + (filename != null ? " fetching " + filename : "") + "." + hubSays);
    }

    /** A failure worth retrying (429, 5xx, bad resume); treated like a connection error. */
    private static final class TransientException extends IOException {
        final int status;
        final long retryAfterSeconds;

        TransientException(int status, long retryAfterSeconds, String message) {
            super(message);
            this.status = status;
            this.retryAfterSeconds = retryAfterSeconds;
        }
    }

    private interface Attempt<T> {
        T run() throws IOException;
    }

    private <T> T retrying(String what, Attempt<T> attempt) {
        int attempts = settings.maxRetries() + 1;
        IOException last = null;
        for (int i = 0; i < attempts; i++) {
            if (i > 0) {
                long waitMs = settings.retryBackoff().toMillis() << Math.min(i - 1, 10);
                if (last instanceof TransientException t && t.retryAfterSeconds >= 0) {
                    waitMs = Math.max(waitMs, Math.min(MAX_RETRY_AFTER_MS, t.retryAfterSeconds * 1000));
                }
                LOG.warn("{} failed ({}); retry {}/{} in {} ms", what, describe(last), i, attempts - 1, waitMs);
                sleep(waitMs, what);
            }
            try {
                return attempt.run();
            } catch (InterruptedIOException e) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new HubException(what + " was interrupted", e);
                }
                last = e; // a timeout
            } catch (IOException e) {
                last = e;
            }
        }
        throw new HubUnavailableException(what + " failed after " + attempts + " attempt"
                + (attempts == 1 ? "" : "s") + ": " + describe(last) + " (endpoint " + settings.endpoint()
                + "; check the network, or set HF_HUB_OFFLINE=1 to use only the local cache)", last);
    }

    private static void sleep(long ms, String what) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HubException(what + " was interrupted", e);
        }
    }

    private static String describe(Throwable t) {
        if (t == null) {
            return "unknown error";
        }
        String m = t.getMessage();
        String name = t instanceof TransientException ? "" : t.getClass().getSimpleName() + ": ";
        return name + (m == null || m.isBlank() ? "(no message)" : m);
    }

    private RepoInfo parseRepoInfo(byte[] body, URI uri) {
        JsonNode root;
        try {
            root = mapper.readTree(body);
        } catch (IOException e) {
            throw new HubException("the hub's answer from " + uri + " is not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new HubException("the hub's answer from " + uri + " is not a JSON object");
        }
        String sha = textOrNull(root.get("sha"));
        String id = textOrNull(root.get("id"));
        List<RepoInfo.Sibling> siblings = null;
        JsonNode sib = root.get("siblings");
        if (sib != null && sib.isArray()) {
            siblings = new ArrayList<>();
            for (JsonNode s : sib) {
                String name = textOrNull(s.get("rfilename"));
                if (name == null) {
                    continue;
                }
                JsonNode lfs = s.get("lfs");
                String lfsSha = lfs != null ? textOrNull(lfs.get("sha256")) : null;
                if (lfsSha != null) {
                    lfsSha = lfsSha.toLowerCase(Locale.ROOT);
                    if (!HubNames.isSha256(lfsSha)) {
                        lfsSha = null;
                    }
                }
                long lfsSize = lfs != null && lfs.path("size").canConvertToLong() ? lfs.path("size").asLong() : -1;
                long size = s.path("size").canConvertToLong() ? s.path("size").asLong() : -1;
                siblings.add(new RepoInfo.Sibling(name, size, textOrNull(s.get("blobId")), lfsSha, lfsSize));
            }
            siblings = List.copyOf(siblings);
        }
        return new RepoInfo(id, sha, siblings);
    }

    private static String textOrNull(JsonNode n) {
        return n != null && n.isTextual() && !n.asText().isBlank() ? n.asText() : null;
    }

    private static long parseLong(String s) {
        if (s == null) {
            return -1;
        }
        try {
            long v = Long.parseLong(s.trim());
            return v >= 0 ? v : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static boolean sameOrigin(URI a, URI b) {
        return a.getScheme() != null && a.getScheme().equalsIgnoreCase(b.getScheme())
                && a.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost())
                && port(a) == port(b);
    }

    private static int port(URI u) {
        if (u.getPort() >= 0) {
            return u.getPort();
        }
        return "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    /** The sha256 of a file, lower-case hex. */
    public static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
