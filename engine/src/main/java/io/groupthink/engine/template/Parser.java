package io.groupthink.engine.template;

import io.groupthink.engine.template.Lexer.Tok;
import io.groupthink.engine.template.Lexer.Type;
import io.groupthink.engine.template.Node.*;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Recursive descent over jinja2's grammar, with its operator precedence (filters bind tighter than arithmetic). */
final class Parser {

    /** Deeper nesting than this is refused, so a hostile template cannot overflow the Java stack while parsing. */
    static final int MAX_NESTING = 200;

    private final List<Tok> toks;
    private int i;
    private int nesting;

    private Parser(List<Tok> toks) {
        this.toks = toks;
    }

    static List<Node> parse(String source) {
        Parser p = new Parser(Lexer.tokenize(source));
        List<Node> body = p.statements(Set.of());
        if (p.peek().type() != Type.EOF) {
            Tok t = p.peek();
            throw new TemplateException(t.line(), "unexpected '" + p.blockName() + "'");
        }
        return body;
    }

    // ---- token helpers

    private Tok peek() {
        return toks.get(i);
    }

    private Tok peek(int ahead) {
        return toks.get(Math.min(i + ahead, toks.size() - 1));
    }

    private Tok next() {
        return toks.get(i++);
    }

    private boolean acceptOp(String op) {
        if (peek().isOp(op)) {
            i++;
            return true;
        }
        return false;
    }

    private boolean acceptName(String name) {
        if (peek().isName(name)) {
            i++;
            return true;
        }
        return false;
    }

    private Tok expectOp(String op) {
        Tok t = next();
        if (!t.isOp(op)) {
            throw new TemplateException(t.line(), "expected '" + op + "', got " + describe(t));
        }
        return t;
    }

    private String expectName() {
        Tok t = next();
        if (t.type() != Type.NAME) {
            throw new TemplateException(t.line(), "expected a name, got " + describe(t));
        }
        return t.text();
    }

    private void expect(Type type) {
        Tok t = next();
        if (t.type() != type) {
            throw new TemplateException(t.line(), "expected " + (type == Type.BLOCK_END ? "'%}'" : "'}}'") + ", got "
                    + describe(t));
        }
    }

    private static String describe(Tok t) {
        return switch (t.type()) {
            case EOF -> "end of template";
            case STRING -> "a string";
            case BLOCK_END -> "'%}'";
            case VAR_END -> "'}}'";
            default -> "'" + t.text() + "'";
        };
    }

    private String blockName() {
        return peek(1).text();
    }

    private void enter(int line) {
        if (++nesting > MAX_NESTING) {
            throw new TemplateException(line, "template nests deeper than " + MAX_NESTING + " levels");
        }
    }

    // ---- statements

    /** Statements until one of the given block tags (left unconsumed, positioned at its '{%') or the end. */
    private List<Node> statements(Set<String> until) {
        List<Node> out = new ArrayList<>();
        while (true) {
            Tok t = peek();
            switch (t.type()) {
                case EOF -> {
                    if (!until.isEmpty()) {
                        throw new TemplateException(t.line(), "unexpected end of template: expected one of "
                                + until.stream().sorted().toList());
                    }
                    return out;
                }
                case TEXT -> out.add(new Text(next().line(), t.text()));
                case VAR_BEGIN -> {
                    next();
                    out.add(new Output(t.line(), tuple()));
                    expect(Type.VAR_END);
                }
                case BLOCK_BEGIN -> {
                    if (until.contains(blockName())) {
                        return out;
                    }
                    next();
                    out.add(statement(t.line()));
                }
                default -> throw new TemplateException(t.line(), "unexpected " + describe(t));
            }
        }
    }

    private void endBlock(String name) {
        expect(Type.BLOCK_BEGIN);
        Tok t = next();
        if (!t.isName(name)) {
            throw new TemplateException(t.line(), "expected '" + name + "', got " + describe(t));
        }
        expect(Type.BLOCK_END);
    }

    private Node statement(int line) {
        Tok t = next();
        if (t.type() != Type.NAME) {
            throw new TemplateException(t.line(), "expected a tag name, got " + describe(t));
        }
        enter(line);
        try {
            return switch (t.text()) {
                case "if" -> ifBlock(line);
                case "for" -> forBlock(line);
                case "set" -> setStatement(line);
                case "macro" -> macro(line);
                case "break" -> { expect(Type.BLOCK_END); yield new Break(line); }
                case "continue" -> { expect(Type.BLOCK_END); yield new Continue(line); }
                case "generation" -> {
                    expect(Type.BLOCK_END);
                    List<Node> body = statements(Set.of("endgeneration"));
                    endBlock("endgeneration");
                    yield new Generation(line, body);
                }
                default -> throw new TemplateException(line, "unknown tag '" + t.text() + "'");
            };
        } finally {
            nesting--;
        }
    }

    private Node ifBlock(int line) {
        List<Expr> conditions = new ArrayList<>();
        List<List<Node>> bodies = new ArrayList<>();
        List<Node> orElse = List.of();
        conditions.add(expression());
        expect(Type.BLOCK_END);
        while (true) {
            bodies.add(statements(Set.of("elif", "else", "endif")));
            expect(Type.BLOCK_BEGIN);
            String tag = expectName();
            if (tag.equals("elif")) {
                conditions.add(expression());
                expect(Type.BLOCK_END);
            } else if (tag.equals("else")) {
                expect(Type.BLOCK_END);
                orElse = statements(Set.of("endif"));
                endBlock("endif");
                break;
            } else {
                expect(Type.BLOCK_END);
                break;
            }
        }
        return new If(line, conditions, bodies, orElse);
    }

    private Node forBlock(int line) {
        List<String> targets = new ArrayList<>();
        boolean paren = acceptOp("(");
        do {
            targets.add(expectName());
        } while (acceptOp(","));
        if (paren) {
            expectOp(")");
        }
        if (!acceptName("in")) {
            throw new TemplateException(peek().line(), "expected 'in' in for loop, got " + describe(peek()));
        }
        Expr iterable = orExpr(); // no conditional expression here: its 'if' is the loop filter
        Expr filter = acceptName("if") ? expression() : null;
        if (peek().isName("recursive")) {
            throw new TemplateException(line, "recursive for loops are not supported");
        }
        expect(Type.BLOCK_END);
        List<Node> body = statements(Set.of("else", "endfor"));
        List<Node> orElse = List.of();
        expect(Type.BLOCK_BEGIN);
        if (expectName().equals("else")) {
            expect(Type.BLOCK_END);
            orElse = statements(Set.of("endfor"));
            endBlock("endfor");
        } else {
            expect(Type.BLOCK_END);
        }
        return new For(line, targets, iterable, filter, body, orElse);
    }

    private Node setStatement(int line) {
        List<String> targets = new ArrayList<>();
        String attribute = null;
        targets.add(expectName());
        if (acceptOp(".")) {
            attribute = expectName();
        } else {
            while (acceptOp(",")) {
                targets.add(expectName());
            }
        }
        if (peek().type() == Type.BLOCK_END && attribute == null && targets.size() == 1) {
            next();
            List<Node> body = statements(Set.of("endset"));
            endBlock("endset");
            return new Node.Set(line, targets, null, null, body);
        }
        expectOp("=");
        Expr value = tuple();
        expect(Type.BLOCK_END);
        return new Node.Set(line, targets, attribute, value, null);
    }

    private Node macro(int line) {
        String name = expectName();
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        expectOp("(");
        while (!acceptOp(")")) {
            if (!params.isEmpty()) {
                expectOp(",");
            }
            params.add(expectName());
            defaults.add(acceptOp("=") ? expression() : null);
        }
        expect(Type.BLOCK_END);
        List<Node> body = statements(Set.of("endmacro"));
        endBlock("endmacro");
        return new Macro(line, name, params, defaults, body);
    }

    // ---- expressions, loosest first

    /** An expression, or an unparenthesised tuple {@code a, b} (as in {@code set a, b = ...}). */
    private Expr tuple() {
        int line = peek().line();
        Expr first = expression();
        if (!peek().isOp(",")) {
            return first;
        }
        List<Expr> items = new ArrayList<>(List.of(first));
        while (acceptOp(",")) {
            if (peek().type() == Type.BLOCK_END || peek().type() == Type.VAR_END) {
                break;
            }
            items.add(expression());
        }
        return new ListExpr(line, items);
    }

    Expr expression() {
        int line = peek().line();
        enter(line);
        try {
            Expr value = orExpr();
            if (acceptName("if")) {
                Expr condition = orExpr();
                Expr orElse = acceptName("else") ? expression() : null;
                return new Conditional(line, condition, value, orElse);
            }
            return value;
        } finally {
            nesting--;
        }
    }

    private Expr orExpr() {
        Expr left = andExpr();
        while (peek().isName("or")) {
            int line = next().line();
            left = new Binary(line, "or", left, andExpr());
        }
        return left;
    }

    private Expr andExpr() {
        Expr left = notExpr();
        while (peek().isName("and")) {
            int line = next().line();
            left = new Binary(line, "and", left, notExpr());
        }
        return left;
    }

    private Expr notExpr() {
        if (peek().isName("not")) {
            int line = next().line();
            enter(line);
            try {
                return new Unary(line, "not", notExpr());
            } finally {
                nesting--;
            }
        }
        return compare();
    }

    private static final Set<String> COMPARE = Set.of("==", "!=", "<", ">", "<=", ">=");

    private Expr compare() {
        int line = peek().line();
        Expr first = math1();
        List<String> ops = new ArrayList<>();
        List<Expr> rest = new ArrayList<>();
        while (true) {
            Tok t = peek();
            if (t.type() == Type.OP && COMPARE.contains(t.text())) {
                next();
                ops.add(t.text());
            } else if (t.isName("in")) {
                next();
                ops.add("in");
            } else if (t.isName("not") && peek(1).isName("in")) {
                next();
                next();
                ops.add("not in");
            } else {
                break;
            }
            rest.add(math1());
        }
        return ops.isEmpty() ? first : new Compare(line, first, ops, rest);
    }

    private Expr math1() {
        Expr left = concat();
        while (peek().isOp("+") || peek().isOp("-")) {
            Tok op = next();
            left = new Binary(op.line(), op.text(), left, concat());
        }
        return left;
    }

    private Expr concat() {
        Expr left = math2();
        while (peek().isOp("~")) {
            int line = next().line();
            left = new Binary(line, "~", left, math2());
        }
        return left;
    }

    private Expr math2() {
        Expr left = pow();
        while (peek().isOp("*") || peek().isOp("/") || peek().isOp("//") || peek().isOp("%")) {
            Tok op = next();
            left = new Binary(op.line(), op.text(), left, pow());
        }
        return left;
    }

    private Expr pow() {
        Expr left = unary(true);
        while (peek().isOp("**")) {
            int line = next().line();
            left = new Binary(line, "**", left, unary(true));
        }
        return left;
    }

    private Expr unary(boolean withFilter) {
        Tok t = peek();
        Expr node;
        if (t.isOp("-") || t.isOp("+")) {
            next();
            enter(t.line());
            try {
                node = new Unary(t.line(), t.text(), unary(false));
            } finally {
                nesting--;
            }
        } else {
            node = postfix(primary());
        }
        return withFilter ? filters(node) : node;
    }

    private Expr primary() {
        Tok t = next();
        switch (t.type()) {
            case NAME -> {
                return switch (t.text()) {
                    case "true", "True" -> new Literal(t.line(), Boolean.TRUE);
                    case "false", "False" -> new Literal(t.line(), Boolean.FALSE);
                    case "none", "None" -> new Literal(t.line(), null);
                    default -> new Name(t.line(), t.text());
                };
            }
            case STRING -> {
                StringBuilder s = new StringBuilder((String) t.value());
                while (peek().type() == Type.STRING) { // adjacent literals concatenate, as in Python
                    s.append((String) next().value());
                }
                return new Literal(t.line(), s.toString());
            }
            case INT, FLOAT -> {
                return new Literal(t.line(), t.value());
            }
            case OP -> {
                enter(t.line());
                try {
                    switch (t.text()) {
                        case "(" -> {
                            if (acceptOp(")")) {
                                return new ListExpr(t.line(), List.of());
                            }
                            Expr e = expression();
                            if (peek().isOp(",")) {
                                List<Expr> items = new ArrayList<>(List.of(e));
                                while (acceptOp(",") && !peek().isOp(")")) {
                                    items.add(expression());
                                }
                                e = new ListExpr(t.line(), items);
                            }
                            expectOp(")");
                            return e;
                        }
                        case "[" -> {
                            List<Expr> items = new ArrayList<>();
                            while (!acceptOp("]")) {
                                if (!items.isEmpty()) {
                                    expectOp(",");
                                    if (acceptOp("]")) {
                                        break;
                                    }
                                }
                                items.add(expression());
                            }
                            return new ListExpr(t.line(), items);
                        }
                        case "{" -> {
                            List<Expr> keys = new ArrayList<>();
                            List<Expr> values = new ArrayList<>();
                            while (!acceptOp("}")) {
                                if (!keys.isEmpty()) {
                                    expectOp(",");
                                    if (acceptOp("}")) {
                                        break;
                                    }
                                }
                                keys.add(expression());
                                expectOp(":");
                                values.add(expression());
                            }
                            return new DictExpr(t.line(), keys, values);
                        }
                        default -> { }
                    }
                } finally {
                    nesting--;
                }
            }
            default -> { }
        }
        throw new TemplateException(t.line(), "unexpected " + describe(t));
    }

    private Expr postfix(Expr node) {
        while (true) {
            Tok t = peek();
            if (t.isOp(".")) {
                next();
                Tok name = next();
                if (name.type() == Type.NAME) {
                    node = new Attr(t.line(), node, name.text());
                } else if (name.type() == Type.INT) {
                    node = new Item(t.line(), node, new Literal(t.line(), name.value()));
                } else {
                    throw new TemplateException(t.line(), "expected an attribute name after '.', got " + describe(name));
                }
            } else if (t.isOp("[")) {
                next();
                node = subscript(t.line(), node);
            } else if (t.isOp("(")) {
                next();
                node = call(t.line(), node);
            } else {
                return node;
            }
        }
    }

    private Expr subscript(int line, Expr target) {
        Expr start = null;
        if (!peek().isOp(":")) {
            start = expression();
            if (acceptOp("]")) {
                return new Item(line, target, start);
            }
        }
        expectOp(":");
        Expr stop = peek().isOp(":") || peek().isOp("]") ? null : expression();
        Expr step = null;
        if (acceptOp(":") && !peek().isOp("]")) {
            step = expression();
        }
        expectOp("]");
        return new Slice(line, target, start, stop, step);
    }

    private record Args(List<Expr> args, List<String> keywords, List<Expr> values) {}

    /** Arguments after '(' up to and including ')'. */
    private Args arguments() {
        List<Expr> args = new ArrayList<>();
        List<String> keywords = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        boolean first = true;
        while (!acceptOp(")")) {
            if (!first) {
                expectOp(",");
                if (acceptOp(")")) {
                    break;
                }
            }
            first = false;
            if (peek().type() == Type.NAME && peek(1).isOp("=")) {
                keywords.add(next().text());
                next();
                values.add(expression());
            } else {
                if (!keywords.isEmpty()) {
                    throw new TemplateException(peek().line(), "positional argument after keyword argument");
                }
                args.add(expression());
            }
        }
        return new Args(args, keywords, values);
    }

    private Expr call(int line, Expr function) {
        Args a = arguments();
        return new Call(line, function, a.args(), a.keywords(), a.values());
    }

    private Expr filters(Expr node) {
        while (true) {
            Tok t = peek();
            if (t.isOp("|")) {
                next();
                String name = expectName();
                while (acceptOp(".")) {
                    name = name + "." + expectName();
                }
                if (!Builtins.hasFilter(name)) {
                    throw new TemplateException(t.line(), "no filter named '" + name + "'");
                }
                Args a = peek().isOp("(") ? argumentsAfterParen() : new Args(List.of(), List.of(), List.of());
                node = new Filter(t.line(), node, name, a.args(), a.keywords(), a.values());
            } else if (t.isName("is")) {
                next();
                boolean negated = acceptName("not");
                String name = expectName();
                if (!Builtins.hasTest(name)) {
                    throw new TemplateException(t.line(), "no test named '" + name + "'");
                }
                List<Expr> args = new ArrayList<>();
                Tok n = peek();
                if (n.isOp("(")) {
                    args.addAll(argumentsAfterParen().args());
                } else if ((n.type() == Type.NAME || n.type() == Type.STRING || n.type() == Type.INT
                        || n.type() == Type.FLOAT || n.isOp("[") || n.isOp("{"))
                        && !n.isName("else") && !n.isName("or") && !n.isName("and") && !n.isName("if")) {
                    args.add(postfix(primary()));
                }
                node = new Test(t.line(), node, name, args, negated);
            } else {
                return node;
            }
        }
    }

    private Args argumentsAfterParen() {
        expectOp("(");
        return arguments();
    }
}
