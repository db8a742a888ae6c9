package io.groupthink.engine.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.groupthink.engine.model.ChatTemplate;
import io.groupthink.engine.model.ChatTemplate.ChatTemplateException;
import io.groupthink.engine.model.ChatTemplate.Variables;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every real template of the corpus (src/test/resources/chat-templates) on every conversation renders byte for
 * byte what Python's jinja2, configured as transformers configures it, rendered (the expected files, made by
 * src/test/python/render_chat_templates.py); where Python failed, this fails too, with the template's own message
 * when the template raised.
 */
class ChatTemplateCorpusTest {

    /** The time the generator pins for strftime_now. */
    static final ZonedDateTime NOW = ZonedDateTime.of(2026, 12, 2, 8, 30, 0, 0, ZoneOffset.UTC);
    static final ObjectMapper JSON = new ObjectMapper();

    record Case(String family, String conversation, ChatTemplate template, List<Map<String, Object>> messages,
            boolean addGenerationPrompt, Variables variables, Path expected) {

        String render(JinjaTemplate.Limits limits) {
            return template.render(messages, addGenerationPrompt, variables, limits);
        }
    }

    static Path corpus() {
        try {
            return Path.of(ChatTemplateCorpusTest.class.getResource("/chat-templates").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static List<Case> cases() throws IOException {
        Path root = corpus();
        JsonNode families = JSON.readTree(root.resolve("families.json").toFile());
        JsonNode conversations = JSON.readTree(root.resolve("conversations.json").toFile());
        List<Case> out = new ArrayList<>();
        for (Iterator<String> it = families.fieldNames(); it.hasNext(); ) {
            String family = it.next();
            JsonNode spec = families.get(family);
            String source = Files.readString(root.resolve("templates").resolve(spec.get("template").asText()));
            Map<String, String> tokens = JSON.convertValue(spec.get("tokens"), LinkedHashMap.class);
            ChatTemplate template = new ChatTemplate(source, tokens, root.resolve("templates").resolve(family));
            for (JsonNode conv : conversations) {
                String name = conv.get("name").asText();
                Map<String, Object> vars = conv.has("variables")
                        ? JSON.convertValue(conv.get("variables"), LinkedHashMap.class) : new LinkedHashMap<>();
                Boolean thinking = (Boolean) vars.remove("enable_thinking");
                Variables variables = new Variables(thinking,
                        conv.has("tools") ? JSON.convertValue(conv.get("tools"), List.class) : null,
                        conv.has("documents") ? JSON.convertValue(conv.get("documents"), List.class) : null, NOW, vars);
                List<Map<String, Object>> messages = JSON.convertValue(conv.get("messages"), List.class);
                Path expected = root.resolve("expected").resolve(family).resolve(name + ".txt");
                if (!Files.exists(expected)) {
                    expected = root.resolve("expected").resolve(family).resolve(name + ".error");
                }
                out.add(new Case(family, name, template, messages, conv.get("add_generation_prompt").asBoolean(),
                        variables, expected));
            }
        }
        return out;
    }

    /** Whether rendering matches the expected file (text, or the same kind of failure). */
    static boolean matches(Case c, JinjaTemplate.Limits limits) throws IOException {
        String expected = Files.readString(c.expected(), StandardCharsets.UTF_8);
        try {
            String actual = c.render(limits);
            return c.expected().toString().endsWith(".txt") && actual.equals(expected);
        } catch (ChatTemplateException e) {
            if (!c.expected().toString().endsWith(".error")) {
                return false;
            }
            TemplateException cause = (TemplateException) e.getCause();
            return expected.startsWith("raised: ") ? cause.raisedByTemplate()
                    && cause.getMessage().equals(expected.substring("raised: ".length()))
                    : !cause.raisedByTemplate();
        }
    }

    @TestFactory
    Stream<DynamicTest> everyTemplateOnEveryConversationMatchesJinja2() throws IOException {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.family() + " / " + c.conversation(), () -> {
            String expected = Files.readString(c.expected(), StandardCharsets.UTF_8);
            if (c.expected().toString().endsWith(".txt")) {
                assertThat(c.render(JinjaTemplate.Limits.DEFAULT)).isEqualTo(expected);
            } else if (expected.startsWith("raised: ")) {
                assertThatThrownBy(() -> c.render(JinjaTemplate.Limits.DEFAULT))
                        .isInstanceOf(ChatTemplateException.class)
                        .hasMessageContaining("chat template raised: " + expected.substring("raised: ".length()));
            } else {
                assertThatThrownBy(() -> c.render(JinjaTemplate.Limits.DEFAULT))
                        .isInstanceOf(ChatTemplateException.class)
                        .hasMessageContaining("chat template failed at line");
            }
        }));
    }

    @Test
    void corpusCoversTenFamiliesAndSixConversations() throws IOException {
        List<Case> all = cases();
        assertThat(all.stream().map(Case::family).distinct().count()).isGreaterThanOrEqualTo(10);
        assertThat(all.stream().map(Case::conversation).distinct().count()).isGreaterThanOrEqualTo(6);
        // most cases render text: error files are the exception (Gemma refuses system turns, Hermes needs tools)
        assertThat(all.stream().filter(c -> c.expected().toString().endsWith(".txt")).count())
                .isGreaterThan(all.size() * 3 / 4);
    }

    /**
     * The mutation check: removing any one of the Python string methods the templates use makes at least one
     * corpus case differ, so the corpus really tests them.
     */
    @Test
    void removingAPythonStringMethodBreaksTheCorpus() throws IOException {
        List<Case> all = cases();
        for (String method : List.of("startswith", "endswith", "strip", "lstrip", "rstrip", "split")) {
            JinjaTemplate.Limits without = JinjaTemplate.Limits.DEFAULT.without(Set.of(method));
            long broken = 0;
            for (Case c : all) {
                if (!matches(c, without)) {
                    broken++;
                }
            }
            assertThat(broken).as("cases broken without str.%s", method).isGreaterThan(0);
        }
        for (Case c : all) {
            assertThat(matches(c, JinjaTemplate.Limits.DEFAULT)).as(c.family() + "/" + c.conversation()).isTrue();
        }
    }
}
