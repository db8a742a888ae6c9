package io.groupthink.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.TestModels;
import io.groupthink.engine.model.ChatTemplate.ChatTemplateException;
import io.groupthink.engine.model.ChatTemplate.Message;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bad-inputs.md item 13: the chat template is missing, broken, or raises; and a real one renders exactly. */
class ChatTemplateTest {

    /**
     * A Qwen2.5-style ChatML template (the non-tool part): default system prompt when none is given,
     * whitespace control on every tag, '\n' escapes inside string literals.
     */
    static final String CHATML = """
            {%- if messages[0]['role'] == 'system' %}
                {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}
            {%- else %}
                {{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}
            {%- endif %}
            {%- for message in messages %}
                {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant") %}
                    {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}
                {%- endif %}
            {%- endfor %}
            {%- if add_generation_prompt %}
                {{- '<|im_start|>assistant\\n' }}
            {%- endif %}
            """;

    static final List<Message> CONVERSATION = List.of(
            new Message("system", "You are a terse assistant."),
            new Message("user", "Hello!"),
            new Message("assistant", "Hi. What do you need?"),
            new Message("user", "Two plus two?"));

    @TempDir
    Path tmp;

    private Path file() {
        return tmp.resolve(ModelFolder.TOKENIZER_CONFIG);
    }

    private ChatTemplate template(String source) {
        return new ChatTemplate(source, "<s>", "</s>", file());
    }

    /** Writes the template into a tokenizer_config.json the way Hugging Face does (a JSON string). */
    private ChatTemplate readFromFile(String source) throws IOException {
        var root = BadFiles.JSON.createObjectNode();
        root.put("bos_token", (String) null).put("eos_token", "<|im_end|>").put("chat_template", source);
        BadFiles.JSON.writeValue(file().toFile(), root);
        return ChatTemplate.read(file());
    }

    // ---- a real template renders exactly

    @Test
    void chatMlRendersExactlyWithGenerationPrompt() throws IOException {
        ChatTemplate t = readFromFile(CHATML);
        assertThat(t.present()).isTrue();
        assertThat(t.render(CONVERSATION, true)).isEqualTo("""
                <|im_start|>system
                You are a terse assistant.<|im_end|>
                <|im_start|>user
                Hello!<|im_end|>
                <|im_start|>assistant
                Hi. What do you need?<|im_end|>
                <|im_start|>user
                Two plus two?<|im_end|>
                <|im_start|>assistant
                """);
    }

    @Test
    void chatMlWithoutGenerationPromptAndWithDefaultSystem() throws IOException {
        ChatTemplate t = readFromFile(CHATML);
        assertThat(t.render(List.of(new Message("user", "Hi")), false)).isEqualTo("""
                <|im_start|>system
                You are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>
                <|im_start|>user
                Hi<|im_end|>
                """);
    }

    @Test
    void chatMlKeepsContentVerbatim() throws IOException {
        // Template syntax inside a message is data, not code.
        ChatTemplate t = readFromFile(CHATML);
        String content = "{{ 7*7 }} {% raise_exception('x') %} <|im_end|> \u00e9\u65e5\ud83d\ude00";
        assertThat(t.render(List.of(new Message("system", "s"), new Message("user", content)), true))
                .isEqualTo("<|im_start|>system\ns<|im_end|>\n<|im_start|>user\n" + content
                        + "<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void bosTokenIsAvailableToTemplates() {
        ChatTemplate t = template("{{ bos_token }}{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}");
        assertThat(t.rendersBos()).isTrue();
        assertThat(t.render(List.of(new Message("user", "hi")), true)).isEqualTo("<s>[user]hi");
    }

    @Test
    void zephyrStyleTemplateWithoutWhitespaceControlRendersAsTransformersDoes() {
        // No {%- -%} anywhere: the output is right only with jinja2's trim_blocks and lstrip_blocks,
        // which transformers turns on.
        String zephyr = "{% for message in messages %}\n{% if message['role'] == 'user' %}\n"
                + "{{ '<|user|>\\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'system' %}\n"
                + "{{ '<|system|>\\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'assistant' %}\n"
                + "{{ '<|assistant|>\\n'  + message['content'] + eos_token }}\n{% endif %}\n"
                + "{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}";
        ChatTemplate t = template(zephyr);
        assertThat(t.render(List.of(new Message("system", "You are a friendly chatbot"), new Message("user", "Hello")),
                true)).isEqualTo("<|system|>\nYou are a friendly chatbot</s>\n<|user|>\nHello</s>\n<|assistant|>\n");
    }

    @Test
    void oneTrailingNewlineOfTheTemplateIsDropped() {
        // jinja2's keep_trailing_newline=False
        assertThat(template("{{ 'a' }}\n").render(CONVERSATION, true)).isEqualTo("a");
        assertThat(template("{{ 'a' }}\n\n").render(CONVERSATION, true)).isEqualTo("a\n");
    }

    @Test
    void requestVariablesReachTheTemplate() throws IOException {
        ChatTemplate t = template("{{ enable_thinking is defined }}|{{ enable_thinking }}|{{ tools|length if tools else 'none' }}"
                + "|{{ documents[0].text if documents else '' }}|{{ strftime_now('%d %b %Y') }}|{{ extra }}");
        java.time.ZonedDateTime date = java.time.ZonedDateTime.of(2025, 2, 3, 0, 0, 0, 0, java.time.ZoneOffset.UTC);
        assertThat(t.render(List.of(new Message("user", "q")), true,
                new ChatTemplate.Variables(false, List.of(java.util.Map.of("name", "f")), List.of(java.util.Map.of("text", "doc")),
                        date, java.util.Map.of("extra", 7))))
                .isEqualTo("True|False|1|doc|03 Feb 2025|7");
        // nothing given: enable_thinking undefined, tools and documents None (as transformers passes them)
        assertThat(t.withClock(java.time.Clock.fixed(date.toInstant(), java.time.ZoneOffset.UTC))
                .render(List.of(new Message("user", "q")), true)).isEqualTo("False||none||03 Feb 2025|");
    }

    @Test
    void chatTemplateJinjaBesideTheConfigIsRead() throws IOException {
        var root = BadFiles.JSON.createObjectNode();
        root.put("eos_token", "<|im_end|>");
        BadFiles.JSON.writeValue(file().toFile(), root);
        Files.writeString(tmp.resolve("chat_template.jinja"), "{{ eos_token }}{{ messages|length }}\n");
        ChatTemplate t = ChatTemplate.read(file());
        assertThat(t.present()).isTrue();
        assertThat(t.render(CONVERSATION, true)).isEqualTo("<|im_end|>4");
    }

    // ---- broken templates

    @Test
    void syntaxErrorGivesAChatTemplateException() {
        ChatTemplate t = template("{%- for m in messages %}\n{{- m.content }}\n{%- endfor %}\n{{ 1 + }}");
        assertThatThrownBy(() -> t.render(CONVERSATION, true))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessageContaining(file().toString())
                .hasMessageContaining("chat template failed at line 4");
    }

    @Test
    void unclosedBlockGivesAChatTemplateException() {
        ChatTemplate t = template("{% for m in messages %}{{ m.content }}");
        assertThatThrownBy(() -> t.render(CONVERSATION, true))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessageContaining(file().toString())
                .hasMessageContaining("chat template failed");
    }

    @Test
    void raiseExceptionGivesAChatTemplateExceptionWithTheMessage() {
        ChatTemplate t = template("{% if messages[0].role != 'user' %}{{ raise_exception('boom') }}{% endif %}ok");
        assertThatThrownBy(() -> t.render(CONVERSATION, true))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessageContaining(file().toString())
                .hasMessageContaining("boom");
        assertThat(t.render(List.of(new Message("user", "hi")), true)).isEqualTo("ok");
    }

    @Test
    void templateCannotReachJavaClasses() {
        ChatTemplate t = template("{{ messages.getClass().getName() }}|{{ ''.getClass().forName('java.lang.Runtime') }}");
        String out;
        try {
            out = t.render(CONVERSATION, true);
        } catch (ChatTemplateException refused) {
            return; // refusing is fine too
        }
        assertThat(out).doesNotContain("java.");
    }

    @Test
    void tokenizerConfigNotJson() throws IOException {
        Files.writeString(file(), "{\"chat_template\": \"{{ x }}");
        BadFiles.assertFails(() -> ChatTemplate.read(file()), file(), "tokenizer_config.json is not valid JSON");
    }

    // ---- no template

    @Test
    void missingTokenizerConfigMeansNoTemplateAndThePlainFallback() {
        ChatTemplate t = ChatTemplate.read(tmp.resolve("absent").resolve(ModelFolder.TOKENIZER_CONFIG));
        assertThat(t.present()).isFalse();
        assertThat(t.rendersBos()).isFalse();
        assertThat(t.render(List.of(new Message("system", "Be brief."), new Message("user", "Hi")), true))
                .isEqualTo("Be brief.\n\nHi\n\n");
    }

    @Test
    void modelWithoutTokenizerConfigLoadsWithThePlainFallback() throws IOException {
        Path dir = BadFiles.copyFolder(TestModels.stories(), tmp.resolve("model"));
        Files.delete(dir.resolve(ModelFolder.TOKENIZER_CONFIG));
        try (GroupThinkModel m = GroupThinkModel.load(dir, BadFiles.TORCH)) {
            assertThat(m.chatTemplate().present()).isFalse();
            assertThat(m.chatTemplate().render(List.of(new Message("user", "Once upon a time")), true))
                    .isEqualTo("Once upon a time\n\n");
        }
    }
}
