package io.groupthink.engine.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubSettingsTest {

    @TempDir
    Path tmp;

    @Test
    void defaultsWithAnEmptyEnvironment() {
        HubSettings s = HubSettings.fromEnvironment(Map.of());
        assertThat(s.endpoint()).isEqualTo(URI.create("https://huggingface.co"));
        assertThat(s.cacheDir()).isEqualTo(Path.of(System.getProperty("user.home"), ".cache", "huggingface", "hub"));
        assertThat(s.offline()).isFalse();
        assertThat(s.maxRetries()).isEqualTo(2);
        assertThat(s.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.readTimeout()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void cacheFolderFromHfHomeAndHfHubCache() {
        assertThat(HubSettings.fromEnvironment(Map.of("HF_HOME", tmp.toString())).cacheDir())
                .isEqualTo(tmp.resolve("hub"));
        assertThat(HubSettings.fromEnvironment(Map.of("HF_HOME", tmp.toString(),
                "HF_HUB_CACHE", tmp.resolve("elsewhere").toString())).cacheDir()).isEqualTo(tmp.resolve("elsewhere"));
        assertThat(HubSettings.fromEnvironment(Map.of("XDG_CACHE_HOME", tmp.toString())).cacheDir())
                .isEqualTo(tmp.resolve("huggingface/hub"));
    }

    @Test
    void endpointTokenOfflineAndTimeoutsFromTheEnvironment() throws IOException {
        HubSettings s = HubSettings.fromEnvironment(Map.of("HF_ENDPOINT", "https://hf-mirror.example/",
                "HF_TOKEN", " hf_abc ", "HF_HUB_OFFLINE", "true", "HF_HUB_DOWNLOAD_TIMEOUT", "2.5",
                "HF_HUB_ETAG_TIMEOUT", "3", "HF_HOME", tmp.toString()));
        assertThat(s.endpoint()).isEqualTo(URI.create("https://hf-mirror.example"));
        assertThat(s.token()).isEqualTo("hf_abc");
        assertThat(s.offline()).isTrue();
        assertThat(s.readTimeout()).isEqualTo(Duration.ofMillis(2500));
        assertThat(s.connectTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(s.toString()).doesNotContain("hf_abc");

        assertThat(HubSettings.fromEnvironment(Map.of("HF_HUB_OFFLINE", "0", "HF_HOME", tmp.toString())).offline())
                .isFalse();

        // the token file written by `huggingface-cli login`
        Files.writeString(tmp.resolve("token"), "hf_from_file\n");
        assertThat(HubSettings.fromEnvironment(Map.of("HF_HOME", tmp.toString())).token()).isEqualTo("hf_from_file");
        assertThat(HubSettings.fromEnvironment(Map.of("HF_HOME", tmp.toString(), "HF_TOKEN", "hf_env")).token())
                .isEqualTo("hf_env");
    }

    @Test
    void badValuesAreRejectedClearly() {
        assertThatThrownBy(() -> HubSettings.fromEnvironment(Map.of("HF_ENDPOINT", "ftp://x")))
                .hasMessageContaining("HF_ENDPOINT");
        assertThatThrownBy(() -> HubSettings.fromEnvironment(Map.of("HF_HUB_DOWNLOAD_TIMEOUT", "soon")))
                .hasMessageContaining("HF_HUB_DOWNLOAD_TIMEOUT");
        assertThatThrownBy(() -> HubSettings.builder().maxRetries(50).build()).hasMessageContaining("maxRetries");
    }

    @Test
    void namesAreCheckedAndEncoded() {
        assertThat(HubNames.checkRepoId("Qwen/Qwen2.5-0.5B-Instruct")).isEqualTo("Qwen/Qwen2.5-0.5B-Instruct");
        assertThat(HubNames.checkRepoId("gpt2")).isEqualTo("gpt2");
        for (String bad : new String[] {"", "a/b/c", "../x", "a--b/c", "/abs", "a/b.", "a b/c"}) {
            assertThatThrownBy(() -> HubNames.checkRepoId(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(HubNames.repoFolderName("Qwen/Qwen2.5-0.5B-Instruct"))
                .isEqualTo("models--Qwen--Qwen2.5-0.5B-Instruct");
        assertThat(HubNames.checkRevision(null)).isEqualTo("main");
        assertThatThrownBy(() -> HubNames.checkRevision("../../x")).isInstanceOf(IllegalArgumentException.class);
        for (String bad : new String[] {"../a", "/etc/passwd", "a/../../b", "a\\b", "C:x", "a//b"}) {
            assertThatThrownBy(() -> HubNames.checkFilename(bad)).as(bad).isInstanceOf(HubException.class);
        }
        assertThat(HubNames.cleanEtag("W/\"abc\"")).isEqualTo("abc");
        HubClient client = new HubClient(HubSettings.builder().cacheDir(tmp).build());
        assertThat(client.resolveUrl("Qwen/Qwen2.5-0.5B-Instruct", "refs/pr/1", "sub dir/model.safetensors"))
                .hasToString("https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct/resolve/refs%2Fpr%2F1/"
                        + "sub%20dir/model.safetensors");
        assertThat(client.modelInfoUrl("Qwen/Qwen2.5-0.5B-Instruct", "main"))
                .hasToString("https://huggingface.co/api/models/Qwen/Qwen2.5-0.5B-Instruct/revision/main?blobs=true");
    }

    @Test
    void textProgressBarRedrawsInPlace() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        AtomicLong clock = new AtomicLong();
        TextProgressBar bar = new TextProgressBar(new PrintStream(buf, true, StandardCharsets.UTF_8), true, 10,
                100_000_000L, clock::get);
        String f = "model.safetensors";
        bar.onProgress(progress(DownloadProgress.Event.FILE_STARTED, f, 0, 2_000_000, 0, 4_000_000));
        clock.set(1_000_000_000L);
        bar.onProgress(progress(DownloadProgress.Event.BYTES, f, 1_000_000, 2_000_000, 1_000_000, 4_000_000));
        clock.set(1_010_000_000L); // too soon to redraw
        bar.onProgress(progress(DownloadProgress.Event.BYTES, f, 1_100_000, 2_000_000, 1_100_000, 4_000_000));
        clock.set(2_000_000_000L);
        bar.onProgress(progress(DownloadProgress.Event.FILE_DONE, f, 2_000_000, 2_000_000, 2_000_000, 4_000_000));
        bar.onProgress(new DownloadProgress(DownloadProgress.Event.ALL_DONE, "acme/m", null, 2, 2, 0, 0, 2_000_000,
                4_000_000));
        String out = buf.toString(StandardCharsets.UTF_8);

        assertThat(out).contains("\r[1/2] model.safetensors  [#####.....]  50%  1.0/2.0 MB  1.0 MB/s  total 25%");
        assertThat(out).doesNotContain("1.1/2.0 MB");
        assertThat(out).contains("\r[1/2] model.safetensors  [##########] 100%  2.0/2.0 MB  1.0 MB/s  total 50%\n");
        assertThat(out).endsWith("Downloaded 1 file, 2.0 MB of acme/m\n");
    }

    @Test
    void textProgressBarForLogsPrintsOneLinePerEvent() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        TextProgressBar bar = new TextProgressBar(new PrintStream(buf, true, StandardCharsets.UTF_8), false);
        bar.onProgress(progress(DownloadProgress.Event.FILE_STARTED, "config.json", 0, 700, 0, 700));
        bar.onProgress(progress(DownloadProgress.Event.BYTES, "config.json", 350, 700, 350, 700));
        bar.onProgress(progress(DownloadProgress.Event.FILE_DONE, "config.json", 700, 700, 700, 700));
        assertThat(buf.toString(StandardCharsets.UTF_8))
                .isEqualTo("Downloading config.json [1/2] (700 B)\nDownloaded config.json (700 B)\n");
    }

    private static DownloadProgress progress(DownloadProgress.Event e, String file, long done, long total,
            long overall, long overallTotal) {
        return new DownloadProgress(e, "acme/m", file, 1, 2, done, total, overall, overallTotal);
    }
}
