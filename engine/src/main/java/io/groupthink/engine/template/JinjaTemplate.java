package io.groupthink.engine.template;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A small interpreter of the Jinja subset that chat templates use, with the semantics of Python's jinja2 as
 * Hugging Face transformers configures it (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, loop
 * controls, the {@code generation} tag, {@code tojson} as json.dumps, {@code raise_exception}, {@code strftime_now}).
 *
 * <p>Templates see only plain values (strings, numbers, lists, maps): no Java object is reachable, so template
 * text can do nothing but compute a string. Parsing happens once; {@link #render} may run concurrently.
 */
public final class JinjaTemplate {

    /**
     * Bounds on one rendering: wall time, output size, macro call depth. {@code withoutMethods} removes Python
     * methods by name (for the corpus mutation check).
     */
    public record Limits(Duration timeout, int maxOutputChars, int maxCallDepth, Set<String> withoutMethods) {
        public static final Limits DEFAULT = new Limits(Duration.ofSeconds(2), 4 << 20, 64, Set.of());

        public Limits {
            withoutMethods = Set.copyOf(withoutMethods);
        }

        public Limits without(Set<String> methods) {
            return new Limits(timeout, maxOutputChars, maxCallDepth, methods);
        }
    }

    private final List<Node> body;

    private JinjaTemplate(List<Node> body) {
        this.body = body;
    }

    /** @throws TemplateException on a syntax error, with its line */
    public static JinjaTemplate compile(String source) {
        return new JinjaTemplate(Parser.parse(source));
    }

    /**
     * Renders with the given variables (plain Java values or Jackson trees) and, when {@code now} is given,
     * {@code strftime_now} formatting that instant.
     *
     * @throws TemplateException when the template fails, raises, or exceeds a limit
     */
    public String render(Map<String, ?> variables, ZonedDateTime now, Limits limits) {
        Map<String, Object> globals = new LinkedHashMap<>();
        if (now != null) {
            globals.put("strftime_now", (Py.Callable) (a, k) -> Strftime.format(Py.str(a.isEmpty() ? "" : a.get(0)), now));
        }
        variables.forEach((k, v) -> globals.put(k, value(v, k)));
        return new Interpreter(globals, limits).render(body);
    }

    /** Converts a Java value to a template value; anything but plain data is refused. */
    static Object value(Object v, String where) {
        if (v == null || v instanceof String || v instanceof Boolean || v instanceof Long || v instanceof Double) {
            return v;
        }
        if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        if (v instanceof Float f) {
            return f.doubleValue();
        }
        if (v instanceof CharSequence s) {
            return s.toString();
        }
        if (v instanceof Map<?, ?> m) {
            Map<Object, Object> out = new LinkedHashMap<>();
            m.forEach((k, x) -> out.put(value(k, where), value(x, where)));
            return out;
        }
        if (v instanceof Collection<?> c) {
            List<Object> out = new ArrayList<>(c.size());
            for (Object x : c) {
                out.add(value(x, where));
            }
            return out;
        }
        if (v instanceof JsonNode n) {
            return json(n);
        }
        throw new IllegalArgumentException("template variable '" + where + "' holds a " + v.getClass().getSimpleName()
                + "; only strings, numbers, booleans, lists, maps and JSON trees reach a template");
    }

    private static Object json(JsonNode n) {
        if (n.isObject()) {
            Map<Object, Object> out = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                var e = it.next();
                out.put(e.getKey(), json(e.getValue()));
            }
            return out;
        }
        if (n.isArray()) {
            List<Object> out = new ArrayList<>(n.size());
            n.forEach(x -> out.add(json(x)));
            return out;
        }
        if (n.isTextual()) {
            return n.asText();
        }
        if (n.isBoolean()) {
            return n.asBoolean();
        }
        if (n.isIntegralNumber()) {
            return n.asLong();
        }
        if (n.isNumber()) {
            return n.asDouble();
        }
        return null;
    }
}
