package io.groupthink.engine.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.groupthink.engine.model.DType;
import io.groupthink.engine.model.ModelFolder;
import io.groupthink.engine.model.RandomModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(20)
class ModelPullerTest {

    private static final String REPO = FakeHub.REPO;

    @TempDir
    Path tmp;

    private FakeHub hub;
    private Path cache;

    @BeforeEach
    void start() throws IOException {
        hub = new FakeHub();
        cache = tmp.resolve("hub");
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    private HubSettings.Builder settings() {
        return HubSettings.builder().endpoint(hub.endpoint()).cacheDir(cache)
                .connectTimeout(Duration.ofSeconds(2)).readTimeout(Duration.ofSeconds(5))
                .retryBackoff(Duration.ofMillis(10));
    }

    private ModelPuller puller() {
        return new ModelPuller(settings().build());
    }

    private Path repoDir() {
        return cache.resolve("models--acme--tiny-model");
    }

    private Path blob(String file) {
        return repoDir().resolve("blobs").resolve(hub.blobId(file));
    }

    // --- layout and progress -------------------------------------------------------------------------------

    @Test
    void downloadsIntoTheHfCacheLayout() throws IOException {
        hub.smallModel(200_000);
        List<DownloadProgress> events = new CopyOnWriteArrayList<>();

        Path snap = puller().pull(REPO, "main", events::add);

        assertThat(snap).isEqualTo(repoDir().resolve("snapshots").resolve(hub.commit));
        assertThat(Files.readString(repoDir().resolve("refs/main")).trim()).isEqualTo(hub.commit);
        for (String f : List.of("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
                "model.safetensors")) {
            Path p = snap.resolve(f);
            assertThat(Files.isSymbolicLink(p)).as(f).isTrue();
            assertThat(Files.readSymbolicLink(p).toString()).isEqualTo("../../blobs/" + hub.blobId(f));
            assertThat(Files.readAllBytes(p)).as(f).isEqualTo(hub.files.get(f));
        }
        // the LFS blob is named by its sha256, the others by their git blob id (the ETag)
        assertThat(blob("model.safetensors").getFileName().toString())
                .isEqualTo(FakeHub.sha256(hub.files.get("model.safetensors")));
        assertThat(snap.resolve("README.md")).doesNotExist();
        assertThat(leftovers()).isEmpty();

        // progress: each downloaded file starts and finishes, bytes only grow, the overall total is the sum
        long total = Stream.of("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
                "model.safetensors").mapToLong(f -> hub.files.get(f).length).sum();
        assertThat(events.get(events.size() - 1).event()).isEqualTo(DownloadProgress.Event.ALL_DONE);
        assertThat(events.get(events.size() - 1).overallBytes()).isEqualTo(total);
        List<DownloadProgress> done = events.stream()
                .filter(e -> e.event() == DownloadProgress.Event.FILE_DONE).toList();
        assertThat(done).hasSize(5);
        assertThat(done).allSatisfy(e -> assertThat(e.overallTotal()).isEqualTo(total));
        DownloadProgress weights = done.stream().filter(e -> e.file().equals("model.safetensors")).findFirst()
                .orElseThrow();
        assertThat(weights.fileBytes()).isEqualTo(200_000);
        assertThat(weights.fileFraction()).isEqualTo(1.0);
        long last = -1;
        for (DownloadProgress e : events) {
            if ("model.safetensors".equals(e.file()) && e.event() == DownloadProgress.Event.BYTES) {
                assertThat(e.fileBytes()).isGreaterThanOrEqualTo(last);
                assertThat(e.fileTotal()).isEqualTo(200_000);
                last = e.fileBytes();
            }
        }
        assertThat(last).isEqualTo(200_000);
    }

    @Test
    void shardedIndexPullsEveryShardAndTheFolderLoads() throws IOException {
        Path model = RandomModel.write(RandomModel.Spec.tiny("llama").with(DType.F32, 3), tmp.resolve("src"));
        hub.folder(model);

        Path snap = puller().pull(REPO);

        for (String shard : List.of("model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                "model-00003-of-00003.safetensors", "model.safetensors.index.json", "config.json",
                "tokenizer.json")) {
            assertThat(Files.readAllBytes(snap.resolve(shard))).as(shard)
                    .isEqualTo(Files.readAllBytes(model.resolve(shard)));
        }
        assertThat(hub.count("model.safetensors.index.json")).isEqualTo(2); // HEAD + GET, once
        assertThat(ModelPuller.missingFiles(snap)).isEmpty();
        ModelFolder folder = ModelFolder.open(snap); // parses config and every safetensors header
        assertThat(folder.tensors()).isNotEmpty();
    }

    @Test
    void revisionCanBeACommitAndRefsAreUrlEncoded() {
        hub.smallModel(1000);
        Path snap = puller().pull(REPO, hub.commit);
        assertThat(snap.getFileName().toString()).isEqualTo(hub.commit);
        assertThat(repoDir().resolve("refs")).doesNotExist(); // a commit needs no ref
        assertThat(hub.requestsFor("/resolve/")).allSatisfy(r -> assertThat(r.path()).contains(hub.commit));

        assertThatThrownBy(() -> puller().pull(REPO, "refs/pr/1"))
                .isInstanceOf(HubNotFoundException.class)
                .hasMessageContaining("Revision 'refs/pr/1' does not exist");
        assertThat(hub.requests.get(hub.requests.size() - 1).path()).contains("/revision/refs%2Fpr%2F1");
    }

    // --- cache reuse ---------------------------------------------------------------------------------------

    @Test
    void secondPullReusesTheCacheWithoutDownloading() {
        hub.smallModel(50_000);
        Path first = puller().pull(REPO);
        long resolves = hub.count("/resolve/");
        long cdn = hub.count("/cdn/");
        assertThat(resolves).isPositive();

        List<DownloadProgress> events = new ArrayList<>();
        Path second = puller().pull(REPO, "main", events::add);

        assertThat(second).isEqualTo(first);
        assertThat(hub.count("/resolve/")).isEqualTo(resolves); // no request for any file
        assertThat(hub.count("/cdn/")).isEqualTo(cdn);
        assertThat(events).extracting(DownloadProgress::event).containsExactly(DownloadProgress.Event.ALL_DONE);

        // pinned to the commit, a complete snapshot needs no request at all
        int before = hub.requests.size();
        assertThat(puller().pull(REPO, hub.commit)).isEqualTo(first);
        assertThat(hub.requests).hasSize(before);
    }

    @Test
    void aBlobAlreadyInTheCacheIsLinkedNotDownloaded() throws IOException {
        hub.smallModel(50_000);
        Path snap = puller().pull(REPO);
        Files.delete(snap.resolve("model.safetensors")); // the link is gone, the blob is still there

        puller().pull(REPO);

        assertThat(hub.count("/cdn/")).isEqualTo(1); // only the first pull's download
        assertThat(Files.readAllBytes(snap.resolve("model.safetensors"))).isEqualTo(hub.files.get("model.safetensors"));
    }

    @Test
    void unreachableHubFallsBackToACompleteCachedSnapshot() {
        hub.smallModel(10_000);
        Path snap = puller().pull(REPO);
        HubSettings s = settings().build();
        hub.close();

        assertThat(new ModelPuller(s).pull(REPO)).isEqualTo(snap);
        assertThatThrownBy(() -> new ModelPuller(s).pull("acme/other-model"))
                .isInstanceOf(HubUnavailableException.class)
                .hasMessageContaining("after 3 attempts");
    }

    // --- resume ----------------------------------------------------------------------------------------------

    @Test
    void droppedConnectionIsResumedWithARangeRequest() throws IOException {
        hub.smallModel(300_000);
        hub.dropHalfway.put("model.safetensors", new AtomicInteger(1));

        Path snap = puller().pull(REPO);

        List<FakeHub.Request> gets = hub.requestsFor("/cdn/");
        assertThat(gets).hasSize(2);
        assertThat(gets.get(0).range()).isNull();
        assertThat(gets.get(1).range()).isEqualTo("bytes=150000-");
        assertThat(Files.readAllBytes(snap.resolve("model.safetensors"))).isEqualTo(hub.files.get("model.safetensors"));
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void anInterruptedPullIsResumedByTheNextPull() throws IOException {
        hub.smallModel(300_000);
        hub.dropHalfway.put("model.safetensors", new AtomicInteger(1));
        ModelPuller noRetries = new ModelPuller(settings().maxRetries(0).build());

        assertThatThrownBy(() -> noRetries.pull(REPO))
                .isInstanceOf(HubUnavailableException.class)
                .hasMessageContaining("model.safetensors");
        Path incomplete = repoDir().resolve("blobs").resolve(hub.blobId("model.safetensors") + ".incomplete");
        assertThat(incomplete).hasSize(150_000);
        assertThat(blob("model.safetensors")).doesNotExist();
        assertThat(repoDir().resolve("snapshots").resolve(hub.commit).resolve("model.safetensors")).doesNotExist();

        List<DownloadProgress> events = new ArrayList<>();
        Path snap = noRetries.pull(REPO, "main", events::add);

        assertThat(hub.requestsFor("/cdn/").get(1).range()).isEqualTo("bytes=150000-");
        assertThat(Files.readAllBytes(snap.resolve("model.safetensors"))).isEqualTo(hub.files.get("model.safetensors"));
        assertThat(events).filteredOn(e -> e.event() == DownloadProgress.Event.FILE_STARTED)
                .singleElement().satisfies(e -> assertThat(e.fileBytes()).isEqualTo(150_000));
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void aServerIgnoringRangeRestartsFromZero() throws IOException {
        hub.smallModel(300_000);
        hub.ignoreRange = true;
        hub.dropHalfway.put("model.safetensors", new AtomicInteger(1));

        Path snap = puller().pull(REPO);

        assertThat(hub.requestsFor("/cdn/").get(1).range()).isEqualTo("bytes=150000-");
        assertThat(Files.readAllBytes(snap.resolve("model.safetensors"))).isEqualTo(hub.files.get("model.safetensors"));
    }

    @Test
    void aStalledBodyHitsTheReadTimeoutAndIsResumed() throws IOException {
        hub.smallModel(300_000);
        hub.stallHalfway.put("model.safetensors", new AtomicInteger(1));
        ModelPuller quick = new ModelPuller(settings().readTimeout(Duration.ofMillis(300)).build());

        long t0 = System.nanoTime();
        Path snap = quick.pull(REPO);

        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(4));
        assertThat(hub.requestsFor("/cdn/").get(1).range()).isEqualTo("bytes=150000-");
        assertThat(Files.readAllBytes(snap.resolve("model.safetensors"))).isEqualTo(hub.files.get("model.safetensors"));
    }

    // --- integrity ---------------------------------------------------------------------------------------------

    @Test
    void aCorruptedDownloadFailsAndLeavesNothingUnderTheFinalName() throws IOException {
        hub.smallModel(100_000);
        byte[] bad = hub.files.get("model.safetensors").clone();
        bad[12345] ^= 1;
        hub.corrupt.put("model.safetensors", bad);
        String expected = FakeHub.sha256(hub.files.get("model.safetensors"));

        assertThatThrownBy(() -> puller().pull(REPO))
                .isInstanceOfSatisfying(HubIntegrityException.class, e -> {
                    assertThat(e.file()).isEqualTo("model.safetensors");
                    assertThat(e.expected()).isEqualTo(expected);
                    assertThat(e.actual()).isEqualTo(FakeHub.sha256(bad));
                })
                .hasMessageContaining("model.safetensors").hasMessageContaining(expected)
                .hasMessageContaining(FakeHub.sha256(bad));
        assertThat(blob("model.safetensors")).doesNotExist();
        assertThat(Path.of(blob("model.safetensors") + ".incomplete")).doesNotExist();
        assertThat(repoDir().resolve("snapshots").resolve(hub.commit).resolve("model.safetensors")).doesNotExist();
    }

    @Test
    void theSha256ComesFromTheEtagWhenTheFileListHasNoLfsInfo() {
        hub.smallModel(100_000);
        hub.apiBlobs = false;
        byte[] bad = hub.files.get("model.safetensors").clone();
        bad[0] ^= 1;
        hub.corrupt.put("model.safetensors", bad);

        assertThatThrownBy(() -> puller().pull(REPO))
                .isInstanceOf(HubIntegrityException.class)
                .hasMessageContaining("sha256 mismatch for model.safetensors");
        assertThat(blob("model.safetensors")).doesNotExist();
    }

    @Test
    void worksWithoutAFileListByProbingTheFiles() throws IOException {
        Path model = RandomModel.write(RandomModel.Spec.tiny("llama").with(DType.F32, 2), tmp.resolve("src"));
        hub.folder(model);
        hub.apiSiblings = false;

        Path snap = puller().pull(REPO);

        assertThat(ModelPuller.missingFiles(snap)).isEmpty();
        assertThat(Files.readAllBytes(snap.resolve("model-00002-of-00002.safetensors")))
                .isEqualTo(Files.readAllBytes(model.resolve("model-00002-of-00002.safetensors")));
    }

    @Test
    void aShardIndexCannotWriteOutsideTheSnapshot() {
        hub.file("config.json", "{}").file("tokenizer.json", "{}")
                .file("model.safetensors.index.json", "{\"weight_map\":{\"w\":\"../../../../evil.safetensors\"}}")
                .file("../../../../evil.safetensors", new byte[10], true);

        assertThatThrownBy(() -> puller().pull(REPO))
                .isInstanceOf(HubException.class)
                .hasMessageContaining("unsafe file name");
        assertThat(tmp.resolve("evil.safetensors")).doesNotExist();
    }

    // --- errors ----------------------------------------------------------------------------------------------

    @Test
    void aGatedModelWithoutTokenSaysSo() {
        hub.smallModel(1000);
        hub.requiredToken = "hf_right";

        assertThatThrownBy(() -> puller().pull(REPO))
                .isInstanceOfSatisfying(HubAccessException.class, e -> assertThat(e.status()).isEqualTo(401))
                .hasMessageContaining("'acme/tiny-model'")
                .hasMessageContaining("gated")
                .hasMessageContaining("no Hugging Face token was sent")
                .hasMessageContaining("HF_TOKEN");
        assertThat(hub.count("/cdn/")).isZero();

        assertThatThrownBy(() -> new ModelPuller(settings().token("hf_wrong").build()).pull(REPO))
                .isInstanceOf(HubAccessException.class)
                .hasMessageContaining("although a token was sent")
                .hasMessageContaining("invalid")
                .hasMessageContaining("HF_TOKEN");
    }

    @Test
    void theTokenIsSentAsABearerHeader() {
        hub.smallModel(1000);
        hub.requiredToken = "hf_right";

        Path snap = new ModelPuller(settings().token("hf_right").build()).pull(REPO);

        assertThat(snap.resolve("config.json")).exists();
        assertThat(hub.requests).isNotEmpty().allSatisfy(r ->
                assertThat(r.authorization()).isEqualTo("Bearer hf_right"));

        // and from HF_TOKEN
        HubSettings fromEnv = HubSettings.fromEnvironment(java.util.Map.of(
                "HF_TOKEN", "hf_right", "HF_ENDPOINT", hub.endpoint().toString(),
                "HF_HUB_CACHE", tmp.resolve("env-cache").toString()));
        hub.requests.clear();
        new ModelPuller(fromEnv.toBuilder().retryBackoff(Duration.ofMillis(10)).build()).pull(REPO);
        assertThat(hub.requests).isNotEmpty().allSatisfy(r ->
                assertThat(r.authorization()).isEqualTo("Bearer hf_right"));
    }

    @Test
    void missingRepoRevisionAndFilesAreNamed() {
        hub.smallModel(1000);
        assertThatThrownBy(() -> puller().pull("acme/nope"))
                .isInstanceOf(HubNotFoundException.class)
                .hasMessageContaining("Model 'acme/nope' was not found");
        assertThatThrownBy(() -> puller().pull(REPO, "v9"))
                .isInstanceOf(HubNotFoundException.class)
                .hasMessageContaining("Revision 'v9' does not exist in model 'acme/tiny-model'");

        hub.files.remove("tokenizer.json");
        assertThatThrownBy(() -> puller().pull(REPO))
                .isInstanceOf(HubNotFoundException.class)
                .hasMessageContaining("has no tokenizer.json");

        hub.file("tokenizer.json", "{}");
        hub.files.remove("model.safetensors");
        hub.file("pytorch_model.bin", new byte[10], true);
        assertThatThrownBy(() -> puller().pull(REPO))
                .isInstanceOf(HubNotFoundException.class)
                .hasMessageContaining("no safetensors weights")
                .hasMessageContaining("pytorch_model.bin");
    }

    @Test
    void transient5xxIsRetriedAFewTimesOnly() {
        hub.smallModel(1000);
        hub.unavailable.put("model.safetensors", new AtomicInteger(2));
        Path snap = puller().pull(REPO);
        assertThat(snap.resolve("model.safetensors")).exists();
        assertThat(hub.count("/cdn/")).isEqualTo(3);

        ModelPuller other = new ModelPuller(settings().cacheDir(tmp.resolve("other")).build());
        hub.requests.clear();
        hub.unavailable.put("model.safetensors", new AtomicInteger(1000));
        assertThatThrownBy(() -> other.pull(REPO))
                .isInstanceOf(HubUnavailableException.class)
                .hasMessageContaining("downloading model.safetensors")
                .hasMessageContaining("after 3 attempts")
                .hasMessageContaining("HTTP 503");
        assertThat(hub.count("/cdn/")).isEqualTo(3);
    }

    // --- offline -----------------------------------------------------------------------------------------------

    @Test
    void offlineWithoutCacheNamesWhatIsMissing() {
        hub.smallModel(1000);
        ModelPuller offline = new ModelPuller(settings().offline(true).build());

        assertThatThrownBy(() -> offline.pull(REPO))
                .isInstanceOfSatisfying(HubOfflineException.class,
                        e -> assertThat(e.missing()).containsExactly("refs/main"))
                .hasMessageContaining("Offline mode")
                .hasMessageContaining("'acme/tiny-model'")
                .hasMessageContaining("HF_HUB_OFFLINE");
        assertThat(hub.requests).isEmpty();
    }

    @Test
    void offlineWithCacheUsesItWithoutNetwork() throws IOException {
        Path model = RandomModel.write(RandomModel.Spec.tiny("llama").with(DType.F32, 2), tmp.resolve("src"));
        hub.folder(model);
        Path snap = puller().pull(REPO);
        hub.requests.clear();
        ModelPuller offline = new ModelPuller(settings().offline(true).build());

        assertThat(offline.pull(REPO)).isEqualTo(snap);
        assertThat(offline.pull(REPO, hub.commit)).isEqualTo(snap);
        assertThat(hub.requests).isEmpty();

        Files.delete(snap.resolve("model-00002-of-00002.safetensors"));
        assertThatThrownBy(() -> offline.pull(REPO))
                .isInstanceOfSatisfying(HubOfflineException.class,
                        e -> assertThat(e.missing()).containsExactly("model-00002-of-00002.safetensors"))
                .hasMessageContaining("incomplete")
                .hasMessageContaining("model-00002-of-00002.safetensors");
        assertThat(hub.requests).isEmpty();
    }

    @Test
    void offlineFromTheEnvironment() {
        HubSettings s = HubSettings.fromEnvironment(java.util.Map.of("HF_HUB_OFFLINE", "1",
                "HF_HOME", tmp.toString()));
        assertThat(s.offline()).isTrue();
        assertThatThrownBy(() -> new ModelPuller(s).pull(REPO)).isInstanceOf(HubOfflineException.class)
                .hasMessageContaining(tmp.resolve("hub").toString());
    }

    // --- helpers -----------------------------------------------------------------------------------------------

    /** Partial or temporary files anywhere in the cache. */
    private List<Path> leftovers() throws IOException {
        if (!Files.exists(cache)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(cache)) {
            return s.filter(p -> {
                String n = p.getFileName().toString();
                return n.endsWith(".incomplete") || n.endsWith(".tmp") || n.endsWith(".copying");
            }).toList();
        }
    }
}
