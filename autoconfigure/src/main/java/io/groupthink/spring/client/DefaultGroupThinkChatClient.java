package io.groupthink.spring.client;

import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.engine.groupthink.Layout;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.groupthink.PromptTemplate;
import io.groupthink.engine.groupthink.RoundOptions;
import io.groupthink.engine.groupthink.RoundSession;
import io.groupthink.engine.groupthink.RoundsResult;
import io.groupthink.engine.groupthink.StepHook;
import io.groupthink.engine.sampling.SamplingOptions;
import io.groupthink.spring.session.GroupThinkEvent;
import io.groupthink.spring.session.GroupThinkSessions;
import io.groupthink.spring.session.RequestOptions;
import io.groupthink.spring.session.SessionDefaults;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.springframework.ai.converter.BeanOutputConverter;
import org.springframework.core.ParameterizedTypeReference;
import reactor.core.publisher.Flux;

/** The {@link GroupThinkChatClient} over {@link GroupThinkSessions}. */
public class DefaultGroupThinkChatClient implements GroupThinkChatClient {

    static final String SURFACE = "client";

    private final GroupThinkSessions sessions;
    private final String surface;

    public DefaultGroupThinkChatClient(GroupThinkSessions sessions) {
        this(sessions, SURFACE);
    }

    /** @param surface how the actuator endpoint labels this client's sessions */
    public DefaultGroupThinkChatClient(GroupThinkSessions sessions, String surface) {
        this.sessions = sessions;
        this.surface = surface;
    }

    @Override
    public PromptSpec prompt() {
        return new Spec();
    }

    @Override
    public ModelInfo modelInfo() {
        return sessions.modelInfo();
    }

    @Override
    public SessionDefaults defaults() {
        return sessions.defaults();
    }

    /** Maps a final answer to {@code T} with Spring AI's converter; failures keep the text. */
    static <T> T convert(BeanOutputConverter<T> converter, String typeName, String answer) {
        if (answer == null) {
            throw new StructuredOutputException(typeName, (String) null,
                    new IllegalStateException("the session produced no final answer"));
        }
        try {
            T value = converter.convert(answer);
            if (value == null) {
                throw new IllegalStateException("the answer mapped to null");
            }
            return value;
        } catch (RuntimeException e) {
            throw new StructuredOutputException(typeName, answer, e);
        }
    }

    final class Spec implements PromptSpec {

        private final RequestOptions.Builder options = RequestOptions.builder();
        private String question;
        private Integer structuredOutputRetries;
        private StepHook hook = StepHook.NONE;
        private Integer rounds;
        private Integer segmentTokens;
        private Integer summaryTokens;
        private Integer carryTokens;
        private Boolean summaryPerThinker;
        private String finalMarker;
        private boolean finalMarkerSet;

        @Override
        public PromptSpec rounds(int maxRounds) {
            this.rounds = maxRounds;
            return this;
        }

        @Override
        public PromptSpec segmentTokens(int tokens) {
            this.segmentTokens = tokens;
            return this;
        }

        @Override
        public PromptSpec summaryTokens(int tokens) {
            this.summaryTokens = tokens;
            return this;
        }

        @Override
        public PromptSpec carryTokens(int tokens) {
            this.carryTokens = tokens;
            return this;
        }

        @Override
        public PromptSpec summaryPerThinker(boolean on) {
            this.summaryPerThinker = on;
            return this;
        }

        @Override
        public PromptSpec finalMarker(String marker) {
            this.finalMarker = marker;
            this.finalMarkerSet = true;
            return this;
        }

        @Override
        public RoundsResult callInRounds() {
            return sessions.callInRounds(build(null), roundOptions(), null, segmentHooks(), surface);
        }

        @Override
        public Flux<RoundEvent> streamInRounds() {
            return sessions.streamInRounds(build(null), roundOptions(), segmentHooks(), surface);
        }

        /** The step hook sees every round's thinkers (not the summaries). */
        private RoundSession.Hooks segmentHooks() {
            StepHook h = hook;
            return new RoundSession.Hooks() {
                @Override
                public StepHook segment(int round) {
                    return h;
                }
            };
        }

        /** The round options set on this spec, over {@code groupthink.rounds.*}. */
        private RoundOptions roundOptions() {
            RoundOptions d = sessions.defaults().rounds();
            return new RoundOptions(or(rounds, d.rounds()), or(segmentTokens, d.segmentTokens()),
                    or(summaryTokens, d.summaryTokens()), or(carryTokens, d.carryTokens()),
                    summaryPerThinker != null ? summaryPerThinker : d.summaryPerThinker(),
                    finalMarkerSet ? finalMarker : d.finalMarker(), d.prompts());
        }

        private static int or(Integer value, int fallback) {
            return value != null ? value : fallback;
        }

        @Override
        public PromptSpec system(String text) {
            options.system(text);
            return this;
        }

        @Override
        public PromptSpec user(String question) {
            this.question = question;
            return this;
        }

        @Override
        public PromptSpec thinkers(int thinkers) {
            options.thinkers(thinkers);
            return this;
        }

        @Override
        public PromptSpec roles(String... roles) {
            return roles(Arrays.asList(roles));
        }

        @Override
        public PromptSpec roles(List<String> roles) {
            options.roles(roles);
            return this;
        }

        @Override
        public PromptSpec maxTokensPerThinker(int tokens) {
            options.maxTokens(tokens);
            return this;
        }

        @Override
        public PromptSpec minTokensPerThinker(int tokens) {
            options.minTokens(tokens);
            return this;
        }

        @Override
        public PromptSpec mode(Mode mode) {
            options.mode(mode);
            return this;
        }

        @Override
        public PromptSpec layout(Layout layout) {
            options.layout(layout);
            return this;
        }

        @Override
        public PromptSpec synthesize(boolean synthesize) {
            options.synthesize(synthesize);
            return this;
        }

        @Override
        public PromptSpec synthesisTokens(int tokens) {
            options.synthesisTokens(tokens);
            return this;
        }

        @Override
        public PromptSpec sampling(SamplingOptions sampling) {
            options.sampling(sampling);
            return this;
        }

        @Override
        public PromptSpec temperature(double temperature) {
            options.temperature(temperature);
            return this;
        }

        @Override
        public PromptSpec seed(long seed) {
            options.seed(seed);
            return this;
        }

        @Override
        public PromptSpec stop(String... stopStrings) {
            options.stop(List.of(stopStrings));
            return this;
        }

        @Override
        public PromptSpec template(PromptTemplate template) {
            options.template(template);
            return this;
        }

        @Override
        public PromptSpec othersSeeInstructions(boolean on) {
            options.othersSeeInstructions(on);
            return this;
        }

        @Override
        public PromptSpec stepHook(StepHook hook) {
            this.hook = hook == null ? StepHook.NONE : hook;
            return this;
        }

        @Override
        public PromptSpec structuredOutputRetries(int retries) {
            if (retries < 0) {
                throw new IllegalArgumentException("structuredOutputRetries must be 0 or more, got " + retries);
            }
            this.structuredOutputRetries = retries;
            return this;
        }

        @Override
        public GroupThinkRequest toRequest() {
            return build(null);
        }

        /** The request, with {@code format} (structured-output instructions) given to the final-answer lane. */
        private GroupThinkRequest build(String format) {
            if (question == null || question.isBlank()) {
                throw new IllegalArgumentException("the question is empty: call user(...) with some text");
            }
            return sessions.request(question, options.format(format).build());
        }

        @Override
        public GroupThinkResponse call() {
            GroupThinkRequest request = build(null);
            return GroupThinkResponse.from(request, sessions.call(request, hook, surface));
        }

        @Override
        public Flux<ThinkerToken> stream() {
            return streamEvents().ofType(ThinkerToken.class);
        }

        @Override
        public Flux<GroupThinkStreamEvent> streamEvents() {
            GroupThinkRequest request = build(null);
            return sessions.stream(request, hook, surface).map(event -> {
                if (event instanceof GroupThinkEvent.Token t) {
                    return new ThinkerToken(t.session(), t.thinker(), t.role(), t.step(), t.text(), t.synthesis());
                }
                return GroupThinkResponse.from(request, ((GroupThinkEvent.Completed) event).result());
            });
        }

        @Override
        public <T> T entity(Class<T> type) {
            return responseEntity(new BeanOutputConverter<>(type), type.getName()).entity();
        }

        @Override
        public <T> T entity(ParameterizedTypeReference<T> type) {
            return responseEntity(new BeanOutputConverter<>(type), type.getType().getTypeName()).entity();
        }

        @Override
        public <T> EntityResponse<T> responseEntity(Class<T> type) {
            return responseEntity(new BeanOutputConverter<>(type), type.getName());
        }

        @Override
        public <T> EntityResponse<T> responseEntity(ParameterizedTypeReference<T> type) {
            return responseEntity(new BeanOutputConverter<>(type), type.getType().getTypeName());
        }

        /**
         * Runs the session and maps its answer; when the answer does not map, runs it again (up to
         * the retry count) with a reminder before the answer, so that even a greedy run writes
         * something different. Every attempt's raw text is kept in the exception.
         */
        private <T> EntityResponse<T> responseEntity(BeanOutputConverter<T> converter, String typeName) {
            int retries = structuredOutputRetries != null ? structuredOutputRetries
                    : sessions.defaults().structuredOutputRetries();
            List<String> attempts = new ArrayList<>();
            String format = converter.getFormat();
            while (true) {
                GroupThinkResponse response;
                try {
                    GroupThinkRequest request = build(format);
                    response = GroupThinkResponse.from(request, sessions.call(request, hook, surface));
                } catch (IllegalArgumentException refused) {
                    if (attempts.isEmpty()) {
                        throw refused;
                    }
                    // The reminder made the retry too long for the model: report the answers we have.
                    StructuredOutputException e = new StructuredOutputException(typeName, attempts,
                            new IllegalStateException("the last answer did not map, and a retry was refused: "
                                    + refused.getMessage(), refused));
                    throw e;
                }
                attempts.add(response.finalAnswer());
                try {
                    return new EntityResponse<>(response, convert(converter, typeName, response.finalAnswer()));
                } catch (StructuredOutputException e) {
                    if (attempts.size() > retries) {
                        throw new StructuredOutputException(typeName, attempts, e.getCause());
                    }
                    format = converter.getFormat() + "\nThe last answer was not valid JSON. Write the JSON only.";
                }
            }
        }
    }
}
