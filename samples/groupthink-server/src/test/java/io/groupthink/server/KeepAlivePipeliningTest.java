package io.groupthink.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Requests that reach a keep-alive connection before the previous response has been wound up
 * are queued by the server (HTTP/1.1 pipelining, which a client's pooled connection produces by
 * itself when it sends the next request the moment a response has arrived). Here a chat
 * completion, answered later by the engine, is followed on the same connection by a refusal the
 * server gives at once and by a third request. Reactor Netty up to 1.3.7 stopped reading such a
 * connection after a queued request answered at once (reactor-netty issue 4361): the third
 * request then waited for ever, which is how one of the chat completion tests hung for 100 s about
 * one run in ten.
 */
class KeepAlivePipeliningTest extends ServerTestBase {

    private static final Pattern STATUS = Pattern.compile("HTTP/1\\.1 (\\d{3})");

    @Test
    void everyRequestQueuedOnAKeepAliveConnectionIsAnswered() throws IOException {
        String chat = "{\"model\":\"" + MODEL + "\",\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":\""
                + QUESTION + "\"}]}";
        byte[] body = chat.getBytes(StandardCharsets.UTF_8);
        String first = "POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + KEY
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n" + chat
                + "GET /v1/models HTTP/1.1\r\nHost: localhost\r\n\r\n"; // no key: refused at once, queued
        String then = "GET /v1/models HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + KEY + "\r\n\r\n";
        List<String> statuses = new ArrayList<>();
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream seen = new ByteArrayOutputStream();
            out.write(first.getBytes(StandardCharsets.UTF_8));
            out.flush();
            readStatuses(in, seen, statuses, 2);
            // the next request once both answers are in, as a pooled client sends it
            out.write(then.getBytes(StandardCharsets.UTF_8));
            out.flush();
            readStatuses(in, seen, statuses, 3);
        }
        assertThat(statuses).as("status lines of the three responses, in order").containsExactly("200", "401", "200");
    }

    /** Reads until {@code count} status lines have come, the connection closes or 20 s pass without a byte. */
    private static void readStatuses(InputStream in, ByteArrayOutputStream seen, List<String> statuses, int count)
            throws IOException {
        byte[] buffer = new byte[8192];
        try {
            while (statuses.size() < count) {
                int n = in.read(buffer);
                if (n < 0) {
                    return;
                }
                seen.write(buffer, 0, n);
                statuses.clear();
                Matcher m = STATUS.matcher(seen.toString(StandardCharsets.ISO_8859_1));
                while (m.find()) {
                    statuses.add(m.group(1));
                }
            }
        } catch (SocketTimeoutException e) {
            // the caller's assertion says which responses came
        }
    }
}
