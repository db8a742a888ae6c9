package io.groupthink.engine.template;

import java.util.List;

/** The parsed template: statements that write output, and the expressions they evaluate. Every node knows its line. */
sealed interface Node {

    int line();

    // ---- statements

    record Text(int line, String text) implements Node {}

    record Output(int line, Expr value) implements Node {}

    record If(int line, List<Expr> conditions, List<List<Node>> bodies, List<Node> orElse) implements Node {}

    record For(int line, List<String> targets, Expr iterable, Expr filter, List<Node> body, List<Node> orElse)
            implements Node {}

    /** {@code set a = x}, {@code set a, b = x}, {@code set ns.attr = x}, or a block set when value is null. */
    record Set(int line, List<String> targets, String attribute, Expr value, List<Node> body) implements Node {}

    record Macro(int line, String name, List<String> params, List<Expr> defaults, List<Node> body) implements Node {}

    record Break(int line) implements Node {}

    record Continue(int line) implements Node {}

    /** transformers' {@code {% generation %}} marks assistant text for masks; for rendering it is its body. */
    record Generation(int line, List<Node> body) implements Node {}

    // ---- expressions

    sealed interface Expr extends Node {}

    record Literal(int line, Object value) implements Expr {}

    record Name(int line, String name) implements Expr {}

    record ListExpr(int line, List<Expr> items) implements Expr {}

    record DictExpr(int line, List<Expr> keys, List<Expr> values) implements Expr {}

    record Attr(int line, Expr target, String name) implements Expr {}

    record Item(int line, Expr target, Expr key) implements Expr {}

    record Slice(int line, Expr target, Expr start, Expr stop, Expr step) implements Expr {}

    record Call(int line, Expr function, List<Expr> args, List<String> keywords, List<Expr> keywordValues)
            implements Expr {}

    record Filter(int line, Expr value, String name, List<Expr> args, List<String> keywords,
            List<Expr> keywordValues) implements Expr {}

    record Test(int line, Expr value, String name, List<Expr> args, boolean negated) implements Expr {}

    record Unary(int line, String op, Expr operand) implements Expr {}

    record Binary(int line, String op, Expr left, Expr right) implements Expr {}

    /** a < b < c: Python's chained comparison. */
    record Compare(int line, Expr first, List<String> ops, List<Expr> rest) implements Expr {}

    record Conditional(int line, Expr condition, Expr then, Expr orElse) implements Expr {}
}
