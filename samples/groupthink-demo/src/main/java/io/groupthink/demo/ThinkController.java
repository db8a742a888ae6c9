package io.groupthink.demo;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.model.ModelConfig;
import io.groupthink.spring.autoconfigure.GroupThinkEvent;
import io.groupthink.spring.autoconfigure.GroupThinkSessions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;

/**
 * Server-sent events for the page: one {@code token} event per token, tagged by lane, then
 * {@code done} with the stats, or {@code failure} with a message. When the browser closes the
 * stream, the subscription is cancelled and so is the engine session.
 */
@RestController
class ThinkController {

    static final int MAX_THINKERS = 8;

    private final GroupThinkSessions sessions;

    ThinkController(GroupThinkSessions sessions) {
        this.sessions = sessions;
    }

    @GetMapping("/api/model")
    Map<String, Object> model() {
        GroupThinkModel model = sessions.model();
        ModelConfig c = model.config();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", model.dir().getFileName() == null ? model.dir().toString() : model.dir().getFileName().toString());
        m.put("modelType", c.modelType());
        m.put("layers", c.numLayers());
        m.put("contextLength", c.maxPositions());
        m.put("maxThinkers", MAX_THINKERS);
        m.put("defaultBudget", sessions.properties().getDefaults().getTokensPerThinker());
        return m;
    }

    @GetMapping(path = "/api/think", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    Flux<ServerSentEvent<Object>> think(@RequestParam String question, @RequestParam(defaultValue = "4") int thinkers,
            @RequestParam(defaultValue = "group") String mode, @RequestParam(required = false) Integer budget,
            @RequestParam(defaultValue = "true") boolean synthesize) {
        return Flux.defer(() -> {
            Mode m = Mode.parse(mode);
            if (thinkers < 1 || thinkers > MAX_THINKERS) {
                throw new IllegalArgumentException("thinkers must be between 1 and " + MAX_THINKERS + ", got " + thinkers);
            }
            GroupThinkRequest.Builder b = sessions.request(question).mode(m).thinkers(m == Mode.COT ? 1 : thinkers)
                    .synthesize(synthesize);
            if (budget != null) {
                b.maxTokens(budget);
            }
            return sessions.stream(b.build(), null, "demo").map(ThinkController::toEvent);
        }).onErrorResume(e -> Flux.just(ServerSentEvent.builder((Object) Map.of("message", message(e)))
                .event("failure").build()));
    }

    private static ServerSentEvent<Object> toEvent(GroupThinkEvent event) {
        if (event instanceof GroupThinkEvent.Token t) {
            return ServerSentEvent.builder((Object) Map.of("lane", t.lane(), "step", t.step(), "text", t.text(),
                    "synthesis", t.synthesis())).event("token").build();
        }
        GroupThinkResult r = ((GroupThinkEvent.Completed) event).result();
        double decodeMs = r.stepMillis().stream().skip(1).mapToDouble(Double::doubleValue).sum();
        Map<String, Object> done = new LinkedHashMap<>();
        done.put("decodeSteps", r.decodeSteps());
        done.put("tokens", r.generatedTokens());
        done.put("tokensPerSecond", decodeMs > 0 ? r.generatedTokens() * 1000.0 / decodeMs : 0.0);
        done.put("wallMillis", r.wallMillis());
        done.put("kvBytes", r.kvBytes());
        done.put("finalAnswer", r.finalAnswer());
        List<Map<String, Object>> lanes = r.thinkers().stream()
                .map(t -> Map.<String, Object>of("lane", t.lane(), "reason", t.finishReason().name())).toList();
        done.put("lanes", lanes);
        return ServerSentEvent.builder((Object) done).event("done").build();
    }

    private static String message(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
