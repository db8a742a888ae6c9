package io.groupthink.demo;

import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.groupthink.RoundOptions;
import io.groupthink.engine.groupthink.RoundsResult;
import io.groupthink.spring.client.GroupThinkBusyException;
import io.groupthink.spring.client.GroupThinkChatClient;
import io.groupthink.spring.client.GroupThinkResponse;
import io.groupthink.spring.client.GroupThinkStreamEvent;
import io.groupthink.spring.client.ModelInfo;
import io.groupthink.spring.client.PromptTooLongException;
import io.groupthink.spring.client.RoundEvent;
import io.groupthink.spring.client.ThinkerToken;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebInputException;
import reactor.core.publisher.Flux;

/**
 * Server-sent events for the page: one {@code token} event per token, tagged by lane, then
 * {@code done} with the stats. With {@code rounds} set the session reasons in rounds: each round
 * opens with a {@code round} event (the page clears the lanes), its tokens follow, then its
 * {@code summary-token}s, the {@code summary} and {@code round-end}; the final answer's tokens and
 * {@code done} close it. A request the engine cannot take is answered before any event:
 * 400 with a problem body (what is wrong with which parameter), 413 for a question over
 * {@code groupthink.limits.max-prompt-chars}, 414 for a URL over {@link LongUriFilter}'s limit,
 * 503 when the engine is full. Once tokens flow, a failure arrives as a
 * {@code failure} event. When the browser closes the stream, the engine session is cancelled.
 */
@RestController
class ThinkController {

    static final int MAX_THINKERS = 8;

    private final GroupThinkChatClient client;

    ThinkController(GroupThinkChatClient client) {
        this.client = client;
    }

    @GetMapping("/api/model")
    Map<String, Object> model() {
        ModelInfo info = client.modelInfo();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", info.name());
        m.put("modelType", info.modelType());
        m.put("layers", info.layers());
        m.put("contextLength", info.contextLength());
        m.put("maxThinkers", MAX_THINKERS);
        m.put("defaultBudget", client.defaults().maxTokens());
        RoundOptions r = client.defaults().rounds();
        m.put("rounds", Map.of("rounds", r.rounds(), "segmentTokens", r.segmentTokens(), "summaryTokens",
                r.summaryTokens(), "carryTokens", r.carryTokens()));
        return m;
    }

    @GetMapping(path = "/api/think", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    Flux<ServerSentEvent<Object>> think(@RequestParam String question, @RequestParam(defaultValue = "4") int thinkers,
            @RequestParam(defaultValue = "group") String mode, @RequestParam(required = false) Integer budget,
            @RequestParam(defaultValue = "true") boolean synthesize, @RequestParam(required = false) Integer rounds,
            @RequestParam(required = false) Integer segment, @RequestParam(required = false) Integer summary,
            @RequestParam(required = false) Integer carry) {
        GroupThinkChatClient.PromptSpec spec = prompt(question, thinkers, mode, budget, synthesize);
        Flux<ServerSentEvent<Object>> events = rounds == null
                ? spec.streamEvents().map(ThinkController::toEvent)
                : inRounds(spec, rounds, segment, summary, carry).streamInRounds().map(ThinkController::toEvent);
        AtomicBoolean started = new AtomicBoolean();
        // Errors before the first event (the prompt over the context, say) still reach the
        // exception handlers below as a status; after it, the status line has gone out.
        return events
                .doOnNext(e -> started.set(true))
                .onErrorResume(e -> started.get() ? Flux.just(ServerSentEvent.builder((Object) Map.of("message",
                        message(e))).event("failure").build()) : Flux.error(e));
    }

    /** Round options the page set; unset ones come from groupthink.rounds.* (the session checks them all). */
    private static GroupThinkChatClient.PromptSpec inRounds(GroupThinkChatClient.PromptSpec spec, int rounds,
            Integer segment, Integer summary, Integer carry) {
        spec.rounds(rounds);
        if (segment != null) {
            spec.segmentTokens(segment);
        }
        if (summary != null) {
            spec.summaryTokens(summary);
        }
        if (carry != null) {
            spec.carryTokens(carry);
        }
        return spec;
    }

    /** The call the page asked for; every parameter is checked here, before a session exists. */
    private GroupThinkChatClient.PromptSpec prompt(String question, int thinkers, String mode, Integer budget,
            boolean synthesize) {
        if (question.isBlank()) {
            throw new IllegalArgumentException("question is empty");
        }
        Mode m = Mode.parse(mode);
        if (thinkers < 1 || thinkers > MAX_THINKERS) {
            throw new IllegalArgumentException("thinkers must be between 1 and " + MAX_THINKERS + ", got " + thinkers);
        }
        if (budget != null && budget < 1) {
            throw new IllegalArgumentException("budget must be at least 1 token, got " + budget);
        }
        GroupThinkChatClient.PromptSpec spec = client.prompt().user(question).mode(m)
                .thinkers(m == Mode.COT ? 1 : thinkers).synthesize(synthesize);
        if (budget != null) {
            spec.maxTokensPerThinker(budget);
        }
        spec.toRequest(); // the defaults applied and the request checked, so a bad one fails here
        return spec;
    }

    @ExceptionHandler(PromptTooLongException.class)
    ResponseEntity<ProblemDetail> tooLong(PromptTooLongException e) {
        return problem(HttpStatus.CONTENT_TOO_LARGE, "Question too long", e);
    }

    @ExceptionHandler(IllegalArgumentException.class)
    ResponseEntity<ProblemDetail> badRequest(IllegalArgumentException e) {
        return problem(HttpStatus.BAD_REQUEST, "Bad request", e);
    }

    /** A missing or mistyped parameter, named. */
    @ExceptionHandler(ServerWebInputException.class)
    ResponseEntity<ProblemDetail> badInput(ServerWebInputException e) {
        String parameter = e.getMethodParameter() != null ? e.getMethodParameter().getParameterName() : null;
        String detail = e.getReason() + (parameter != null ? " (parameter '" + parameter + "')" : "")
                + (e.getCause() != null && e.getCause().getMessage() != null ? ": " + e.getCause().getMessage() : "");
        ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, detail);
        p.setTitle("Bad request");
        return ResponseEntity.badRequest().contentType(MediaType.APPLICATION_PROBLEM_JSON).body(p);
    }

    @ExceptionHandler(GroupThinkBusyException.class)
    ResponseEntity<ProblemDetail> busy(GroupThinkBusyException e) {
        return problem(HttpStatus.SERVICE_UNAVAILABLE, "Group Think is busy", e);
    }

    /** A problem body whatever the request accepted: an EventSource asks for text/event-stream only. */
    private static ResponseEntity<ProblemDetail> problem(HttpStatus status, String title, Exception e) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(status, message(e));
        p.setTitle(title);
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(p);
    }

    private static ServerSentEvent<Object> toEvent(GroupThinkStreamEvent event) {
        if (event instanceof ThinkerToken t) {
            int lane = t.finalAnswer() ? -1 : t.thinker() - 1;
            return ServerSentEvent.builder((Object) Map.of("lane", lane, "step", t.step(), "text", t.text(),
                    "synthesis", t.finalAnswer())).event("token").build();
        }
        GroupThinkResponse r = (GroupThinkResponse) event;
        Map<String, Object> done = new LinkedHashMap<>();
        done.put("decodeSteps", r.timings().decodeSteps());
        done.put("tokens", r.usage().generatedTokens());
        done.put("tokensPerSecond", r.timings().tokensPerSecond(r.usage().generatedTokens()));
        done.put("prefillMillis", r.timings().prefillMillis());
        done.put("wallMillis", r.timings().wallMillis());
        done.put("kvBytes", r.timings().kvBytes());
        done.put("finalAnswer", r.finalAnswer());
        List<Map<String, Object>> lanes = r.thinkers().stream()
                .map(t -> Map.<String, Object>of("lane", t.thinker() - 1, "reason", t.finishReason().name())).toList();
        done.put("lanes", lanes);
        return ServerSentEvent.builder((Object) done).event("done").build();
    }

    private static ServerSentEvent<Object> toEvent(RoundEvent event) {
        if (event instanceof RoundEvent.RoundStarted r) {
            return sse("round", Map.of("round", r.round(), "question", r.question()));
        }
        if (event instanceof RoundEvent.Token t) {
            return sse("token", Map.of("round", t.round(), "lane", t.thinker() - 1, "step", t.step(), "text", t.text(),
                    "synthesis", false));
        }
        if (event instanceof RoundEvent.SummaryToken t) {
            return sse("summary-token", Map.of("round", t.round(), "thinker", t.thinker(), "text", t.text()));
        }
        if (event instanceof RoundEvent.Summary r) {
            return sse("summary", Map.of("round", r.round(), "text", r.text()));
        }
        if (event instanceof RoundEvent.RoundEnded e) {
            RoundsResult.Round r = e.round();
            Map<String, Object> end = new LinkedHashMap<>();
            end.put("round", r.index());
            end.put("segmentTokens", r.segmentTokens());
            end.put("summaryTokens", r.summaryTokens());
            end.put("kvTokens", r.kvTokens());
            end.put("segmentMillis", r.segmentMillis());
            end.put("summaryMillis", r.summaryMillis());
            end.put("lanes", r.segments().stream()
                    .map(t -> Map.<String, Object>of("lane", t.lane(), "reason", t.finishReason().name())).toList());
            return sse("round-end", end);
        }
        if (event instanceof RoundEvent.FinalToken t) {
            return sse("token", Map.of("lane", -1, "step", t.step(), "text", t.text(), "synthesis", true));
        }
        RoundsResult r = ((RoundEvent.Completed) event).result();
        Map<String, Object> done = new LinkedHashMap<>();
        done.put("rounds", r.rounds().size());
        done.put("markerReached", r.markerReached());
        done.put("decodeSteps", r.rounds().stream().mapToInt(RoundsResult.Round::decodeSteps).sum());
        done.put("tokens", r.generatedTokens());
        done.put("summaryTokens", r.summaryTokens());
        done.put("tokensPerSecond", r.wallMillis() > 0 ? r.generatedTokens() * 1000.0 / r.wallMillis() : 0.0);
        done.put("wallMillis", r.wallMillis());
        done.put("peakKvTokens", r.peakKvTokens());
        done.put("kvBound", r.kvBound());
        done.put("finalAnswer", r.finalAnswer());
        return sse("done", done);
    }

    private static ServerSentEvent<Object> sse(String name, Object data) {
        return ServerSentEvent.builder(data).event(name).build();
    }

    private static String message(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
