package io.groupthink.engine.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Acquires a model from the Hugging Face hub into the standard hub cache and returns its snapshot folder,
 * ready for {@code GroupThinkModel.load(path)}:
 *
 * <pre>{@code
 * Path dir = ModelPuller.fromEnvironment().pull("Qwen/Qwen2.5-0.5B-Instruct", "main", new TextProgressBar());
 * }</pre>
 *
 * <p>It fetches {@code config.json}, {@code tokenizer.json}, {@code generation_config.json} and
 * {@code tokenizer_config.json} (when the repo has them), and the weights: {@code model.safetensors}, or
 * {@code model.safetensors.index.json} and every shard it names. Files already in the snapshot are reused
 * without any request; blobs already in the cache (from another revision) are linked without downloading.
 *
 * <p>Online, a pull makes one request for the file list (which also resolves a branch or tag to its commit,
 * so a moved branch is noticed), then a {@code HEAD} and a {@code GET} per missing file. If the hub cannot be
 * reached and the cache holds a complete snapshot for the revision, that snapshot is used (with a warning).
 * Offline ({@code HF_HUB_OFFLINE=1} or {@link HubSettings.Builder#offline}), only the cache is consulted.
 */
public final class ModelPuller {

    private static final Logger LOG = LoggerFactory.getLogger(ModelPuller.class);

    public static final String DEFAULT_REVISION = "main";
    public static final String CONFIG = "config.json";
    public static final String GENERATION_CONFIG = "generation_config.json";
    public static final String TOKENIZER = "tokenizer.json";
    public static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    public static final String WEIGHTS = "model.safetensors";
    public static final String WEIGHTS_INDEX = "model.safetensors.index.json";

    /** Files a model folder must have (besides the weights). */
    public static final List<String> REQUIRED_FILES = List.of(CONFIG, TOKENIZER);
    /** Files fetched when the repo has them. */
    public static final List<String> OPTIONAL_FILES = List.of(GENERATION_CONFIG, TOKENIZER_CONFIG);

    private final HubSettings settings;
    private final HubClient client;
    private final HubCache cache;

    public ModelPuller(HubSettings settings) {
        this(settings, new HubClient(settings));
    }

    public ModelPuller(HubSettings settings, HubClient client) {
        this.settings = settings;
        this.client = client;
        this.cache = new HubCache(settings.cacheDir());
    }

    /** A puller configured by the {@code HF_*} environment variables (see {@link HubSettings}). */
    public static ModelPuller fromEnvironment() {
        return new ModelPuller(HubSettings.fromEnvironment());
    }

    public HubSettings settings() {
        return settings;
    }

    public HubCache cache() {
        return cache;
    }

    public HubClient client() {
        return client;
    }

    /** {@link #pull(String, String, ProgressListener)} at {@code main}, without progress reports. */
    public Path pull(String repoId) {
        return pull(repoId, DEFAULT_REVISION, ProgressListener.NONE);
    }

    /** {@link #pull(String, String, ProgressListener)} without progress reports. */
    public Path pull(String repoId, String revision) {
        return pull(repoId, revision, ProgressListener.NONE);
    }

    /**
     * Makes sure the model's files are in the cache and returns the snapshot folder
     * ({@code <cache>/models--ORG--NAME/snapshots/<commit>}).
     *
     * @param repoId e.g. {@code Qwen/Qwen2.5-0.5B-Instruct}
     * @param revision branch, tag or commit sha; null or blank for {@code main}
     * @param listener progress reports (use {@link ProgressListener#NONE} for none)
     * @throws HubAccessException gated/private model, token missing or invalid
     * @throws HubNotFoundException no such repo, revision or file, or the repo has no safetensors weights
     * @throws HubOfflineException offline and the cache lacks the model (the message names what is missing)
     * @throws HubIntegrityException a download does not match its size or sha256
     * @throws HubUnavailableException network failure after the bounded retries, with nothing usable cached
     */
    public Path pull(String repoId, String revision, ProgressListener listener) {
        String repo = HubNames.checkRepoId(repoId);
        String rev = HubNames.checkRevision(revision);
        ProgressListener progress = listener == null ? ProgressListener.NONE : listener;
        try {
            return doPull(repo, rev, progress);
        } catch (IOException e) {
            throw new HubException("could not write the model " + repo + " into the cache " + cache.root() + ": "
                    + e, e);
        }
    }

    /** The complete cached snapshot for the revision, without any network access; empty if incomplete. */
    public Optional<Path> cached(String repoId, String revision) {
        String repo = HubNames.checkRepoId(repoId);
        String rev = HubNames.checkRevision(revision);
        return cache.resolveCommit(repo, rev)
                .map(commit -> cache.snapshotDir(repo, commit))
                .filter(snap -> missingFiles(snap).isEmpty());
    }

    /**
     * What the snapshot folder lacks to be loadable: required files, and the weights (a single file, or the
     * index and each shard it names). Empty when complete.
     */
    public static List<String> missingFiles(Path snapshot) {
        List<String> missing = new ArrayList<>();
        for (String f : REQUIRED_FILES) {
            if (!Files.isRegularFile(snapshot.resolve(f))) {
                missing.add(f);
            }
        }
        if (Files.isRegularFile(snapshot.resolve(WEIGHTS))) {
            return missing;
        }
        Path index = snapshot.resolve(WEIGHTS_INDEX);
        if (!Files.isRegularFile(index)) {
            missing.add(WEIGHTS + " (or " + WEIGHTS_INDEX + " and its shards)");
            return missing;
        }
        try {
            for (String shard : shardNames(index)) {
                if (!Files.isRegularFile(snapshot.resolve(shard))) {
                    missing.add(shard);
                }
            }
        } catch (HubException e) {
            missing.add(WEIGHTS_INDEX + " (unreadable: " + e.getMessage() + ")");
        }
        return missing;
    }

    // --- the pull ------------------------------------------------------------------------------------------

    private Path doPull(String repo, String rev, ProgressListener progress) throws IOException {
        if (settings.offline()) {
            return allDone(repo, fromCacheOnly(repo, rev), progress);
        }
        if (HubNames.isCommitSha(rev)) {
            Optional<Path> snap = cached(repo, rev);
            if (snap.isPresent()) {
                LOG.debug("{}@{}: complete in the cache", repo, rev);
                return allDone(repo, snap.get(), progress);
            }
        }
        RepoInfo info;
        try {
            info = client.modelInfo(repo, rev);
        } catch (HubUnavailableException e) {
            Optional<Path> snap = cached(repo, rev);
            if (snap.isPresent()) {
                LOG.warn("the hub is unreachable ({}); using the cached snapshot {}", e.getMessage(), snap.get());
                return allDone(repo, snap.get(), progress);
            }
            throw e;
        }
        String commit = info.sha();
        if (commit == null) {
            commit = client.fileMetadata(repo, rev, CONFIG).commit();
        }
        if (commit == null || !HubNames.isSafeId(commit)) {
            throw new HubException("the hub gave no usable commit sha for " + repo + " at revision " + rev
                    + " (got '" + commit + "')");
        }
        cache.writeRef(repo, rev, commit);
        Path snap = cache.snapshotDir(repo, commit);
        Map<String, RepoInfo.Sibling> siblings = info.siblingsByName();
        boolean listed = info.hasFileList();

        List<Planned> plan = new ArrayList<>();
        List<String> wanted = new ArrayList<>();
        if (listed) {
            List<String> missing = REQUIRED_FILES.stream().filter(f -> !siblings.containsKey(f)).toList();
            if (!missing.isEmpty()) {
                throw new HubNotFoundException("Model '" + repo + "' at revision '" + rev + "' has no "
                        + String.join(" or ", missing) + ", so it is not a Transformers model folder this runtime"
                        + " can load.");
            }
        }
        wanted.addAll(REQUIRED_FILES);
        for (String f : OPTIONAL_FILES) {
            if (!listed || siblings.containsKey(f)) {
                wanted.add(f);
            }
        }

        // Weights: a single file, or an index (fetched now, it is small) and its shards.
        boolean sharded;
        FileMetadata singleMeta = null;
        if (listed) {
            if (siblings.containsKey(WEIGHTS)) {
                sharded = false;
            } else if (siblings.containsKey(WEIGHTS_INDEX)) {
                sharded = true;
            } else {
                throw noWeights(repo, rev, siblings.keySet());
            }
        } else if (Files.isRegularFile(snap.resolve(WEIGHTS))) {
            sharded = false;
        } else if (Files.isRegularFile(snap.resolve(WEIGHTS_INDEX))) {
            sharded = true;
        } else {
            singleMeta = metadataOrNull(repo, commit, WEIGHTS);
            sharded = singleMeta == null;
            if (sharded && metadataOrNull(repo, commit, WEIGHTS_INDEX) == null) {
                throw noWeights(repo, rev, List.of());
            }
        }
        if (sharded) {
            if (!Files.isRegularFile(snap.resolve(WEIGHTS_INDEX))) {
                Planned index = plan(repo, commit, WEIGHTS_INDEX, siblings.get(WEIGHTS_INDEX), null, false);
                fetch(repo, commit, index, ProgressListener.NONE, 1, 1, 0, -1);
            }
            for (String shard : shardNames(snap.resolve(WEIGHTS_INDEX))) {
                if (listed && !siblings.containsKey(shard)) {
                    throw new HubNotFoundException("The shard index of model '" + repo + "' at revision '" + rev
                            + "' names '" + shard + "', which is not in the repo.");
                }
                if (!wanted.contains(shard)) {
                    wanted.add(shard);
                }
            }
        } else {
            wanted.add(WEIGHTS);
        }

        // Metadata for everything missing from the snapshot, before any large download (so a gated model
        // or a missing file fails fast).
        for (String f : wanted) {
            if (Files.isRegularFile(snap.resolve(f))) {
                continue;
            }
            boolean optional = OPTIONAL_FILES.contains(f) && !listed;
            Planned p = plan(repo, commit, f, siblings.get(f), f.equals(WEIGHTS) ? singleMeta : null, optional);
            if (p != null) {
                plan.add(p);
            }
        }

        long overallTotal = 0;
        for (Planned p : plan) {
            if (p.meta.size() < 0) {
                overallTotal = -1;
                break;
            }
            overallTotal += p.meta.size();
        }
        long overallDone = 0;
        for (int i = 0; i < plan.size(); i++) {
            overallDone += fetch(repo, commit, plan.get(i), progress, i + 1, plan.size(), overallDone,
                    overallTotal);
        }
        List<String> missing = missingFiles(snap);
        if (!missing.isEmpty()) {
            throw new HubException("the snapshot " + snap + " of " + repo + " is still missing " + missing
                    + " after the download");
        }
        progress.onProgress(new DownloadProgress(DownloadProgress.Event.ALL_DONE, repo, null, plan.size(),
                plan.size(), 0, 0, overallDone, overallTotal < 0 ? overallDone : overallTotal));
        return snap;
    }

    /** Reports a pull that downloaded nothing. */
    private static Path allDone(String repo, Path snap, ProgressListener progress) {
        progress.onProgress(new DownloadProgress(DownloadProgress.Event.ALL_DONE, repo, null, 0, 0, 0, 0, 0, 0));
        return snap;
    }

    private Path fromCacheOnly(String repo, String rev) {
        Optional<String> commit = cache.resolveCommit(repo, rev);
        String why = "Offline mode is on (HF_HUB_OFFLINE or the offline option)";
        if (commit.isEmpty()) {
            String ref = "refs/" + rev;
            throw new HubOfflineException(why + " and model '" + repo + "' at revision '" + rev
                    + "' is not in the cache " + cache.root() + " (no " + cache.repoDir(repo).resolve("refs")
                            .resolve(rev) + "). Pull it once while online, or unset HF_HUB_OFFLINE.", List.of(ref));
        }
        Path snap = cache.snapshotDir(repo, commit.get());
        List<String> missing = missingFiles(snap);
        if (!missing.isEmpty()) {
            throw new HubOfflineException(why + " and the cached snapshot of model '" + repo + "' at revision '"
                    + rev + "' (" + snap + ") is incomplete: missing " + String.join(", ", missing)
                    + ". Pull it again while online, or unset HF_HUB_OFFLINE.", missing);
        }
        return snap;
    }

    private HubNotFoundException noWeights(String repo, String rev, Iterable<String> files) {
        List<String> other = new ArrayList<>();
        for (String f : files) {
            String l = f.toLowerCase(Locale.ROOT);
            if (l.endsWith(".bin") || l.endsWith(".gguf") || l.endsWith(".pt") || l.endsWith(".pth")
                    || l.endsWith(".h5") || l.endsWith(".msgpack") || l.endsWith(".onnx")) {
                other.add(f);
            }
        }
        return new HubNotFoundException("Model '" + repo + "' at revision '" + rev + "' has no safetensors weights ("
                + WEIGHTS + " or " + WEIGHTS_INDEX + ")"
                + (other.isEmpty() ? "" : "; it has only " + String.join(", ", other.subList(0, Math.min(5,
                        other.size()))) + (other.size() > 5 ? ", ..." : "") + ", which this runtime cannot load")
                + ".");
    }

    /** A file to download: its metadata and the blob it goes to. */
    private record Planned(String file, FileMetadata meta, String blobId) {}

    private FileMetadata metadataOrNull(String repo, String commit, String file) {
        try {
            return client.fileMetadata(repo, commit, file);
        } catch (HubNotFoundException e) {
            return null;
        }
    }

    /** Metadata merged from the HEAD and the file list; null for an optional file the repo lacks. */
    private Planned plan(String repo, String commit, String file, RepoInfo.Sibling sibling, FileMetadata known,
            boolean optional) {
        FileMetadata meta = known;
        if (meta == null) {
            meta = optional ? metadataOrNull(repo, commit, file) : client.fileMetadata(repo, commit, file);
            if (meta == null) {
                return null;
            }
        }
        long size = meta.size();
        String sha = meta.sha256();
        if (sibling != null) {
            if (sibling.lfsSha256() != null) {
                sha = sibling.lfsSha256();
            }
            if (sibling.contentSize() >= 0) {
                if (size >= 0 && size != sibling.contentSize()) {
                    LOG.warn("{}: the file list says {} bytes but the hub's headers say {}; using the file list",
                            file, sibling.contentSize(), size);
                }
                size = sibling.contentSize();
            }
        }
        meta = meta.withExpected(size, sha);
        String blobId;
        if (sibling != null && sibling.lfsSha256() != null) {
            blobId = sibling.lfsSha256();
        } else if (HubNames.isSafeId(meta.etag())) {
            blobId = meta.etag();
        } else if (sibling != null && HubNames.isSafeId(sibling.blobId())) {
            blobId = sibling.blobId();
        } else {
            blobId = sha256Hex(commit + "/" + file); // no ETag at all: a stable name of our own
        }
        return new Planned(file, meta, blobId);
    }

    /** Downloads (unless the blob is there already), links into the snapshot; returns the file's size. */
    private long fetch(String repo, String commit, Planned p, ProgressListener progress, int index, int count,
            long overallBefore, long overallTotal) throws IOException {
        Path blob = cache.blobPath(repo, p.blobId());
        long size = p.meta().size();
        progress.onProgress(new DownloadProgress(DownloadProgress.Event.FILE_STARTED, repo, p.file(), index, count,
                partSize(blob), size, overallBefore + partSize(blob), overallTotal));
        try (AutoCloseable lock = cache.lockBlob(repo, p.blobId())) {
            boolean present = Files.isRegularFile(blob) && (size < 0 || Files.size(blob) == size);
            if (present) {
                LOG.debug("{}: blob {} already in the cache", p.file(), p.blobId());
            } else {
                LOG.info("downloading {} from {}{}", p.file(), repo,
                        size >= 0 ? " (" + TextProgressBar.bytes(size) + ")" : "");
                client.download(p.meta(), blob, (done, total) -> progress.onProgress(new DownloadProgress(
                        DownloadProgress.Event.BYTES, repo, p.file(), index, count, done, total, overallBefore + done,
                        overallTotal)));
            }
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
        cache.link(repo, commit, p.file(), p.blobId());
        long actual = Files.size(blob);
        progress.onProgress(new DownloadProgress(DownloadProgress.Event.FILE_DONE, repo, p.file(), index, count,
                actual, size >= 0 ? size : actual, overallBefore + actual, overallTotal));
        return actual;
    }

    private static long partSize(Path blob) {
        try {
            Path part = blob.resolveSibling(blob.getFileName() + ".incomplete");
            return Files.isRegularFile(part) ? Files.size(part) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** The distinct shard file names of a {@code model.safetensors.index.json}, sorted, each checked. */
    static List<String> shardNames(Path index) {
        JsonNode weightMap;
        try {
            weightMap = new ObjectMapper().readTree(index.toFile()).path("weight_map");
        } catch (IOException e) {
            throw new HubException(WEIGHTS_INDEX + " (" + index + ") is not valid JSON: " + e.getMessage(), e);
        }
        if (!weightMap.isObject() || weightMap.isEmpty()) {
            throw new HubException(WEIGHTS_INDEX + " (" + index + ") has no 'weight_map' entries");
        }
        TreeSet<String> shards = new TreeSet<>();
        weightMap.fields().forEachRemaining(e -> {
            if (!e.getValue().isTextual()) {
                throw new HubException(WEIGHTS_INDEX + " (" + index + ") maps '" + e.getKey()
                        + "' to a non-string shard");
            }
            shards.add(HubNames.checkFilename(e.getValue().asText()));
        });
        return List.copyOf(shards);
    }

    private static String sha256Hex(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
