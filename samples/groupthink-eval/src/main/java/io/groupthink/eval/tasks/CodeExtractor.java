package io.groupthink.eval.tasks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds complete Java method definitions in free text (markdown fences, prose and partial code
 * around them are ignored).
 *
 * <p>A definition is: a return type directly before the name (optionally after modifiers), a
 * balanced parameter list, an optional {@code throws} clause, then a body whose braces balance
 * (string and character literals and comments are skipped while counting). A body that is not
 * closed yet (a prefix cut mid-method) is no definition. Calls ({@code return gcd(b, a % b);}) are
 * not definitions: a keyword before the name, or no body after the parameters, rules them out.
 */
public final class CodeExtractor {

    /** One definition, normalised to {@code public static <type> name(<params>) <body>}. */
    public record Definition(String name, String returnType, String source) {}

    private static final Pattern NAME = Pattern.compile("(?<![\\w.$])([A-Za-z_$][\\w$]*)\\s*\\(");
    private static final Pattern TYPE_BEFORE = Pattern.compile(
            "(?:^|[\\s;{}(*/])((?:[A-Za-z_$][\\w$.]*)(?:\\s*<[\\w\\s,.?<>\\[\\]]*>)?(?:\\s*\\[\\s*])*)\\s+$");
    private static final Pattern THROWS = Pattern.compile("\\s*throws\\s+[\\w$.]+(?:\\s*,\\s*[\\w$.]+)*");
    private static final Set<String> NOT_TYPES = Set.of("return", "new", "else", "throw", "case", "yield",
            "assert", "do", "goto", "package", "import", "class", "interface", "enum", "record", "extends",
            "implements", "instanceof", "public", "private", "protected", "static", "final", "abstract",
            "synchronized", "native", "strictfp", "transient", "volatile", "default", "throws", "this", "super",
            "var", "if", "for", "while", "switch", "catch", "try", "finally");
    private static final Set<String> NOT_NAMES = Set.of("if", "for", "while", "switch", "catch", "synchronized",
            "return", "new", "super", "this", "try");
    private static final int MAX_LOOKBACK = 160;

    private CodeExtractor() {}

    /** Every complete definition of {@code name} in {@code text}, in order of appearance. */
    public static List<Definition> definitions(String text, String name) {
        List<Definition> out = new ArrayList<>();
        for (Definition d : all(text)) {
            if (d.name().equals(name)) {
                out.add(d);
            }
        }
        return out;
    }

    /** Every complete method definition in {@code text}, in order of appearance. */
    public static List<Definition> all(String text) {
        List<Definition> out = new ArrayList<>();
        if (text == null) {
            return out;
        }
        Matcher m = NAME.matcher(text);
        int from = 0;
        while (from < text.length() && m.find(from)) {
            from = m.end();
            String name = m.group(1);
            if (NOT_NAMES.contains(name)) {
                continue;
            }
            String before = text.substring(Math.max(0, m.start() - MAX_LOOKBACK), m.start());
            Matcher t = TYPE_BEFORE.matcher(before);
            if (!t.find()) {
                continue;
            }
            String type = t.group(1).trim();
            String firstWord = type.split("[\\s<\\[]", 2)[0];
            if (NOT_TYPES.contains(firstWord)) {
                continue;
            }
            int open = m.end() - 1;
            int close = matchParen(text, open);
            if (close < 0) {
                continue;
            }
            int i = close + 1;
            Matcher th = THROWS.matcher(text).region(i, text.length());
            if (th.lookingAt()) {
                i = th.end();
            }
            while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            if (i >= text.length() || text.charAt(i) != '{') {
                continue;
            }
            int end = matchBrace(text, i);
            if (end < 0) {
                continue; // unfinished body
            }
            String source = "public static " + type + " " + name + text.substring(open, close + 1) + " "
                    + text.substring(i, end + 1);
            out.add(new Definition(name, type, source));
            from = end + 1;
        }
        return out;
    }

    /** Helper methods: the first complete definition of each name not in {@code exclude}. */
    public static List<Definition> helpers(String text, Set<String> exclude) {
        Map<String, Definition> out = new LinkedHashMap<>();
        for (Definition d : all(text)) {
            if (!exclude.contains(d.name())) {
                out.putIfAbsent(d.name(), d);
            }
        }
        return List.copyOf(out.values());
    }

    private static int matchParen(String s, int open) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                if (--depth == 0) {
                    return i;
                }
            } else if (c == '{' || c == '}' || c == ';') {
                return -1;
            }
        }
        return -1;
    }

    /** The index of the brace closing the one at {@code open}, or -1 if the text ends first. */
    static int matchBrace(String s, int open) {
        int depth = 0;
        int i = open;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '"' || c == '\'') {
                i = skipLiteral(s, i, c);
                if (i < 0) {
                    return -1;
                }
            } else if (c == '/' && i + 1 < s.length() && s.charAt(i + 1) == '/') {
                int nl = s.indexOf('\n', i);
                if (nl < 0) {
                    return -1;
                }
                i = nl;
            } else if (c == '/' && i + 1 < s.length() && s.charAt(i + 1) == '*') {
                int endComment = s.indexOf("*/", i + 2);
                if (endComment < 0) {
                    return -1;
                }
                i = endComment + 1;
            } else if (c == '{') {
                depth++;
            } else if (c == '}') {
                if (--depth == 0) {
                    return i;
                }
            }
            i++;
        }
        return -1;
    }

    /** The index of the quote closing the literal opened at {@code start}, -1 if none on the line. */
    private static int skipLiteral(String s, int start, char quote) {
        for (int i = start + 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == quote) {
                return i;
            } else if (c == '\n') {
                return i; // an unterminated literal ends at the line; javac will report it
            }
        }
        return -1;
    }
}
