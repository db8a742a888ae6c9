package io.groupthink.server;

import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.server.openai.ApiException;
import io.groupthink.server.openai.ChatCompletion;
import io.groupthink.server.openai.ChatRequest;
import io.groupthink.server.openai.ModelList;
import io.groupthink.spring.session.GroupThinkEvent;
import java.util.ArrayList;
import java.util.List;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /v1/chat/completions} (whole or streamed as server-sent events) and
 * {@code GET /v1/models}. Requests are checked before a session starts, so a bad one costs no
 * engine time; a streamed session's tokens go out as they are produced, every thinker's chunks
 * interleaved in step order and told apart by choice {@code index}.
 */
@RestController
public class ChatCompletionsController {

    private final Completions completions;
    private final JsonMapper json;
    private final ServerProperties properties;
    private final long created = System.currentTimeMillis() / 1000;

    public ChatCompletionsController(Completions completions, JsonMapper json, ServerProperties properties) {
        this.completions = completions;
        this.json = json;
        this.properties = properties;
    }

    @GetMapping("/v1/models")
    public ModelList models() {
        return ModelList.of(model());
    }

    @GetMapping("/v1/models/{id}")
    public ModelList.Model model(@PathVariable String id) {
        if (!completions.modelName().equals(id)) {
            throw new ApiException(org.springframework.http.HttpStatus.NOT_FOUND, "invalid_request_error", "model",
                    "model_not_found", "The model '" + id + "' does not exist");
        }
        return model();
    }

    private ModelList.Model model() {
        return new ModelList.Model(completions.modelName(), "model", created, "groupthink");
    }

    @PostMapping(path = "/v1/chat/completions", consumes = MediaType.ALL_VALUE)
    public Mono<ResponseEntity<?>> chatCompletions(@RequestBody(required = false) Flux<DataBuffer> body) {
        int limit = (int) properties.getMaxRequestSize().toBytes();
        Flux<DataBuffer> raw = body == null ? Flux.empty() : body;
        return DataBufferUtils.join(raw, limit)
                .onErrorMap(DataBufferLimitException.class, e -> ApiGate.tooLarge(-1, limit))
                .map(buffer -> {
                    try {
                        return buffer.toString(java.nio.charset.StandardCharsets.UTF_8);
                    } finally {
                        DataBufferUtils.release(buffer);
                    }
                })
                .defaultIfEmpty("")
                .map(text -> completions.plan(ChatRequest.parse(read(text))))
                .map(plan -> plan.chat().stream()
                        ? ResponseEntity.ok().contentType(MediaType.TEXT_EVENT_STREAM).body(stream(plan))
                        : ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(whole(plan)));
    }

    private JsonNode read(String text) {
        if (text.isBlank()) {
            throw ApiException.invalid(null, "the request body is empty; send a JSON object");
        }
        try {
            return json.readTree(text);
        } catch (JacksonException e) {
            throw ApiException.invalid(null, "the request body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private Mono<ChatCompletion> whole(Completions.Plan plan) {
        return completions.run(plan)
                .ofType(GroupThinkEvent.Completed.class)
                .next()
                .map(done -> {
                    GroupThinkResult r = done.result();
                    return new ChatCompletion(id(r.session()), ChatCompletion.OBJECT, now(), completions.modelName(),
                            null, Completions.choices(r), Completions.usage(r), Completions.info(plan, r));
                });
    }

    /**
     * Chunks as OpenAI sends them: the role first, then content deltas, then one chunk per choice
     * with its finish reason, the usage chunk when asked for ({@code stream_options.include_usage}),
     * and {@code [DONE]}. A failure after the first chunk goes out as an {@code error} event, since
     * the status line has left by then.
     */
    private Flux<ServerSentEvent<String>> stream(Completions.Plan plan) {
        long created = now();
        String[] id = {null};
        Flux<ServerSentEvent<String>> chunks = completions.run(plan).concatMap(event -> {
            if (event instanceof GroupThinkEvent.Token t) {
                if (id[0] == null) {
                    id[0] = id(t.session());
                    List<ChatCompletion.Choice> roles = new ArrayList<>();
                    for (int i = 0; i < plan.choices(); i++) {
                        roles.add(ChatCompletion.Choice.delta(i, "assistant", "", null));
                    }
                    return Flux.just(chunk(id[0], created, roles, null),
                            chunk(id[0], created, List.of(ChatCompletion.Choice.delta(t.lane(), null, t.text(), null)),
                                    null));
                }
                if (t.text().isEmpty()) {
                    return Flux.empty();
                }
                return Flux.just(chunk(id[0], created,
                        List.of(ChatCompletion.Choice.delta(t.lane(), null, t.text(), null)), null));
            }
            GroupThinkResult r = ((GroupThinkEvent.Completed) event).result();
            String chunkId = id[0] != null ? id[0] : id(r.session());
            List<ServerSentEvent<String>> last = new ArrayList<>();
            for (ChatCompletion.Choice c : Completions.choices(r)) {
                last.add(chunk(chunkId, created, List.of(ChatCompletion.Choice.delta(c.index(), null, null,
                        c.finishReason())), null));
            }
            if (plan.chat().includeUsage()) {
                last.add(chunk(chunkId, created, List.of(), Completions.usage(r)));
            }
            return Flux.fromIterable(last);
        });
        // Before the first chunk nothing is committed, so a refusal (busy, draining) keeps its status.
        boolean[] started = {false};
        return chunks
                .doOnNext(c -> started[0] = true)
                .concatWith(Mono.just(ServerSentEvent.builder("[DONE]").build()))
                .onErrorResume(e -> started[0] && !(e instanceof Error),
                        e -> Mono.just(ServerSentEvent.builder(write(OpenAiErrorHandler.toApiException(e).body()))
                                .build()));
    }

    private ServerSentEvent<String> chunk(String id, long created, List<ChatCompletion.Choice> choices,
            ChatCompletion.Usage usage) {
        return ServerSentEvent.builder(write(new ChatCompletion(id, ChatCompletion.CHUNK, created,
                completions.modelName(), null, choices, usage, null))).build();
    }

    private String write(Object value) {
        return json.writeValueAsString(value);
    }

    private static String id(long session) {
        return "chatcmpl-gt-" + session;
    }

    private static long now() {
        return System.currentTimeMillis() / 1000;
    }
}
