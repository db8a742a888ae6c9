package io.groupthink.server.openai;

import io.groupthink.engine.groupthink.Layout;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.model.ChatTemplate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * A {@code /v1/chat/completions} body, read field by field so that every bad value gets a 400
 * naming its {@code param}. Unknown fields are ignored, as OpenAI-compatible servers do; fields
 * that would change the answer and that the engine cannot honour (tools, logprobs, penalties) are
 * refused rather than silently dropped.
 *
 * @param maxTokens   {@code max_completion_tokens} or {@code max_tokens} (per thinker), or null
 * @param groupThink  the {@code group_think} extension, or null for plain OpenAI semantics
 * @param minTokens   {@code min_tokens} (vLLM's extension): tokens each choice writes before it may stop, or null
 */
public record ChatRequest(String model, List<ChatTemplate.Message> messages, int n, Integer maxTokens,
        Double temperature, Double topP, Integer topK, Double repetitionPenalty, Long seed, List<String> stop,
        boolean stream, boolean includeUsage, ResponseFormat responseFormat, GroupThink groupThink, Integer minTokens) {

    public static final int MAX_STOP = 4;

    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");

    /**
     * @param mode      group (default), independent or cot
     * @param roles     one thinker per role; n, when given, must match
     * @param synthesize whether a final-answer lane writes after the thinkers (an extra choice)
     */
    public record GroupThink(Mode mode, Layout layout, Boolean synthesize, Integer synthesisTokens,
            List<String> roles) {}

    /** {@code response_format}: text, json_object, or json_schema with its schema as JSON text. */
    public record ResponseFormat(String type, String schema) {}

    public static ChatRequest parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiException.invalid(null, "the request body must be a JSON object");
        }
        String model = text(body, "model");
        if (model == null || model.isBlank()) {
            throw ApiException.invalid("model", "you must provide a model parameter");
        }
        refuseUnsupported(body);
        GroupThink groupThink = groupThink(body.get("group_think"));
        Integer n = integer(body, "n");
        if (groupThink != null && !groupThink.roles().isEmpty()) {
            if (n != null && n != groupThink.roles().size()) {
                throw ApiException.invalid("n", "n is " + n + " but group_think.roles names "
                        + groupThink.roles().size() + " thinkers; leave n out or make them agree");
            }
            n = groupThink.roles().size();
        }
        if (n == null) {
            n = 1;
        }
        if (n < 1) {
            throw ApiException.invalid("n", "n must be at least 1, got " + n);
        }
        Integer maxTokens = integer(body, "max_completion_tokens");
        String maxTokensParam = "max_completion_tokens";
        if (maxTokens == null) {
            maxTokens = integer(body, "max_tokens");
            maxTokensParam = "max_tokens";
        }
        if (maxTokens != null && maxTokens < 1) {
            throw ApiException.invalid(maxTokensParam, maxTokensParam + " must be at least 1, got " + maxTokens);
        }
        Integer minTokens = integer(body, "min_tokens");
        if (minTokens != null && (minTokens < 0 || (maxTokens != null && minTokens > maxTokens))) {
            throw ApiException.invalid("min_tokens", "min_tokens must be between 0 and " + (maxTokens == null
                    ? "max_tokens" : maxTokensParam + " (" + maxTokens + ")") + ", got " + minTokens);
        }
        Double temperature = number(body, "temperature");
        if (temperature != null && (temperature < 0 || temperature > 2)) {
            throw ApiException.invalid("temperature", "temperature must be between 0 and 2, got " + temperature);
        }
        Double topP = number(body, "top_p");
        if (topP != null && (topP <= 0 || topP > 1)) {
            throw ApiException.invalid("top_p", "top_p must be in (0, 1], got " + topP);
        }
        Integer topK = integer(body, "top_k");
        if (topK != null && topK < 0) {
            throw ApiException.invalid("top_k", "top_k must be at least 0, got " + topK);
        }
        Double repetitionPenalty = number(body, "repetition_penalty");
        if (repetitionPenalty != null && repetitionPenalty <= 0) {
            throw ApiException.invalid("repetition_penalty", "repetition_penalty must be above 0, got "
                    + repetitionPenalty);
        }
        JsonNode seedNode = body.get("seed");
        Long seed = null;
        if (seedNode != null && !seedNode.isNull()) {
            if (!seedNode.isIntegralNumber() || !seedNode.canConvertToLong()) {
                throw ApiException.invalid("seed", "seed must be an integer");
            }
            seed = seedNode.longValue();
        }
        boolean stream = bool(body, "stream");
        JsonNode streamOptions = body.get("stream_options");
        boolean includeUsage = false;
        if (streamOptions != null && !streamOptions.isNull()) {
            if (!streamOptions.isObject()) {
                throw ApiException.invalid("stream_options", "stream_options must be an object");
            }
            includeUsage = bool(streamOptions, "include_usage");
        }
        return new ChatRequest(model, messages(body.get("messages")), n, maxTokens, temperature, topP, topK,
                repetitionPenalty, seed, stop(body.get("stop")), stream, includeUsage,
                responseFormat(body.get("response_format")), groupThink, minTokens);
    }

    /** Whether this runs as one plain chat lane over the conversation (OpenAI's own n = 1). */
    public boolean plain() {
        return n == 1 && (groupThink == null || groupThink.mode() == null || groupThink.mode() == Mode.COT)
                && (groupThink == null || !Boolean.TRUE.equals(groupThink.synthesize()));
    }

    private static void refuseUnsupported(JsonNode body) {
        for (String field : List.of("tools", "functions")) {
            JsonNode f = body.get(field);
            if (f != null && !f.isNull() && !(f.isArray() && f.isEmpty())) {
                throw ApiException.invalid(field, field + " are not supported by this server");
            }
        }
        if (bool(body, "logprobs")) {
            throw ApiException.invalid("logprobs", "logprobs are not supported by this server");
        }
        for (String penalty : List.of("presence_penalty", "frequency_penalty")) {
            Double p = number(body, penalty);
            if (p != null && p != 0) {
                throw ApiException.invalid(penalty, penalty + " is not supported; use repetition_penalty");
            }
        }
        JsonNode bias = body.get("logit_bias");
        if (bias != null && !bias.isNull() && !bias.isEmpty()) {
            throw ApiException.invalid("logit_bias", "logit_bias is not supported by this server");
        }
    }

    private static List<ChatTemplate.Message> messages(JsonNode node) {
        if (node == null || node.isNull()) {
            throw ApiException.invalid("messages", "you must provide a messages parameter");
        }
        if (!node.isArray() || node.isEmpty()) {
            throw ApiException.invalid("messages", "messages must be a non-empty array");
        }
        List<ChatTemplate.Message> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode m = node.get(i);
            String param = "messages[" + i + "]";
            if (!m.isObject()) {
                throw ApiException.invalid(param, param + " must be an object");
            }
            String role = text(m, "role");
            if (role == null || !ROLES.contains(role)) {
                throw ApiException.invalid(param + ".role", param + ".role must be one of " + ROLES + ", got "
                        + role);
            }
            out.add(new ChatTemplate.Message("developer".equals(role) ? "system" : role,
                    content(m.get("content"), param + ".content")));
        }
        if (out.stream().noneMatch(m -> "user".equals(m.role()))) {
            throw ApiException.invalid("messages", "messages must hold at least one user message");
        }
        return List.copyOf(out);
    }

    /** A string, or an array of {@code {"type": "text", "text": ...}} parts joined. */
    private static String content(JsonNode c, String param) {
        if (c == null || c.isNull()) {
            return "";
        }
        if (c.isString()) {
            return c.stringValue();
        }
        if (!c.isArray()) {
            throw ApiException.invalid(param, param + " must be a string or an array of text parts");
        }
        StringBuilder sb = new StringBuilder();
        for (JsonNode part : c) {
            if (!"text".equals(text(part, "type"))) {
                throw ApiException.invalid(param, param + " holds a part of type " + text(part, "type")
                        + "; only text parts are supported");
            }
            sb.append(text(part, "text"));
        }
        return sb.toString();
    }

    private static List<String> stop(JsonNode node) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (node.isString()) {
            return List.of(node.stringValue());
        }
        if (!node.isArray() || node.size() > MAX_STOP) {
            throw ApiException.invalid("stop", "stop must be a string or an array of at most " + MAX_STOP
                    + " strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode s : node) {
            if (!s.isString() || s.stringValue().isEmpty()) {
                throw ApiException.invalid("stop", "stop must hold non-empty strings");
            }
            out.add(s.stringValue());
        }
        return List.copyOf(out);
    }

    private static ResponseFormat responseFormat(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        String type = text(node, "type");
        if ("text".equals(type) || "json_object".equals(type)) {
            return new ResponseFormat(type, null);
        }
        if ("json_schema".equals(type)) {
            JsonNode schema = node.path("json_schema").get("schema");
            if (schema == null || !schema.isObject()) {
                throw ApiException.invalid("response_format.json_schema.schema",
                        "response_format of type json_schema needs json_schema.schema, an object");
            }
            return new ResponseFormat(type, schema.toString());
        }
        throw ApiException.invalid("response_format.type",
                "response_format.type must be text, json_object or json_schema, got " + type);
    }

    private static GroupThink groupThink(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw ApiException.invalid("group_think", "group_think must be an object");
        }
        String modeText = text(node, "mode");
        Mode mode = null;
        if (modeText != null) {
            mode = switch (modeText.toLowerCase(Locale.ROOT)) {
                case "group", "group_think" -> Mode.GROUP_THINK;
                case "independent" -> Mode.INDEPENDENT;
                case "cot" -> Mode.COT;
                default -> throw ApiException.invalid("group_think.mode",
                        "group_think.mode must be group, independent or cot, got " + modeText);
            };
        }
        String layoutText = text(node, "layout");
        Layout layout = null;
        if (layoutText != null) {
            layout = switch (layoutText.toLowerCase(Locale.ROOT)) {
                case "slotted" -> Layout.SLOTTED;
                case "interleaved" -> Layout.INTERLEAVED;
                default -> throw ApiException.invalid("group_think.layout",
                        "group_think.layout must be slotted or interleaved, got " + layoutText);
            };
        }
        JsonNode synth = node.get("synthesize");
        if (synth != null && !synth.isNull() && !synth.isBoolean()) {
            throw ApiException.invalid("group_think.synthesize", "group_think.synthesize must be true or false");
        }
        Integer synthesisTokens = integer(node, "synthesis_tokens", "group_think.synthesis_tokens");
        if (synthesisTokens != null && synthesisTokens < 1) {
            throw ApiException.invalid("group_think.synthesis_tokens",
                    "group_think.synthesis_tokens must be at least 1, got " + synthesisTokens);
        }
        List<String> roles = new ArrayList<>();
        JsonNode r = node.get("roles");
        if (r != null && !r.isNull()) {
            if (!r.isArray()) {
                throw ApiException.invalid("group_think.roles", "group_think.roles must be an array of strings");
            }
            for (JsonNode role : r) {
                if (!role.isString() || role.stringValue().isBlank()) {
                    throw ApiException.invalid("group_think.roles", "group_think.roles must hold non-blank strings");
                }
                roles.add(role.stringValue());
            }
        }
        return new GroupThink(mode, layout, synth == null || synth.isNull() ? null : synth.booleanValue(),
                synthesisTokens, List.copyOf(roles));
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isString()) {
            throw ApiException.invalid(field, field + " must be a string");
        }
        return v.stringValue();
    }

    private static Integer integer(JsonNode node, String field) {
        return integer(node, field, field);
    }

    private static Integer integer(JsonNode node, String field, String param) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw ApiException.invalid(param, param + " must be an integer, got " + v);
        }
        return v.intValue();
    }

    private static Double number(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber()) {
            throw ApiException.invalid(field, field + " must be a number, got " + v);
        }
        return v.doubleValue();
    }

    private static boolean bool(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw ApiException.invalid(field, field + " must be true or false");
        }
        return v.booleanValue();
    }
}
