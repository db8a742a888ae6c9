package io.groupthink.server;

import io.groupthink.server.openai.ApiException;
import io.groupthink.spring.client.GroupThinkBusyException;
import io.groupthink.spring.client.GroupThinkTimeoutException;
import io.groupthink.spring.client.GroupThinkUnavailableException;
import java.util.concurrent.CancellationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every failure under {@code /v1/**} as an OpenAI error body with the status a client acts on:
 * 400 bad value, 401 key, 404 model or path, 413 body size, 429 engine busy and 503 draining (both
 * with {@code Retry-After}). 500 is left for faults of the server itself. Other paths (actuator)
 * keep Spring Boot's own error handling.
 */
public class OpenAiErrorHandler implements WebExceptionHandler, Ordered {

    private static final Logger log = LoggerFactory.getLogger(OpenAiErrorHandler.class);

    private final JsonMapper json;
    private final long retryAfterSeconds;

    public OpenAiErrorHandler(JsonMapper json, ServerProperties properties) {
        this.json = json;
        this.retryAfterSeconds = Math.max(1, properties.getRetryAfter().toSeconds());
    }

    @Override
    public int getOrder() {
        return -2; // before Spring Boot's ErrorWebExceptionHandler (-1)
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable error) {
        if (!exchange.getRequest().getPath().value().startsWith("/v1/") || exchange.getResponse().isCommitted()) {
            return Mono.error(error);
        }
        ApiException api = toApiException(error);
        if (api.status().is5xxServerError() && api.status() != HttpStatus.SERVICE_UNAVAILABLE) {
            log.error("{} {} failed", exchange.getRequest().getMethod(), exchange.getRequest().getPath(), error);
        }
        HttpHeaders headers = exchange.getResponse().getHeaders();
        exchange.getResponse().setStatusCode(api.status());
        headers.setContentType(MediaType.APPLICATION_JSON);
        if (api.status() == HttpStatus.TOO_MANY_REQUESTS || api.status() == HttpStatus.SERVICE_UNAVAILABLE) {
            headers.set(HttpHeaders.RETRY_AFTER, Long.toString(retryAfterSeconds));
        }
        byte[] body = json.writeValueAsBytes(api.body());
        return exchange.getResponse().writeWith(Mono.just(exchange.getResponse().bufferFactory().wrap(body)));
    }

    /** The OpenAI error for any failure: ours as they are, the engine's and the framework's mapped. */
    static ApiException toApiException(Throwable error) {
        if (error instanceof ApiException api) {
            return api;
        }
        if (error instanceof DataBufferLimitException) {
            return new ApiException(HttpStatus.CONTENT_TOO_LARGE, "invalid_request_error", null, "request_too_large",
                    "the request body is over the limit (groupthink.server.max-request-size)");
        }
        if (error instanceof GroupThinkBusyException) {
            return new ApiException(HttpStatus.TOO_MANY_REQUESTS, "rate_limit_error", null, "engine_busy",
                    error.getMessage());
        }
        if (error instanceof GroupThinkUnavailableException) {
            return new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "server_error", null, "unavailable",
                    error.getMessage());
        }
        if (error instanceof GroupThinkTimeoutException) {
            return new ApiException(HttpStatus.GATEWAY_TIMEOUT, "server_error", null, "timeout", error.getMessage());
        }
        if (error instanceof IllegalArgumentException) { // engine validation: the message names the property
            return ApiException.invalid(null, error.getMessage());
        }
        if (error instanceof CancellationException) {
            return new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "server_error", null, "cancelled",
                    "the session was cancelled");
        }
        if (error instanceof ResponseStatusException rse) {
            HttpStatus status = HttpStatus.resolve(rse.getStatusCode().value());
            status = status == null ? HttpStatus.BAD_REQUEST : status;
            String message = status == HttpStatus.NOT_FOUND ? "Unknown request URL" : rse.getReason() != null
                    ? rse.getReason() : status.getReasonPhrase();
            return new ApiException(status, status.is5xxServerError() ? "server_error" : "invalid_request_error",
                    null, null, message);
        }
        return new ApiException(HttpStatus.INTERNAL_SERVER_ERROR, "server_error", null, null,
                "the server failed: " + error.getClass().getSimpleName());
    }
}
