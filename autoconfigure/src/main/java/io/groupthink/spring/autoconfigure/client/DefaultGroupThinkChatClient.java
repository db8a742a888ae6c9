package io.groupthink.spring.autoconfigure.client;

import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.engine.groupthink.Layout;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.groupthink.PromptTemplate;
import io.groupthink.engine.groupthink.RoundOptions;
import io.groupthink.engine.groupthink.RoundsResult;
import io.groupthink.engine.groupthink.StepHook;
import io.groupthink.engine.sampling.SamplingOptions;
import io.groupthink.spring.autoconfigure.GroupThinkEvent;
import io.groupthink.spring.autoconfigure.GroupThinkSessions;
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

    /** Maps a final answer to {@code T} with Spring AI's converter; failures keep the text. */
    static <T> T convert(BeanOutputConverter<T> converter, String typeName, String answer) {
        if (answer == null) {
            throw new StructuredOutputException(typeName, null,
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

        private String question;
        private String system;
        private Integer thinkers;
        private List<String> roles;
        private Integer maxTokens;
        private Mode mode;
        private Layout layout;
        private Boolean synthesize;
        private Integer synthesisTokens;
        private SamplingOptions sampling;
        private Double temperature;
        private Long seed;
        private List<String> stop;
        private PromptTemplate template;
        private Boolean othersSeeInstructions;
        private StepHook hook = StepHook.NONE;
        private Integer rounds;
        private Integer segmentTokens;
        private Integer summaryTokens;
        private Integer carryTokens;

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
        public RoundsResult callInRounds() {
            RoundOptions d = sessions.properties().getRounds().toOptions();
            RoundOptions options = new RoundOptions(or(rounds, d.rounds()), or(segmentTokens, d.segmentTokens()),
                    or(summaryTokens, d.summaryTokens()), or(carryTokens, d.carryTokens()), d.summaryPerThinker(),
                    d.finalMarker(), d.prompts());
            return sessions.callInRounds(build(null), options, null, null);
        }

        private static int or(Integer value, int fallback) {
            return value != null ? value : fallback;
        }

        @Override
        public PromptSpec system(String text) {
            this.system = text;
            return this;
        }

        @Override
        public PromptSpec user(String question) {
            this.question = question;
            return this;
        }

        @Override
        public PromptSpec thinkers(int thinkers) {
            this.thinkers = thinkers;
            return this;
        }

        @Override
        public PromptSpec roles(String... roles) {
            return roles(Arrays.asList(roles));
        }

        @Override
        public PromptSpec roles(List<String> roles) {
            this.roles = List.copyOf(roles);
            return this;
        }

        @Override
        public PromptSpec maxTokensPerThinker(int tokens) {
            this.maxTokens = tokens;
            return this;
        }

        @Override
        public PromptSpec mode(Mode mode) {
            this.mode = mode;
            return this;
        }

        @Override
        public PromptSpec layout(Layout layout) {
            this.layout = layout;
            return this;
        }

        @Override
        public PromptSpec synthesize(boolean synthesize) {
            this.synthesize = synthesize;
            return this;
        }

        @Override
        public PromptSpec synthesisTokens(int tokens) {
            this.synthesisTokens = tokens;
            return this;
        }

        @Override
        public PromptSpec sampling(SamplingOptions sampling) {
            this.sampling = sampling;
            return this;
        }

        @Override
        public PromptSpec temperature(double temperature) {
            this.temperature = temperature;
            return this;
        }

        @Override
        public PromptSpec seed(long seed) {
            this.seed = seed;
            return this;
        }

        @Override
        public PromptSpec stop(String... stopStrings) {
            this.stop = List.of(stopStrings);
            return this;
        }

        @Override
        public PromptSpec template(PromptTemplate template) {
            this.template = template;
            return this;
        }

        @Override
        public PromptSpec othersSeeInstructions(boolean on) {
            this.othersSeeInstructions = on;
            return this;
        }

        @Override
        public PromptSpec stepHook(StepHook hook) {
            this.hook = hook == null ? StepHook.NONE : hook;
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
            GroupThinkRequest.Builder b = sessions.request(question);
            GroupThinkRequest defaults = b.build();
            PromptTemplate t = template != null ? template : defaults.template();
            if (system != null && !system.isBlank()) {
                t = new PromptTemplate(t.groupSystem() + "\n\n" + system, t.soloSystem() + "\n\n" + system, t.user(),
                        t.role(), t.header(), t.synthesis());
            }
            if (format != null) {
                // Spring AI appends the format to the user turn; here the final-answer lane writes
                // the answer, so the format goes right before it, where it matters most.
                t = t.withSynthesis(t.synthesis() + "\n" + format + "\n");
            }
            b.template(t);
            if (roles != null) {
                b.roles(roles).thinkers(roles.size());
            }
            if (thinkers != null) {
                b.thinkers(thinkers);
            }
            if (maxTokens != null) {
                b.maxTokens(maxTokens);
            }
            if (mode != null) {
                b.mode(mode);
            }
            if (layout != null) {
                b.layout(layout);
            }
            if (synthesize != null) {
                b.synthesize(synthesize);
            }
            if (format != null) {
                b.synthesize(true);
            }
            if (synthesisTokens != null) {
                b.synthesisTokens(synthesisTokens);
            }
            if (othersSeeInstructions != null) {
                b.othersSeeInstructions(othersSeeInstructions);
            }
            SamplingOptions s = sampling != null ? sampling : defaults.sampling();
            if (temperature != null || seed != null) {
                s = new SamplingOptions(temperature != null ? temperature : s.temperature(), s.topK(), s.topP(),
                        s.repetitionPenalty(), seed != null ? seed : s.seed());
            }
            b.sampling(s);
            if (stop != null) {
                b.stopStrings(stop);
            }
            return b.build();
        }

        @Override
        public GroupThinkResponse call() {
            GroupThinkRequest request = build(null);
            return GroupThinkResponse.from(request, sessions.call(request, hook, surface));
        }

        @Override
        public Flux<ThinkerToken> stream() {
            GroupThinkRequest request = build(null);
            return sessions.stream(request, hook, surface)
                    .ofType(GroupThinkEvent.Token.class)
                    .map(t -> new ThinkerToken(t.session(), t.thinker(), t.role(), t.step(), t.text(), t.synthesis()));
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

        private <T> EntityResponse<T> responseEntity(BeanOutputConverter<T> converter, String typeName) {
            GroupThinkRequest request = build(converter.getFormat());
            GroupThinkResponse response = GroupThinkResponse.from(request, sessions.call(request, hook, surface));
            return new EntityResponse<>(response, convert(converter, typeName, response.finalAnswer()));
        }
    }
}
