package io.groupthink.engine.hub;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where and how to talk to the Hugging Face hub: endpoint, cache folder, token, offline mode, timeouts and
 * retries. Immutable; build one with {@link #builder()} or read the usual {@code HF_*} variables with
 * {@link #fromEnvironment()}.
 *
 * <p>Environment variables honoured by {@link #fromEnvironment(Map)} (same meaning as in
 * {@code huggingface_hub}):
 * <ul>
 *   <li>{@code HF_HUB_CACHE} — the hub cache folder; else {@code HF_HOME/hub}; else
 *       {@code $XDG_CACHE_HOME/huggingface/hub}; else {@code ~/.cache/huggingface/hub}
 *       ({@code HUGGINGFACE_HUB_CACHE} is accepted as a legacy spelling of {@code HF_HUB_CACHE})</li>
 *   <li>{@code HF_ENDPOINT} — the hub URL, default {@code https://huggingface.co}</li>
 *   <li>{@code HF_TOKEN} — access token sent as {@code Authorization: Bearer}; else the legacy
 *       {@code HUGGING_FACE_HUB_TOKEN}; else the token file written by {@code huggingface-cli login}
 *       ({@code HF_TOKEN_PATH}, default {@code HF_HOME/token})</li>
 *   <li>{@code HF_HUB_OFFLINE} — {@code 1}/{@code true}/{@code yes}/{@code on}: resolve only from the cache</li>
 *   <li>{@code HF_HUB_DOWNLOAD_TIMEOUT} — read timeout in seconds (default 30)</li>
 *   <li>{@code HF_HUB_ETAG_TIMEOUT} — connect timeout in seconds (default 10)</li>
 * </ul>
 */
public final class HubSettings {

    private static final Logger LOG = LoggerFactory.getLogger(HubSettings.class);

    public static final URI DEFAULT_ENDPOINT = URI.create("https://huggingface.co");
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_MAX_RETRIES = 2;
    public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofSeconds(1);
    /** Retries are bounded: at most this many, whatever the builder is given. */
    public static final int MAX_RETRIES_LIMIT = 5;

    private final URI endpoint;
    private final Path cacheDir;
    private final String token;
    private final boolean offline;
    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final int maxRetries;
    private final Duration retryBackoff;

    private HubSettings(Builder b) {
        this.endpoint = normalizeEndpoint(b.endpoint);
        this.cacheDir = b.cacheDir.toAbsolutePath().normalize();
        this.token = b.token == null || b.token.isBlank() ? null : b.token.trim();
        this.offline = b.offline;
        this.connectTimeout = positive(b.connectTimeout, "connectTimeout");
        this.readTimeout = positive(b.readTimeout, "readTimeout");
        if (b.maxRetries < 0 || b.maxRetries > MAX_RETRIES_LIMIT) {
            throw new IllegalArgumentException("maxRetries must be between 0 and " + MAX_RETRIES_LIMIT
                    + ", not " + b.maxRetries);
        }
        this.maxRetries = b.maxRetries;
        if (b.retryBackoff.isNegative()) {
            throw new IllegalArgumentException("retryBackoff must not be negative");
        }
        this.retryBackoff = b.retryBackoff;
    }

    /** Defaults (public hub, default cache folder, no token, online), ignoring the environment. */
    public static Builder builder() {
        return new Builder();
    }

    /** Settings from the process environment; see the class comment for the variables. */
    public static HubSettings fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /** Settings from the given environment map (for tests and for callers that filter the environment). */
    public static HubSettings fromEnvironment(Map<String, String> env) {
        Builder b = builder().cacheDir(defaultCacheDir(env));
        String endpoint = get(env, "HF_ENDPOINT");
        if (endpoint != null) {
            b.endpoint(URI.create(endpoint.trim()));
        }
        b.token(tokenFromEnvironment(env));
        b.offline(isTruthy(get(env, "HF_HUB_OFFLINE")));
        String download = get(env, "HF_HUB_DOWNLOAD_TIMEOUT");
        if (download != null) {
            b.readTimeout(seconds("HF_HUB_DOWNLOAD_TIMEOUT", download));
        }
        String etag = get(env, "HF_HUB_ETAG_TIMEOUT");
        if (etag != null) {
            b.connectTimeout(seconds("HF_HUB_ETAG_TIMEOUT", etag));
        }
        return b.build();
    }

    /** The hub cache folder the environment points at ({@code .../huggingface/hub}). */
    public static Path defaultCacheDir(Map<String, String> env) {
        String hubCache = get(env, "HF_HUB_CACHE");
        if (hubCache == null) {
            hubCache = get(env, "HUGGINGFACE_HUB_CACHE");
        }
        if (hubCache != null) {
            return expandHome(hubCache);
        }
        return hfHome(env).resolve("hub");
    }

    /** {@code HF_HOME}, else {@code $XDG_CACHE_HOME/huggingface}, else {@code ~/.cache/huggingface}. */
    public static Path hfHome(Map<String, String> env) {
        String home = get(env, "HF_HOME");
        if (home != null) {
            return expandHome(home);
        }
        String xdg = get(env, "XDG_CACHE_HOME");
        if (xdg != null) {
            return expandHome(xdg).resolve("huggingface");
        }
        return Paths.get(System.getProperty("user.home"), ".cache", "huggingface");
    }

    /** {@code HF_TOKEN}, {@code HUGGING_FACE_HUB_TOKEN}, or the token file; null when none is set. */
    public static String tokenFromEnvironment(Map<String, String> env) {
        String token = get(env, "HF_TOKEN");
        if (token == null) {
            token = get(env, "HUGGING_FACE_HUB_TOKEN");
        }
        if (token != null) {
            return token.trim();
        }
        String tokenPath = get(env, "HF_TOKEN_PATH");
        Path file = tokenPath != null ? expandHome(tokenPath) : hfHome(env).resolve("token");
        if (Files.isRegularFile(file)) {
            try {
                return blankToNull(Files.readString(file, StandardCharsets.UTF_8).trim());
            } catch (IOException e) {
                LOG.warn("could not read the HF token file {}: {}", file, e.toString());
            }
        }
        return null;
    }

    static boolean isTruthy(String value) {
        if (value == null) {
            return false;
        }
        String v = value.trim().toUpperCase(Locale.ROOT);
        return v.equals("1") || v.equals("ON") || v.equals("YES") || v.equals("TRUE");
    }

    public URI endpoint() {
        return endpoint;
    }

    /** The hub cache folder ({@code models--ORG--NAME} folders live directly inside it). */
    public Path cacheDir() {
        return cacheDir;
    }

    /** The access token, or null. */
    public String token() {
        return token;
    }

    public boolean hasToken() {
        return token != null;
    }

    public boolean offline() {
        return offline;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    public Duration readTimeout() {
        return readTimeout;
    }

    public int maxRetries() {
        return maxRetries;
    }

    public Duration retryBackoff() {
        return retryBackoff;
    }

    public Builder toBuilder() {
        return new Builder().endpoint(endpoint).cacheDir(cacheDir).token(token).offline(offline)
                .connectTimeout(connectTimeout).readTimeout(readTimeout).maxRetries(maxRetries)
                .retryBackoff(retryBackoff);
    }

    @Override
    public String toString() {
        return "HubSettings{endpoint=" + endpoint + ", cacheDir=" + cacheDir + ", token="
                + (token == null ? "none" : "***") + ", offline=" + offline + ", connectTimeout="
                + connectTimeout + ", readTimeout=" + readTimeout + ", maxRetries=" + maxRetries + "}";
    }

    /** Builder; every setter returns this. */
    public static final class Builder {
        private URI endpoint = DEFAULT_ENDPOINT;
        private Path cacheDir = Paths.get(System.getProperty("user.home"), ".cache", "huggingface", "hub");
        private String token;
        private boolean offline;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration readTimeout = DEFAULT_READ_TIMEOUT;
        private int maxRetries = DEFAULT_MAX_RETRIES;
        private Duration retryBackoff = DEFAULT_RETRY_BACKOFF;

        private Builder() {}

        public Builder endpoint(URI endpoint) {
            this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
            return this;
        }

        public Builder endpoint(String endpoint) {
            return endpoint(URI.create(endpoint));
        }

        /** The hub cache folder, e.g. {@code ~/.cache/huggingface/hub}. */
        public Builder cacheDir(Path cacheDir) {
            this.cacheDir = Objects.requireNonNull(cacheDir, "cacheDir");
            return this;
        }

        /** Access token; null or blank for none. */
        public Builder token(String token) {
            this.token = token;
            return this;
        }

        public Builder offline(boolean offline) {
            this.offline = offline;
            return this;
        }

        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
            return this;
        }

        /** The longest wait for a response or for the next bytes of a body. */
        public Builder readTimeout(Duration readTimeout) {
            this.readTimeout = Objects.requireNonNull(readTimeout, "readTimeout");
            return this;
        }

        /** Retries after a transient failure (connection error, timeout, 429, 5xx), 0 to 5. */
        public Builder maxRetries(int maxRetries) {
            this.maxRetries = maxRetries;
            return this;
        }

        /** The wait before the first retry; it doubles for each further retry. */
        public Builder retryBackoff(Duration retryBackoff) {
            this.retryBackoff = Objects.requireNonNull(retryBackoff, "retryBackoff");
            return this;
        }

        public HubSettings build() {
            return new HubSettings(this);
        }
    }

    private static URI normalizeEndpoint(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw new IllegalArgumentException("hub endpoint must be an http(s) URL with a host, not '" + uri
                    + "' (check HF_ENDPOINT)");
        }
        String s = uri.toString();
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return URI.create(s);
    }

    private static Duration positive(Duration d, String name) {
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(name + " must be positive, not " + d);
        }
        return d;
    }

    private static Duration seconds(String variable, String value) {
        try {
            double s = Double.parseDouble(value.trim());
            if (!(s > 0) || Double.isInfinite(s)) {
                throw new NumberFormatException();
            }
            return Duration.ofMillis(Math.max(1, Math.round(s * 1000)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(variable + " must be a positive number of seconds, not '" + value
                    + "'");
        }
    }

    private static String get(Map<String, String> env, String name) {
        return blankToNull(env.get(name));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    private static Path expandHome(String p) {
        String s = p.trim();
        if (s.equals("~") || s.startsWith("~/")) {
            s = System.getProperty("user.home") + s.substring(1);
        }
        return Paths.get(s);
    }
}
