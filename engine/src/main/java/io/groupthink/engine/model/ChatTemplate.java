package io.groupthink.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The model's chat template from {@code tokenizer_config.json}, rendered with Jinjava.
 *
 * <p>Jinjava interprets the template; it cannot run arbitrary code, so a hostile template can at
 * worst fail to render. Models without a template get a plain "role: content" rendering.
 */
public final class ChatTemplate {

    /** One chat message. */
    public record Message(String role, String content) {}

    private final String source; // null when the model ships no template
    private final String bosToken;
    private final String eosToken;
    private final Path file;

    public ChatTemplate(String source, String bosToken, String eosToken, Path file) {
        this.source = source;
        this.bosToken = bosToken == null ? "" : bosToken;
        this.eosToken = eosToken == null ? "" : eosToken;
        this.file = file;
    }

    /** Reads {@code tokenizer_config.json} if present; a missing file means no template. */
    public static ChatTemplate read(Path file) {
        if (!Files.isRegularFile(file)) {
            return new ChatTemplate(null, null, null, file);
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new ModelLoadException(file, "tokenizer_config.json is not valid JSON: " + e.getMessage(), e);
        }
        JsonNode t = root.get("chat_template");
        String source = null;
        if (t != null && t.isTextual()) {
            source = t.asText();
        } else if (t != null && t.isArray()) { // a list of named templates: take "default"
            for (JsonNode named : t) {
                if ("default".equals(named.path("name").asText())) {
                    source = named.path("template").asText();
                }
            }
        }
        return new ChatTemplate(source, tokenText(root.get("bos_token")), tokenText(root.get("eos_token")), file);
    }

    private static String tokenText(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        return n.isObject() ? n.path("content").asText() : n.asText();
    }

    public boolean present() {
        return source != null;
    }

    /** Whether the rendered text already holds the BOS token, so encoding must not add another. */
    public boolean rendersBos() {
        return present() && !bosToken.isEmpty() && source.contains("bos_token");
    }

    /**
     * Renders messages, ending with the assistant's turn opened when {@code addGenerationPrompt}.
     *
     * @throws ChatTemplateException when the template fails; the message says where
     */
    public String render(List<Message> messages, boolean addGenerationPrompt) {
        if (!present()) {
            StringBuilder sb = new StringBuilder();
            for (Message m : messages) {
                sb.append(m.content()).append("\n\n");
            }
            return sb.toString();
        }
        // Whitespace as transformers' jinja2 environment has it: trim_blocks, lstrip_blocks, {{- -}} honoured,
        // one trailing newline dropped (keep_trailing_newline=False). Nested interpretation off: text
        // in a message that looks like template code is data, never rendered.
        Jinjava jinjava = new Jinjava(JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true)
                .withNestedInterpretationEnabled(false)
                .withLegacyOverrides(LegacyOverrides.newBuilder().withUseTrimmingForNotesAndExpressions(true).build())
                .build());
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
                ChatTemplate.class, "raiseException", String.class));
        Map<String, Object> context = new HashMap<>();
        context.put("messages", messages.stream()
                .map(m -> Map.of("role", m.role(), "content", m.content()))
                .collect(Collectors.toList()));
        context.put("add_generation_prompt", addGenerationPrompt);
        context.put("bos_token", bosToken);
        context.put("eos_token", eosToken);
        RenderResult result;
        try {
            String src = source.endsWith("\n") ? source.substring(0, source.length() - 1) : source;
            result = jinjava.renderForResult(src, context);
        } catch (RuntimeException e) {
            throw new ChatTemplateException(file + ": chat template failed: " + rootMessage(e), e);
        }
        List<TemplateError> fatal = result.getErrors().stream()
                .filter(e -> e.getSeverity() == TemplateError.ErrorType.FATAL)
                .toList();
        if (!fatal.isEmpty()) {
            TemplateError e = fatal.get(0);
            Throwable raised = e.getException(); // raise_exception('...') arrives wrapped: keep its text
            while (raised != null && !(raised instanceof ChatTemplateException) && raised.getCause() != raised) {
                raised = raised.getCause();
            }
            throw new ChatTemplateException(file + ": chat template failed at line " + e.getLineno() + ": "
                    + (raised instanceof ChatTemplateException ? raised.getMessage() : e.getMessage()));
        }
        return result.getOutput();
    }

    /** Called by templates as {@code raise_exception('...')}. */
    public static String raiseException(String message) {
        throw new ChatTemplateException("chat template raised: " + message);
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage();
    }

    /** A template that cannot be rendered. */
    public static class ChatTemplateException extends RuntimeException {
        public ChatTemplateException(String message) {
            super(message);
        }

        public ChatTemplateException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
