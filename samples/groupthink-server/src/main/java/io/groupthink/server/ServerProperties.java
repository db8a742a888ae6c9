package io.groupthink.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/** {@code groupthink.server.*}: what the OpenAI-compatible endpoint admits. */
@ConfigurationProperties("groupthink.server")
public class ServerProperties {

    /** Bearer keys accepted on /v1/**; empty means no authentication. Never logged. */
    private List<String> apiKeys = new ArrayList<>();

    /** The model id clients must name; empty means the model folder's name. */
    private String modelName = "";

    /** Largest request body; a larger one gets 413 before it is parsed. */
    private DataSize maxRequestSize = DataSize.ofKilobytes(256);

    /** Sent as Retry-After with 429 (engine busy) and 503 (draining). */
    private Duration retryAfter = Duration.ofSeconds(1);

    public List<String> getApiKeys() {
        return apiKeys;
    }

    public void setApiKeys(List<String> apiKeys) {
        this.apiKeys = apiKeys;
    }

    public String getModelName() {
        return modelName;
    }

    public void setModelName(String modelName) {
        this.modelName = modelName;
    }

    public DataSize getMaxRequestSize() {
        return maxRequestSize;
    }

    public void setMaxRequestSize(DataSize maxRequestSize) {
        this.maxRequestSize = maxRequestSize;
    }

    public Duration getRetryAfter() {
        return retryAfter;
    }

    public void setRetryAfter(Duration retryAfter) {
        this.retryAfter = retryAfter;
    }

    /** Keys are secrets: never print them. */
    @Override
    public String toString() {
        return "ServerProperties[apiKeys=" + apiKeys.size() + " configured, modelName=" + modelName
                + ", maxRequestSize=" + maxRequestSize + ", retryAfter=" + retryAfter + "]";
    }
}
