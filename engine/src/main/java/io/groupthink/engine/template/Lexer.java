package io.groupthink.engine.template;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a template into text and tag tokens with jinja2's whitespace rules as transformers configures them:
 * {@code trim_blocks} (the newline after a block or comment tag goes), {@code lstrip_blocks} (spaces before a
 * block or comment tag at the start of a line go), {@code -} on a tag strips all whitespace on that side, and
 * one trailing newline of the template is dropped ({@code keep_trailing_newline=False}).
 */
final class Lexer {

    enum Type { TEXT, VAR_BEGIN, VAR_END, BLOCK_BEGIN, BLOCK_END, NAME, STRING, INT, FLOAT, OP, EOF }

    record Tok(Type type, String text, Object value, int line) {
        boolean is(Type t, String s) {
            return type == t && text.equals(s);
        }

        boolean isName(String s) {
            return is(Type.NAME, s);
        }

        boolean isOp(String s) {
            return is(Type.OP, s);
        }
    }

    private static final String[] OPS = {"**", "//", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">",
        "=", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|"};

    private final String src;
    private final List<Tok> out = new ArrayList<>();
    private int pos;

    private final int[] newlines;

    private Lexer(String source) {
        this.src = source.endsWith("\n") ? source.substring(0, source.length() - 1) : source;
        this.newlines = java.util.stream.IntStream.range(0, src.length()).filter(i -> src.charAt(i) == '\n').toArray();
    }

    static List<Tok> tokenize(String source) {
        Lexer l = new Lexer(source.replace("\r\n", "\n"));
        l.run();
        return l.out;
    }

    private int line(int at) {
        int lo = 0;
        int hi = newlines.length; // count of newlines before 'at'
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (newlines[mid] < at) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo + 1;
    }

    private void run() {
        while (pos < src.length()) {
            int tag = nextTag(pos);
            int textEnd = tag < 0 ? src.length() : tag;
            String text = src.substring(pos, textEnd);
            if (tag >= 0) {
                char kind = src.charAt(tag + 1);
                boolean minus = tag + 2 < src.length() && src.charAt(tag + 2) == '-';
                boolean plus = tag + 2 < src.length() && src.charAt(tag + 2) == '+';
                if (minus) {
                    text = stripEnd(text);
                } else if (kind != '{' && !plus) {
                    int lineStart = text.lastIndexOf('\n') + 1;
                    boolean atLineStart = lineStart > 0 || pos == 0 || src.charAt(pos - 1) == '\n';
                    if (atLineStart && text.substring(lineStart).chars().allMatch(c -> c == ' ' || c == '\t')) {
                        text = text.substring(0, lineStart);
                    }
                }
            }
            if (!text.isEmpty()) {
                out.add(new Tok(Type.TEXT, text, text, line(pos)));
            }
            if (tag < 0) {
                break;
            }
            pos = tag;
            char kind = src.charAt(tag + 1);
            int open = tag + 2 + (tag + 2 < src.length() && (src.charAt(tag + 2) == '-' || src.charAt(tag + 2) == '+')
                    ? 1 : 0);
            if (kind == '#') {
                int end = src.indexOf("#}", open);
                if (end < 0) {
                    throw new TemplateException(line(tag), "unclosed comment: '{#' without '#}'");
                }
                pos = end + 2;
                afterTag(src.charAt(end - 1) == '-', true);
                continue;
            }
            boolean block = kind == '%';
            out.add(new Tok(block ? Type.BLOCK_BEGIN : Type.VAR_BEGIN, block ? "{%" : "{{", null, line(tag)));
            pos = open;
            String close = block ? "%}" : "}}";
            expressionTokens(close, tag);
            boolean minusEnd = src.charAt(pos - 1) == '-';
            out.add(new Tok(block ? Type.BLOCK_END : Type.VAR_END, close, null, line(pos)));
            pos += 2;
            afterTag(minusEnd, block);
        }
        out.add(new Tok(Type.EOF, "", null, line(src.length())));
    }

    private void afterTag(boolean minus, boolean blockOrComment) {
        if (minus) {
            while (pos < src.length() && Character.isWhitespace(src.charAt(pos))) {
                pos++;
            }
        } else if (blockOrComment && pos < src.length() && src.charAt(pos) == '\n') {
            pos++;
        }
    }

    private int nextTag(int from) {
        int i = from;
        while (true) {
            i = src.indexOf('{', i);
            if (i < 0 || i + 1 >= src.length()) {
                return -1;
            }
            char c = src.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') {
                return i;
            }
            i++;
        }
    }

    private static String stripEnd(String s) {
        int e = s.length();
        while (e > 0 && Character.isWhitespace(s.charAt(e - 1))) {
            e--;
        }
        return s.substring(0, e);
    }

    /** Tokens up to the closing {@code %}}/{@code }}} (with its optional '-'); pos ends on the closing pair. */
    private void expressionTokens(String close, int tagStart) {
        int depth = 0; // brackets open, so '}}' inside a dict literal is not the end
        while (true) {
            while (pos < src.length() && Character.isWhitespace(src.charAt(pos))) {
                pos++;
            }
            if (pos >= src.length()) {
                throw new TemplateException(line(tagStart), "unclosed tag: '" + (close.equals("%}") ? "{%" : "{{")
                        + "' without '" + close + "'");
            }
            if (depth == 0 && src.startsWith("-" + close, pos)) {
                pos++;
                return;
            }
            if (depth == 0 && src.startsWith(close, pos)) {
                return;
            }
            char c = src.charAt(pos);
            int start = pos;
            int ln = line(pos);
            if (Character.isLetter(c) || c == '_') {
                while (pos < src.length() && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
                    pos++;
                }
                String name = src.substring(start, pos);
                out.add(new Tok(Type.NAME, name, name, ln));
            } else if (Character.isDigit(c)) {
                while (pos < src.length() && (Character.isDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
                    pos++;
                }
                boolean isFloat = false;
                if (pos + 1 < src.length() && src.charAt(pos) == '.' && Character.isDigit(src.charAt(pos + 1))) {
                    isFloat = true;
                    pos++;
                    while (pos < src.length() && Character.isDigit(src.charAt(pos))) {
                        pos++;
                    }
                }
                if (pos < src.length() && (src.charAt(pos) == 'e' || src.charAt(pos) == 'E')) {
                    int save = pos;
                    pos++;
                    if (pos < src.length() && (src.charAt(pos) == '+' || src.charAt(pos) == '-')) {
                        pos++;
                    }
                    if (pos < src.length() && Character.isDigit(src.charAt(pos))) {
                        isFloat = true;
                        while (pos < src.length() && Character.isDigit(src.charAt(pos))) {
                            pos++;
                        }
                    } else {
                        pos = save;
                    }
                }
                String num = src.substring(start, pos).replace("_", "");
                try {
                    out.add(isFloat ? new Tok(Type.FLOAT, num, Double.parseDouble(num), ln)
                            : new Tok(Type.INT, num, Long.parseLong(num), ln));
                } catch (NumberFormatException e) {
                    throw new TemplateException(ln, "number out of range: " + num);
                }
            } else if (c == '\'' || c == '"') {
                out.add(new Tok(Type.STRING, "string", stringLiteral(c, ln), ln));
            } else {
                String op = null;
                for (String o : OPS) {
                    if (src.startsWith(o, pos)) {
                        op = o;
                        break;
                    }
                }
                if (op == null) {
                    throw new TemplateException(ln, "unexpected character '" + c + "'");
                }
                if (op.equals("(") || op.equals("[") || op.equals("{")) {
                    depth++;
                } else if (op.equals(")") || op.equals("]") || op.equals("}")) {
                    depth = Math.max(0, depth - 1);
                }
                pos += op.length();
                out.add(new Tok(Type.OP, op, op, ln));
            }
        }
    }

    /** A Python string literal: the escapes of Python's unicode-escape codec, other characters as written. */
    private String stringLiteral(char quote, int ln) {
        StringBuilder sb = new StringBuilder();
        pos++;
        while (true) {
            if (pos >= src.length()) {
                throw new TemplateException(ln, "unterminated string literal");
            }
            char c = src.charAt(pos++);
            if (c == quote) {
                return sb.toString();
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (pos >= src.length()) {
                throw new TemplateException(ln, "unterminated string literal");
            }
            char e = src.charAt(pos++);
            switch (e) {
                case 'n' -> sb.append('\n');
                case 't' -> sb.append('\t');
                case 'r' -> sb.append('\r');
                case '\\' -> sb.append('\\');
                case '\'' -> sb.append('\'');
                case '"' -> sb.append('"');
                case 'a' -> sb.append('\u0007');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'v' -> sb.append('\u000b');
                case '\n' -> { } // line continuation
                case 'x' -> sb.appendCodePoint(hex(2, ln));
                case 'u' -> sb.appendCodePoint(hex(4, ln));
                case 'U' -> sb.appendCodePoint(hex(8, ln));
                default -> {
                    if (e >= '0' && e <= '7') {
                        int v = e - '0';
                        for (int k = 0; k < 2 && pos < src.length() && src.charAt(pos) >= '0' && src.charAt(pos) <= '7'; k++) {
                            v = v * 8 + (src.charAt(pos++) - '0');
                        }
                        sb.appendCodePoint(v);
                    } else {
                        sb.append('\\').append(e); // Python keeps unknown escapes as written
                    }
                }
            }
        }
    }

    private int hex(int n, int ln) {
        if (pos + n > src.length()) {
            throw new TemplateException(ln, "truncated \\x/\\u escape in string literal");
        }
        try {
            int v = Integer.parseInt(src.substring(pos, pos + n), 16);
            if (!Character.isValidCodePoint(v)) {
                throw new NumberFormatException();
            }
            pos += n;
            return v;
        } catch (NumberFormatException e) {
            throw new TemplateException(ln, "bad escape in string literal: " + src.substring(pos, pos + n));
        }
    }
}
