package io.groupthink.server;

import io.groupthink.server.openai.ApiException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Admission for {@code /v1/**}, before any body is read: a draining replica refuses new sessions
 * (503, so a load balancer retries elsewhere, while running streams finish), then the bearer key,
 * then the declared body size. Keys are compared in constant time and never logged or echoed.
 */
public class ApiGate implements WebFilter, Ordered {

    private final ApplicationAvailability availability;
    private final List<byte[]> keys;
    private final long maxBytes;

    public ApiGate(ApplicationAvailability availability, ServerProperties properties) {
        this.availability = availability;
        this.keys = properties.getApiKeys().stream()
                .filter(k -> k != null && !k.isBlank())
                .map(k -> k.getBytes(StandardCharsets.UTF_8))
                .toList();
        this.maxBytes = properties.getMaxRequestSize().toBytes();
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE + 10;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (!exchange.getRequest().getPath().value().startsWith("/v1/")) {
            return chain.filter(exchange);
        }
        if (availability.getReadinessState() == ReadinessState.REFUSING_TRAFFIC) {
            // Close the connection too, so that a proxy does not send the next request down it.
            exchange.getResponse().getHeaders().set(HttpHeaders.CONNECTION, "close");
            return Mono.error(new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "server_error", null, "draining",
                    "this replica is draining and takes no new sessions; retry, and the load balancer sends "
                            + "you to another"));
        }
        if (!keys.isEmpty()) {
            String header = exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
            if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
                return Mono.error(new ApiException(HttpStatus.UNAUTHORIZED, "invalid_request_error", null,
                        "invalid_api_key", "You didn't provide an API key; send it as 'Authorization: Bearer KEY'"));
            }
            if (!known(header.substring(7).trim().getBytes(StandardCharsets.UTF_8))) {
                return Mono.error(new ApiException(HttpStatus.UNAUTHORIZED, "invalid_request_error", null,
                        "invalid_api_key", "Incorrect API key provided"));
            }
        }
        long length = exchange.getRequest().getHeaders().getContentLength();
        if (length > maxBytes) {
            return Mono.error(tooLarge(length, maxBytes));
        }
        return chain.filter(exchange);
    }

    static ApiException tooLarge(long length, long maxBytes) {
        return new ApiException(HttpStatus.CONTENT_TOO_LARGE, "invalid_request_error", null, "request_too_large",
                "the request body is " + (length < 0 ? "over " + maxBytes : length) + " bytes; the limit is "
                        + maxBytes + " (groupthink.server.max-request-size)");
    }

    private boolean known(byte[] presented) {
        boolean match = false;
        for (byte[] key : keys) {
            match |= MessageDigest.isEqual(key, presented); // no early exit: every key is compared
        }
        return match;
    }
}
