package io.groupthink.demo;

import java.nio.charset.StandardCharsets;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Answers a URL longer than {@link #MAX_URI_CHARS} with 414 and a problem body. Netty is told to
 * read request lines of up to 16 MB ({@code server.netty.max-initial-line-length}): past its own
 * limit it would answer 414 and close while the client was still sending, which the client sees
 * as a connection reset. So the line is read whole, and refused here.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class LongUriFilter implements WebFilter {

    /** Room for a question at {@code groupthink.limits.max-prompt-chars}, percent-encoded. */
    static final int MAX_URI_CHARS = 128 * 1024;

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String uri = exchange.getRequest().getURI().getRawPath() + "?" + exchange.getRequest().getURI().getRawQuery();
        if (uri.length() <= MAX_URI_CHARS) {
            return chain.filter(exchange);
        }
        ServerHttpResponse response = exchange.getResponse();
        response.setStatusCode(HttpStatus.URI_TOO_LONG);
        response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        String body = "{\"type\":\"about:blank\",\"title\":\"URI Too Long\",\"status\":414,\"detail\":\"the URL is "
                + uri.length() + " characters; the limit is " + MAX_URI_CHARS + "\",\"instance\":\""
                + exchange.getRequest().getURI().getRawPath() + "\"}";
        DataBuffer buffer = response.bufferFactory().wrap(body.getBytes(StandardCharsets.UTF_8));
        return response.writeWith(Mono.just(buffer));
    }
}
