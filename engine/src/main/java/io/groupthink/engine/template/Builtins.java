package io.groupthink.engine.template;

import io.groupthink.engine.template.Py.Callable;
import io.groupthink.engine.template.Py.Namespace;
import io.groupthink.engine.template.Py.Undefined;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * jinja2's filters and tests, and the Python methods of str, dict and list that templates call, as far as chat
 * templates use them. Methods that mutate are absent, as in jinja2's ImmutableSandboxedEnvironment.
 */
final class Builtins {

    private Builtins() {}

    private static final Set<String> FILTERS = Set.of("length", "count", "trim", "tojson", "string", "list", "join",
            "items", "selectattr", "rejectattr", "select", "reject", "map", "first", "last", "upper", "lower", "title",
            "capitalize", "replace", "default", "d", "int", "float", "abs", "reverse", "safe", "sum", "min", "max",
            "unique", "sort", "dictsort", "round", "e", "escape", "indent", "wordcount", "batch", "center", "striptags");

    private static final Set<String> TESTS = Set.of("defined", "undefined", "none", "string", "number", "integer",
            "float", "boolean", "true", "false", "mapping", "iterable", "sequence", "callable", "equalto", "eq", "==",
            "ne", "!=", "odd", "even", "divisibleby", "in", "lower", "upper", "sameas", "gt", "lt", "ge", "le",
            "greaterthan", "lessthan", "escaped");

    static boolean hasFilter(String name) {
        return FILTERS.contains(name);
    }

    static boolean hasTest(String name) {
        return TESTS.contains(name);
    }

    private static Object arg(List<Object> args, Map<String, Object> kwargs, int i, String name, Object fallback) {
        if (i < args.size()) {
            return args.get(i);
        }
        return kwargs.containsKey(name) ? kwargs.get(name) : fallback;
    }

    private static String needString(Object v, String what) {
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof Undefined u) {
            throw u.error();
        }
        throw new TemplateException(0, what + " expects a string, got " + Py.typeName(v));
    }

    // ---- filters

    static Object filter(String name, Object v, List<Object> args, Map<String, Object> kwargs, Interpreter in) {
        switch (name) {
            case "length", "count" -> { return Py.len(v); }
            case "trim" -> {
                Object chars = arg(args, kwargs, 0, "chars", null);
                return strip(Py.str(v), chars == null ? null : needString(chars, "trim"), true, true);
            }
            case "tojson" -> {
                Object indent = arg(args, kwargs, 0, "indent", null);
                boolean sort = Py.truthy(kwargs.getOrDefault("sort_keys", false));
                Object seps = kwargs.get("separators");
                String item = null;
                String key = null;
                if (seps instanceof List<?> l && l.size() == 2) {
                    item = (String) l.get(0);
                    key = (String) l.get(1);
                }
                return Json.dumps(v, indent == null ? null : (int) Py.toLong(indent), sort, item, key);
            }
            case "string" -> { return Py.str(v); }
            case "list" -> { return Py.iterate(v); }
            case "join" -> {
                String sep = Py.str(arg(args, kwargs, 0, "d", ""));
                Object attribute = arg(args, kwargs, 1, "attribute", null);
                StringBuilder sb = new StringBuilder();
                boolean first = true;
                for (Object o : Py.iterate(v)) {
                    sb.append(first ? "" : sep).append(Py.str(attribute == null ? o : in.getAttr(o, Py.str(attribute))));
                    first = false;
                    in.checkOutput(sb.length());
                }
                return sb.toString();
            }
            case "items" -> {
                if (v instanceof Undefined) {
                    return List.of();
                }
                if (!(v instanceof Map<?, ?> m)) {
                    throw new TemplateException(0, "can only get item pairs from a mapping, not " + Py.typeName(v));
                }
                List<Object> out = new ArrayList<>();
                m.forEach((k, x) -> out.add(List.of(k, x == null ? NULL_SAFE : x)));
                return unwrapPairs(out);
            }
            case "selectattr", "rejectattr" -> {
                boolean keep = name.equals("selectattr");
                String attr = Py.str(args.get(0));
                List<Object> out = new ArrayList<>();
                for (Object o : Py.iterate(v)) {
                    Object a = in.getAttr(o, attr);
                    boolean ok = args.size() > 1 ? test(Py.str(args.get(1)), a, args.subList(2, args.size()), in)
                            : Py.truthy(a);
                    if (ok == keep) {
                        out.add(o);
                    }
                }
                return out;
            }
            case "select", "reject" -> {
                boolean keep = name.equals("select");
                List<Object> out = new ArrayList<>();
                for (Object o : Py.iterate(v)) {
                    boolean ok = args.isEmpty() ? Py.truthy(o) : test(Py.str(args.get(0)), o, args.subList(1, args.size()), in);
                    if (ok == keep) {
                        out.add(o);
                    }
                }
                return out;
            }
            case "map" -> {
                List<Object> out = new ArrayList<>();
                if (kwargs.containsKey("attribute")) {
                    String attr = Py.str(kwargs.get("attribute"));
                    for (Object o : Py.iterate(v)) {
                        Object a = in.getAttr(o, attr);
                        out.add(a instanceof Undefined && kwargs.containsKey("default") ? kwargs.get("default") : a);
                    }
                } else {
                    String f = Py.str(args.get(0));
                    if (!hasFilter(f)) {
                        throw new TemplateException(0, "no filter named '" + f + "'");
                    }
                    for (Object o : Py.iterate(v)) {
                        out.add(filter(f, o, args.subList(1, args.size()), Map.of(), in));
                    }
                }
                return out;
            }
            case "first" -> {
                List<Object> l = Py.iterate(v);
                return l.isEmpty() ? new Undefined("No first item, sequence was empty.") : l.get(0);
            }
            case "last" -> {
                List<Object> l = Py.iterate(v);
                return l.isEmpty() ? new Undefined("No last item, sequence was empty.") : l.get(l.size() - 1);
            }
            case "upper" -> { return Py.str(v).toUpperCase(Locale.ROOT); }
            case "lower" -> { return Py.str(v).toLowerCase(Locale.ROOT); }
            case "capitalize" -> { return capitalize(Py.str(v)); }
            case "title" -> {
                StringBuilder sb = new StringBuilder();
                for (String part : WORD_BEGINNING.split(Py.str(v))) {
                    if (!part.isEmpty()) {
                        sb.append(capitalize(part));
                    }
                }
                return sb.toString();
            }
            case "replace" -> {
                Object count = arg(args, kwargs, 2, "count", null);
                return replace(Py.str(v), Py.str(args.get(0)), Py.str(args.get(1)), count == null ? -1 : Py.toLong(count), in);
            }
            case "default", "d" -> {
                Object fallback = arg(args, kwargs, 0, "default_value", "");
                boolean bool = Py.truthy(arg(args, kwargs, 1, "boolean", false));
                return v instanceof Undefined || (bool && !Py.truthy(v)) ? fallback : v;
            }
            case "int" -> {
                try {
                    if (v instanceof String s) {
                        return Long.parseLong(s.strip());
                    }
                    return Py.isNumber(v) ? Py.toLong(v) : arg(args, kwargs, 0, "default", 0L);
                } catch (NumberFormatException e) {
                    try {
                        return (long) Double.parseDouble(((String) v).strip());
                    } catch (NumberFormatException e2) {
                        return arg(args, kwargs, 0, "default", 0L);
                    }
                }
            }
            case "float" -> {
                try {
                    return v instanceof String s ? Double.parseDouble(s.strip()) : Py.isNumber(v) ? Py.toDouble(v)
                            : arg(args, kwargs, 0, "default", 0.0);
                } catch (NumberFormatException e) {
                    return arg(args, kwargs, 0, "default", 0.0);
                }
            }
            case "abs" -> { return v instanceof Double d ? Math.abs(d) : Math.abs(Py.toLong(v)); }
            case "reverse" -> {
                if (v instanceof String s) {
                    return new StringBuilder(s).reverse().toString();
                }
                List<Object> l = Py.iterate(v);
                java.util.Collections.reverse(l);
                return l;
            }
            case "safe", "e", "escape" -> { return name.equals("safe") ? v : escape(Py.str(v)); }
            case "sum" -> {
                Object total = arg(args, kwargs, 1, "start", 0L);
                Object attr = arg(args, kwargs, 0, "attribute", null);
                for (Object o : Py.iterate(v)) {
                    total = in.binary("+", total, attr == null ? o : in.getAttr(o, Py.str(attr)));
                }
                return total;
            }
            case "min", "max" -> {
                List<Object> l = Py.iterate(v);
                if (l.isEmpty()) {
                    return new Undefined("No aggregated item, sequence was empty.");
                }
                Object best = l.get(0);
                for (Object o : l) {
                    int c = Py.compare(o, best, "<");
                    if (name.equals("min") ? c < 0 : c > 0) {
                        best = o;
                    }
                }
                return best;
            }
            case "unique" -> {
                List<Object> out = new ArrayList<>();
                for (Object o : Py.iterate(v)) {
                    if (out.stream().noneMatch(x -> Py.eq(x, o))) {
                        out.add(o);
                    }
                }
                return out;
            }
            case "sort" -> {
                List<Object> l = Py.iterate(v);
                boolean reverse = Py.truthy(arg(args, kwargs, 0, "reverse", false));
                Object attr = arg(args, kwargs, 2, "attribute", null);
                l.sort((a, b) -> Py.compare(attr == null ? a : in.getAttr(a, Py.str(attr)),
                        attr == null ? b : in.getAttr(b, Py.str(attr)), "<"));
                if (reverse) {
                    java.util.Collections.reverse(l);
                }
                return l;
            }
            case "dictsort" -> {
                if (!(v instanceof Map<?, ?> m)) {
                    throw new TemplateException(0, "dictsort expects a mapping, got " + Py.typeName(v));
                }
                List<Object> out = new ArrayList<>();
                m.forEach((k, x) -> out.add(java.util.Arrays.asList(k, x)));
                out.sort((a, b) -> Py.compare(((List<?>) a).get(0), ((List<?>) b).get(0), "<"));
                return out;
            }
            case "round" -> {
                long precision = Py.toLong(arg(args, kwargs, 0, "precision", 0L));
                double d = Py.toDouble(v);
                return new java.math.BigDecimal(d).setScale((int) precision, java.math.RoundingMode.HALF_EVEN).doubleValue();
            }
            case "indent" -> {
                Object width = arg(args, kwargs, 0, "width", 4L);
                String pad = width instanceof String s ? s : " ".repeat((int) Py.toLong(width));
                boolean first = Py.truthy(arg(args, kwargs, 1, "first", false));
                boolean blank = Py.truthy(arg(args, kwargs, 2, "blank", false));
                String[] lines = Py.str(v).split("\n", -1);
                StringBuilder sb = new StringBuilder();
                for (int k = 0; k < lines.length; k++) {
                    boolean indentThis = (k > 0 || first) && (blank || !lines[k].isEmpty());
                    sb.append(k > 0 ? "\n" : "").append(indentThis ? pad : "").append(lines[k]);
                }
                return sb.toString();
            }
            case "wordcount" -> { return (long) split(Py.str(v), null, -1).size(); }
            case "center" -> {
                int width = (int) Py.toLong(arg(args, kwargs, 0, "width", 80L));
                return center(Py.str(v), width);
            }
            case "striptags" -> { return Py.str(v).replaceAll("<[^>]*>", ""); }
            case "batch" -> {
                int size = (int) Py.toLong(args.get(0));
                List<Object> out = new ArrayList<>();
                List<Object> cur = new ArrayList<>();
                for (Object o : Py.iterate(v)) {
                    cur.add(o);
                    if (cur.size() == size) {
                        out.add(cur);
                        cur = new ArrayList<>();
                    }
                }
                if (!cur.isEmpty()) {
                    out.add(cur);
                }
                return out;
            }
            default -> throw new TemplateException(0, "no filter named '" + name + "'");
        }
    }

    /** A placeholder so List.of accepts a None value; swapped back by {@link #unwrapPairs}. */
    private static final Object NULL_SAFE = new Object();

    private static List<Object> unwrapPairs(List<Object> pairs) {
        List<Object> out = new ArrayList<>(pairs.size());
        for (Object p : pairs) {
            List<?> l = (List<?>) p;
            out.add(java.util.Arrays.asList(l.get(0), l.get(1) == NULL_SAFE ? null : l.get(1)));
        }
        return out;
    }

    private static final Pattern WORD_BEGINNING = Pattern.compile("(?<=[-\\s(\\{\\[<]+)|(?=[-\\s(\\{\\[<]+)");

    private static String capitalize(String s) {
        if (s.isEmpty()) {
            return s;
        }
        int first = s.codePointAt(0);
        int n = Character.charCount(first);
        return new String(Character.toChars(Character.toTitleCase(first))) + s.substring(n).toLowerCase(Locale.ROOT);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&#34;")
                .replace("'", "&#39;");
    }

    private static String center(String s, int width) {
        int len = s.codePointCount(0, s.length());
        if (width <= len) {
            return s;
        }
        int marg = width - len;
        int left = marg / 2 + (marg & width & 1);
        return " ".repeat(left) + s + " ".repeat(marg - left);
    }

    // ---- tests

    static boolean test(String name, Object v, List<Object> args, Interpreter in) {
        Object a = args.isEmpty() ? null : args.get(0);
        return switch (name) {
            case "defined" -> !(v instanceof Undefined);
            case "undefined" -> v instanceof Undefined;
            case "none" -> v == null;
            case "string" -> v instanceof String;
            case "number" -> v instanceof Long || v instanceof Double; // bool counts too in Python; rare in templates
            case "integer" -> v instanceof Long;
            case "float" -> v instanceof Double;
            case "boolean" -> v instanceof Boolean;
            case "true" -> Boolean.TRUE.equals(v);
            case "false" -> Boolean.FALSE.equals(v);
            case "mapping" -> v instanceof Map || v instanceof Namespace;
            case "iterable" -> v instanceof List || v instanceof Map || v instanceof String || v instanceof Undefined;
            case "sequence" -> v instanceof List || v instanceof Map || v instanceof String;
            case "callable" -> v instanceof Callable;
            case "equalto", "eq", "==" -> Py.eq(v, a);
            case "ne", "!=" -> !Py.eq(v, a);
            case "odd" -> Py.toLong(v) % 2 != 0;
            case "even" -> Py.toLong(v) % 2 == 0;
            case "divisibleby" -> Py.toLong(v) % Py.toLong(a) == 0;
            case "in" -> Py.contains(a, v);
            case "lower" -> v instanceof String s && s.equals(s.toLowerCase(Locale.ROOT));
            case "upper" -> v instanceof String s && s.equals(s.toUpperCase(Locale.ROOT));
            case "sameas" -> v == a || (v == null && a == null) || (v instanceof Boolean && v.equals(a));
            case "gt", "greaterthan" -> Py.compare(v, a, ">") > 0;
            case "lt", "lessthan" -> Py.compare(v, a, "<") < 0;
            case "ge" -> Py.compare(v, a, ">=") >= 0;
            case "le" -> Py.compare(v, a, "<=") <= 0;
            case "escaped" -> false;
            default -> throw new TemplateException(0, "no test named '" + name + "'");
        };
    }

    // ---- Python methods

    /** The bound method {@code obj.name}, or null when the type has none (then it is looked up as an item). */
    static Callable method(Object obj, String name, Interpreter in) {
        if (in.methodDisabled(name)) {
            return null;
        }
        if (obj instanceof String s) {
            return stringMethod(s, name, in);
        }
        if (obj instanceof Map<?, ?> m) {
            return switch (name) {
                case "items" -> (a, k) -> filter("items", m, List.of(), Map.of(), in);
                case "keys" -> (a, k) -> new ArrayList<Object>(m.keySet());
                case "values" -> (a, k) -> new ArrayList<Object>(m.values());
                case "get" -> (a, k) -> {
                    Object key = a.get(0);
                    return m.containsKey(key) ? m.get(key) : a.size() > 1 ? a.get(1) : null;
                };
                default -> null;
            };
        }
        if (obj instanceof List<?> l) {
            return switch (name) {
                case "index" -> (a, k) -> {
                    for (int i = 0; i < l.size(); i++) {
                        if (Py.eq(l.get(i), a.get(0))) {
                            return (long) i;
                        }
                    }
                    throw new TemplateException(0, Py.repr(a.get(0)) + " is not in list");
                };
                case "count" -> (a, k) -> l.stream().filter(x -> Py.eq(x, a.get(0))).count();
                case "append", "extend", "pop", "insert", "remove", "clear", "sort", "reverse" -> (a, k) -> {
                    throw new TemplateException(0, "access to attribute '" + name + "' of 'list' object is unsafe");
                };
                default -> null;
            };
        }
        return null;
    }

    private static Callable stringMethod(String s, String name, Interpreter in) {
        return switch (name) {
            case "startswith" -> (a, k) -> affix(s, a.get(0), true);
            case "endswith" -> (a, k) -> affix(s, a.get(0), false);
            case "strip" -> (a, k) -> strip(s, chars(a), true, true);
            case "lstrip" -> (a, k) -> strip(s, chars(a), true, false);
            case "rstrip" -> (a, k) -> strip(s, chars(a), false, true);
            case "split" -> (a, k) -> split(s, chars(a), a.size() > 1 ? Py.toLong(a.get(1)) : -1);
            case "rsplit" -> (a, k) -> rsplit(s, chars(a), a.size() > 1 ? Py.toLong(a.get(1)) : -1);
            case "splitlines" -> (a, k) -> {
                List<Object> out = new ArrayList<>(List.of(s.split("\r\n|\n|\r", -1)));
                if (!out.isEmpty() && "".equals(out.get(out.size() - 1))) {
                    out.remove(out.size() - 1);
                }
                return out;
            };
            case "upper" -> (a, k) -> s.toUpperCase(Locale.ROOT);
            case "lower" -> (a, k) -> s.toLowerCase(Locale.ROOT);
            case "title" -> (a, k) -> pyTitle(s);
            case "capitalize" -> (a, k) -> capitalize(s);
            case "replace" -> (a, k) -> replace(s, needString(a.get(0), "replace"), needString(a.get(1), "replace"),
                    a.size() > 2 ? Py.toLong(a.get(2)) : -1, in);
            case "find" -> (a, k) -> (long) cpIndex(s, s.indexOf(needString(a.get(0), "find")));
            case "rfind" -> (a, k) -> (long) cpIndex(s, s.lastIndexOf(needString(a.get(0), "rfind")));
            case "count" -> (a, k) -> {
                String sub = needString(a.get(0), "count");
                if (sub.isEmpty()) {
                    return Py.len(s) + 1;
                }
                long n = 0;
                for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) {
                    n++;
                }
                return n;
            };
            case "join" -> (a, k) -> {
                StringBuilder sb = new StringBuilder();
                boolean first = true;
                for (Object o : Py.iterate(a.get(0))) {
                    sb.append(first ? "" : s).append(needString(o, "join"));
                    first = false;
                    in.checkOutput(sb.length());
                }
                return sb.toString();
            };
            case "isdigit" -> (a, k) -> !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
            case "isalpha" -> (a, k) -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
            case "isalnum" -> (a, k) -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit);
            case "isspace" -> (a, k) -> !s.isEmpty() && s.codePoints().allMatch(Py::isSpace);
            case "islower" -> (a, k) -> s.chars().anyMatch(Character::isLetter) && s.equals(s.toLowerCase(Locale.ROOT));
            case "isupper" -> (a, k) -> s.chars().anyMatch(Character::isLetter) && s.equals(s.toUpperCase(Locale.ROOT));
            case "center" -> (a, k) -> center(s, (int) Py.toLong(a.get(0)));
            default -> null;
        };
    }

    private static String chars(List<Object> a) {
        if (a.isEmpty() || a.get(0) == null) {
            return null;
        }
        return needString(a.get(0), "strip/split");
    }

    private static int cpIndex(String s, int utf16) {
        return utf16 < 0 ? -1 : s.codePointCount(0, utf16);
    }

    private static boolean affix(String s, Object arg, boolean start) {
        if (arg instanceof List<?> options) { // Python accepts a tuple of prefixes
            for (Object o : options) {
                if (affix(s, o, start)) {
                    return true;
                }
            }
            return false;
        }
        String x = needString(arg, start ? "startswith" : "endswith");
        return start ? s.startsWith(x) : s.endsWith(x);
    }

    /** str.strip/lstrip/rstrip: whitespace (Python's definition) or any of the given characters. */
    static String strip(String s, String chars, boolean left, boolean right) {
        int[] cps = Py.codePoints(s);
        int[] set = chars == null ? null : Py.codePoints(chars);
        int lo = 0;
        int hi = cps.length;
        while (left && lo < hi && strips(cps[lo], set)) {
            lo++;
        }
        while (right && hi > lo && strips(cps[hi - 1], set)) {
            hi--;
        }
        return Py.fromCodePoints(cps, lo, hi);
    }

    private static boolean strips(int c, int[] set) {
        if (set == null) {
            return Py.isSpace(c);
        }
        for (int x : set) {
            if (x == c) {
                return true;
            }
        }
        return false;
    }

    /** str.split: a literal separator (never a regex), or runs of whitespace when none is given. */
    static List<Object> split(String s, String sep, long maxsplit) {
        List<Object> out = new ArrayList<>();
        if (sep == null) {
            int[] cps = Py.codePoints(s);
            int i = 0;
            while (true) {
                while (i < cps.length && Py.isSpace(cps[i])) {
                    i++;
                }
                if (i >= cps.length) {
                    break;
                }
                if (maxsplit >= 0 && out.size() == maxsplit) {
                    int end = cps.length;
                    while (end > i && Py.isSpace(cps[end - 1])) {
                        end--;
                    }
                    out.add(Py.fromCodePoints(cps, i, end));
                    break;
                }
                int j = i;
                while (j < cps.length && !Py.isSpace(cps[j])) {
                    j++;
                }
                out.add(Py.fromCodePoints(cps, i, j));
                i = j;
            }
            return out;
        }
        if (sep.isEmpty()) {
            throw new TemplateException(0, "empty separator");
        }
        int from = 0;
        while (maxsplit < 0 || out.size() < maxsplit) {
            int at = s.indexOf(sep, from);
            if (at < 0) {
                break;
            }
            out.add(s.substring(from, at));
            from = at + sep.length();
        }
        out.add(s.substring(from));
        return out;
    }

    private static List<Object> rsplit(String s, String sep, long maxsplit) {
        if (sep == null || maxsplit < 0) {
            return split(s, sep, maxsplit);
        }
        if (sep.isEmpty()) {
            throw new TemplateException(0, "empty separator");
        }
        List<Object> out = new ArrayList<>();
        int end = s.length();
        while (out.size() < maxsplit) {
            int at = s.lastIndexOf(sep, end - sep.length());
            if (at < 0) {
                break;
            }
            out.add(0, s.substring(at + sep.length(), end));
            end = at;
        }
        out.add(0, s.substring(0, end));
        return out;
    }

    private static String replace(String s, String old, String with, long count, Interpreter in) {
        StringBuilder sb = new StringBuilder();
        if (old.isEmpty()) {
            int[] cps = Py.codePoints(s);
            long done = 0;
            for (int c : cps) {
                if (count < 0 || done < count) {
                    sb.append(with);
                    done++;
                }
                sb.appendCodePoint(c);
                in.checkOutput(sb.length());
            }
            if (count < 0 || done < count) {
                sb.append(with);
            }
            return sb.toString();
        }
        int from = 0;
        long done = 0;
        while (count < 0 || done < count) {
            int at = s.indexOf(old, from);
            if (at < 0) {
                break;
            }
            sb.append(s, from, at).append(with);
            in.checkOutput(sb.length());
            from = at + old.length();
            done++;
        }
        return sb.append(s.substring(from)).toString();
    }

    /** str.title(): a letter after a non-letter is upper case, other letters lower case. */
    private static String pyTitle(String s) {
        StringBuilder sb = new StringBuilder();
        boolean prevLetter = false;
        for (int c : Py.codePoints(s)) {
            boolean letter = Character.isLetter(c);
            sb.appendCodePoint(letter ? (prevLetter ? Character.toLowerCase(c) : Character.toTitleCase(c)) : c);
            prevLetter = letter;
        }
        return sb.toString();
    }

    /** dict(a=1, b=2) */
    static Map<Object, Object> dict(List<Object> args, Map<String, Object> kwargs) {
        Map<Object, Object> out = new LinkedHashMap<>();
        if (!args.isEmpty() && args.get(0) instanceof Map<?, ?> m) {
            out.putAll(m);
        }
        out.putAll(kwargs);
        return out;
    }
}
