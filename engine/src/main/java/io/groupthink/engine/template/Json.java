package io.groupthink.engine.template;

import java.util.List;
import java.util.Map;

/**
 * transformers' {@code tojson}: Python's {@code json.dumps(x, ensure_ascii=False, indent=..., sort_keys=...)} with
 * its default separators, {@code ", "} and {@code ": "} (or {@code ","} at line ends when indenting).
 */
final class Json {

    private Json() {}

    static String dumps(Object v, Integer indent, boolean sortKeys, String itemSep, String keySep) {
        StringBuilder sb = new StringBuilder();
        String item = itemSep != null ? itemSep : indent == null ? ", " : ",";
        String key = keySep != null ? keySep : ": ";
        write(sb, v, indent, 0, sortKeys, item, key);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v, Integer indent, int depth, boolean sort, String item,
            String key) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof Boolean b) {
            sb.append(b ? "true" : "false");
        } else if (v instanceof Long l) {
            sb.append(l);
        } else if (v instanceof Double d) {
            sb.append(Double.isNaN(d) ? "NaN" : Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity")
                    : Py.floatRepr(d));
        } else if (v instanceof String s) {
            string(sb, s);
        } else if (v instanceof List<?> l) {
            if (l.isEmpty()) {
                sb.append("[]");
                return;
            }
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) {
                    sb.append(item);
                }
                newline(sb, indent, depth + 1);
                write(sb, l.get(i), indent, depth + 1, sort, item, key);
            }
            newline(sb, indent, depth);
            sb.append(']');
        } else if (v instanceof Map<?, ?> m) {
            if (m.isEmpty()) {
                sb.append("{}");
                return;
            }
            sb.append('{');
            var entries = new java.util.ArrayList<Map.Entry<?, ?>>(m.entrySet());
            if (sort) {
                entries.sort((a, b) -> Py.compare(a.getKey(), b.getKey(), "<"));
            }
            boolean first = true;
            for (var e : entries) {
                if (!first) {
                    sb.append(item);
                }
                first = false;
                newline(sb, indent, depth + 1);
                Object k = e.getKey();
                string(sb, k instanceof String s ? s : k instanceof Boolean b ? (b ? "true" : "false")
                        : k == null ? "null" : Py.str(k));
                sb.append(key);
                write(sb, e.getValue(), indent, depth + 1, sort, item, key);
            }
            newline(sb, indent, depth);
            sb.append('}');
        } else if (v instanceof Py.Undefined u) {
            throw new TemplateException(0, "Object of type Undefined is not JSON serializable");
        } else {
            throw new TemplateException(0, "Object of type " + Py.typeName(v) + " is not JSON serializable");
        }
    }

    private static void newline(StringBuilder sb, Integer indent, int depth) {
        if (indent != null) {
            sb.append('\n').append(" ".repeat(indent * depth));
        }
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
