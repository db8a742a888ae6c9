package io.groupthink.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.groupthink.engine.template.JinjaTemplate;
import io.groupthink.engine.template.TemplateException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The model's chat template from {@code tokenizer_config.json} (or GGUF metadata), rendered as Hugging Face
 * transformers' {@code apply_chat_template} renders it: by {@link JinjaTemplate}, an interpreter with jinja2's
 * semantics in transformers' sandboxed configuration. A hostile template can at worst fail, within a time and
 * output bound. Models without a template get a plain rendering of the message texts.
 */
public final class ChatTemplate {

    /** One chat message. */
    public record Message(String role, String content) {}

    /**
     * What a request adds to a rendering: {@code enable_thinking} (null: the template's default), tools and
     * documents (lists of JSON-like maps, or null), the time {@code strftime_now} formats (null: now), and any
     * other template variables.
     */
    public record Variables(Boolean enableThinking, List<?> tools, List<?> documents, ZonedDateTime now,
            Map<String, ?> extra) {
        public static final Variables NONE = new Variables(null, null, null, null, Map.of());

        public Variables {
            extra = extra == null ? Map.of() : Map.copyOf(extra);
        }

        public Variables withEnableThinking(Boolean on) {
            return new Variables(on, tools, documents, now, extra);
        }
    }

    private final String source; // null when the model ships no template
    private final Map<String, String> specialTokens;
    private final Path file;
    private volatile Object compiled; // JinjaTemplate, or the TemplateException from compiling it
    private Clock clock = Clock.systemUTC();

    public ChatTemplate(String source, String bosToken, String eosToken, Path file) {
        this(source, tokens(bosToken, eosToken), file);
    }

    /** @param specialTokens bos_token, eos_token, pad_token, ... as the template sees them */
    public ChatTemplate(String source, Map<String, String> specialTokens, Path file) {
        this.source = source;
        this.specialTokens = Map.copyOf(specialTokens);
        this.file = file;
    }

    private static Map<String, String> tokens(String bos, String eos) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("bos_token", bos == null ? "" : bos);
        m.put("eos_token", eos == null ? "" : eos);
        return m;
    }

    /** Reads {@code tokenizer_config.json} if present; a missing file means no template. */
    public static ChatTemplate read(Path file) {
        if (!Files.isRegularFile(file)) {
            return new ChatTemplate(null, Map.of(), file);
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
        if (source == null) { // newer checkpoints keep the template in a file of its own
            Path jinja = file.resolveSibling("chat_template.jinja");
            if (Files.isRegularFile(jinja)) {
                try {
                    source = Files.readString(jinja);
                } catch (IOException e) {
                    throw new ModelLoadException(jinja, "cannot read chat_template.jinja: " + e.getMessage(), e);
                }
            }
        }
        // Like transformers' special_tokens_map: only the tokens the config sets are defined for the template.
        Map<String, String> tokens = new LinkedHashMap<>();
        for (String name : List.of("bos_token", "eos_token", "unk_token", "pad_token", "sep_token", "cls_token",
                "mask_token")) {
            String text = tokenText(root.get(name));
            if (text != null) {
                tokens.put(name, text);
            }
        }
        return new ChatTemplate(source, tokens, file);
    }

    /** A special token as tokenizer_config.json gives it: a string or an AddedToken object; null when unset. */
    static String tokenText(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        return n.isObject() ? n.path("content").asText() : n.asText();
    }

    /** The clock {@code strftime_now} reads when a request gives no time (tests pin it). */
    public ChatTemplate withClock(Clock c) {
        ChatTemplate copy = new ChatTemplate(source, specialTokens, file);
        copy.clock = c;
        return copy;
    }

    public boolean present() {
        return source != null;
    }

    public String source() {
        return source;
    }

    /** Whether the rendered text already holds the BOS token, so encoding must not add another. */
    public boolean rendersBos() {
        String bos = specialTokens.getOrDefault("bos_token", "");
        return present() && !bos.isEmpty() && source.contains("bos_token");
    }

    /**
     * Renders messages, ending with the assistant's turn opened when {@code addGenerationPrompt}.
     *
     * @throws ChatTemplateException when the template fails; the message says where
     */
    public String render(List<Message> messages, boolean addGenerationPrompt) {
        return render(messages, addGenerationPrompt, Variables.NONE);
    }

    public String render(List<Message> messages, boolean addGenerationPrompt, Variables variables) {
        List<Map<String, Object>> maps = new ArrayList<>(messages.size());
        for (Message m : messages) {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("role", m.role());
            map.put("content", m.content());
            maps.add(map);
        }
        return renderMessages(maps, addGenerationPrompt, variables);
    }

    /**
     * Renders messages given as maps, as transformers takes them: {@code role}, {@code content}, and where the
     * template reads them {@code tool_calls}, {@code reasoning_content}, {@code tool_call_id}, ...
     */
    public String renderMessages(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt,
            Variables variables) {
        if (!present()) {
            StringBuilder sb = new StringBuilder();
            for (Map<String, ?> m : messages) {
                sb.append(m.get("content")).append("\n\n");
            }
            return sb.toString();
        }
        return render(messages, addGenerationPrompt, variables, JinjaTemplate.Limits.DEFAULT);
    }

    /** With explicit limits: for tests of the bounds and the mutation check. */
    public String render(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt, Variables variables,
            JinjaTemplate.Limits limits) {
        Map<String, Object> context = new LinkedHashMap<>(specialTokens);
        context.putAll(variables.extra());
        context.put("messages", messages);
        context.put("tools", variables.tools());
        context.put("documents", variables.documents());
        context.put("add_generation_prompt", addGenerationPrompt);
        if (variables.enableThinking() != null) {
            context.put("enable_thinking", variables.enableThinking());
        }
        ZonedDateTime now = variables.now() != null ? variables.now() : ZonedDateTime.now(clock);
        try {
            return compiled().render(context, now, limits);
        } catch (TemplateException e) {
            throw failure(e);
        } catch (IllegalArgumentException e) {
            throw new ChatTemplateException(file + ": chat template variables: " + e.getMessage(), e);
        }
    }

    private JinjaTemplate compiled() {
        Object c = compiled;
        if (c == null) {
            try {
                c = JinjaTemplate.compile(source);
            } catch (TemplateException e) {
                c = e;
            }
            compiled = c;
        }
        if (c instanceof TemplateException e) {
            throw e;
        }
        return (JinjaTemplate) c;
    }

    private ChatTemplateException failure(TemplateException e) {
        String where = e.line() > 0 ? " (template line " + e.line() + ")" : "";
        if (e.raisedByTemplate()) {
            return new ChatTemplateException(file + ": chat template raised: " + e.getMessage() + where, e);
        }
        return new ChatTemplateException(file + ": chat template failed at line " + e.line() + ": " + e.getMessage(), e);
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
