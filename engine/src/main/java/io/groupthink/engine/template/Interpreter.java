package io.groupthink.engine.template;

import io.groupthink.engine.template.Node.*;
import io.groupthink.engine.template.Py.Callable;
import io.groupthink.engine.template.Py.Namespace;
import io.groupthink.engine.template.Py.Undefined;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Walks the parsed template. Bounded: a deadline, an output size and a macro call depth, checked as it goes, so a
 * hostile template ends with a {@link TemplateException} instead of hanging or exhausting memory.
 */
final class Interpreter {

    /** jinja2's sandbox refuses range() longer than this. */
    static final long MAX_RANGE = 100_000;

    private static final class Scope {
        final Scope parent;
        final Map<String, Object> vars = new HashMap<>();

        Scope(Scope parent) {
            this.parent = parent;
        }

        Object get(String name) {
            for (Scope s = this; s != null; s = s.parent) {
                if (s.vars.containsKey(name)) {
                    return s.vars.get(name);
                }
            }
            return new Undefined("'" + name + "' is undefined");
        }
    }

    private static final class BreakSignal extends RuntimeException {
        BreakSignal() {
            super(null, null, false, false);
        }
    }

    private static final class ContinueSignal extends RuntimeException {
        ContinueSignal() {
            super(null, null, false, false);
        }
    }

    private static final BreakSignal BREAK = new BreakSignal();
    private static final ContinueSignal CONTINUE = new ContinueSignal();

    private final JinjaTemplate.Limits limits;
    private final long deadline;
    private final Scope root;
    private StringBuilder out = new StringBuilder();
    private int depth;
    private int ticks;

    Interpreter(Map<String, Object> globals, JinjaTemplate.Limits limits) {
        this.limits = limits;
        this.deadline = System.nanoTime() + limits.timeout().toNanos();
        this.root = new Scope(null);
        root.vars.put("range", (Callable) this::range);
        root.vars.put("namespace", (Callable) (a, k) -> {
            Map<String, Object> attrs = new LinkedHashMap<>();
            if (!a.isEmpty() && a.get(0) instanceof Map<?, ?> m) {
                m.forEach((x, y) -> attrs.put(Py.str(x), y));
            }
            attrs.putAll(k);
            return new Namespace(attrs);
        });
        root.vars.put("dict", (Callable) Builtins::dict);
        root.vars.put("raise_exception", (Callable) (a, k) -> {
            throw new TemplateException(0, a.isEmpty() ? "" : Py.str(a.get(0)), true);
        });
        root.vars.putAll(globals);
    }

    boolean methodDisabled(String name) {
        return limits.withoutMethods().contains(name);
    }

    String render(List<Node> body) {
        try {
            run(body, root);
        } catch (BreakSignal | ContinueSignal e) {
            throw new TemplateException(0, "'break' or 'continue' outside a loop");
        } catch (StackOverflowError e) {
            throw new TemplateException(0, "template nests too deeply (stack exhausted)");
        }
        return out.toString();
    }

    // ---- bounds

    private void tick() {
        if ((++ticks & 1023) == 0 && System.nanoTime() > deadline) {
            throw new TemplateException(0, "template ran longer than " + limits.timeout().toMillis() + " ms");
        }
    }

    void checkOutput(long chars) {
        if (chars > limits.maxOutputChars()) {
            throw new TemplateException(0, "template output exceeds " + limits.maxOutputChars() + " characters");
        }
    }

    private void write(String s) {
        out.append(s);
        checkOutput(out.length());
    }

    // ---- statements

    private void run(List<Node> body, Scope scope) {
        for (Node n : body) {
            try {
                exec(n, scope);
            } catch (TemplateException e) {
                throw e.at(n.line());
            } catch (BreakSignal | ContinueSignal | StackOverflowError e) {
                throw e;
            } catch (RuntimeException e) { // a Python TypeError in effect: wrong operand types
                throw new TemplateException(n.line(), "unsupported operation: " + e);
            }
        }
    }

    private void exec(Node n, Scope scope) {
        tick();
        if (n instanceof Text t) {
            write(t.text());
        } else if (n instanceof Output o) {
            write(Py.str(eval(o.value(), scope)));
        } else if (n instanceof If f) {
            for (int i = 0; i < f.conditions().size(); i++) {
                if (Py.truthy(eval(f.conditions().get(i), scope))) {
                    run(f.bodies().get(i), scope);
                    return;
                }
            }
            run(f.orElse(), scope);
        } else if (n instanceof For f) {
            loop(f, scope);
        } else if (n instanceof Node.Set s) {
            set(s, scope);
        } else if (n instanceof Macro m) {
            scope.vars.put(m.name(), macro(m));
        } else if (n instanceof Break) {
            throw BREAK;
        } else if (n instanceof Continue) {
            throw CONTINUE;
        } else if (n instanceof Generation g) {
            run(g.body(), scope);
        } else {
            write(Py.str(eval((Expr) n, scope)));
        }
    }

    private void loop(For f, Scope scope) {
        List<Object> items = Py.iterate(eval(f.iterable(), scope));
        if (f.filter() != null) {
            List<Object> kept = new ArrayList<>();
            for (Object item : items) {
                Scope s = new Scope(scope);
                bind(f.targets(), item, s);
                if (Py.truthy(eval(f.filter(), s))) {
                    kept.add(item);
                }
            }
            items = kept;
        }
        if (items.isEmpty()) {
            run(f.orElse(), scope);
            return;
        }
        int n = items.size();
        for (int i = 0; i < n; i++) {
            tick();
            Scope s = new Scope(scope);
            bind(f.targets(), items.get(i), s);
            Map<Object, Object> loop = new LinkedHashMap<>();
            loop.put("index", (long) i + 1);
            loop.put("index0", (long) i);
            loop.put("revindex", (long) (n - i));
            loop.put("revindex0", (long) (n - i - 1));
            loop.put("first", i == 0);
            loop.put("last", i == n - 1);
            loop.put("length", (long) n);
            loop.put("depth", 1L);
            loop.put("depth0", 0L);
            if (i > 0) {
                loop.put("previtem", items.get(i - 1));
            }
            if (i < n - 1) {
                loop.put("nextitem", items.get(i + 1));
            }
            final int index = i;
            loop.put("cycle", (Callable) (a, k) -> a.isEmpty() ? new Undefined("no items for cycling given")
                    : a.get(index % a.size()));
            s.vars.put("loop", new LoopInfo(loop));
            try {
                run(f.body(), s);
            } catch (BreakSignal b) {
                break;
            } catch (ContinueSignal c) {
                // next item
            }
        }
    }

    /** The loop variable: attributes only, so a missing one (previtem on the first pass) is Undefined. */
    record LoopInfo(Map<Object, Object> attrs) {}

    private void bind(List<String> targets, Object value, Scope s) {
        if (targets.size() == 1) {
            s.vars.put(targets.get(0), value);
            return;
        }
        List<Object> parts = Py.iterate(value);
        if (parts.size() != targets.size()) {
            throw new TemplateException(0, (parts.size() < targets.size() ? "not enough" : "too many")
                    + " values to unpack (expected " + targets.size() + ", got " + parts.size() + ")");
        }
        for (int i = 0; i < targets.size(); i++) {
            s.vars.put(targets.get(i), parts.get(i));
        }
    }

    private void set(Node.Set s, Scope scope) {
        if (s.value() == null) {
            StringBuilder saved = out;
            out = new StringBuilder();
            try {
                run(s.body(), scope);
                scope.vars.put(s.targets().get(0), out.toString());
            } finally {
                out = saved;
            }
            return;
        }
        Object value = eval(s.value(), scope);
        if (s.attribute() != null) {
            Object target = scope.get(s.targets().get(0));
            if (!(target instanceof Namespace ns)) {
                throw new TemplateException(0, "cannot assign attribute on non-namespace object");
            }
            ns.attrs.put(s.attribute(), value);
            return;
        }
        bind(s.targets(), value, scope);
    }

    private Callable macro(Macro m) {
        return (args, kwargs) -> {
            if (args.size() > m.params().size()) {
                throw new TemplateException(m.line(), "macro '" + m.name() + "' takes not more than "
                        + m.params().size() + " argument(s)");
            }
            if (++depth > limits.maxCallDepth()) {
                depth--;
                throw new TemplateException(m.line(), "macro calls nest deeper than " + limits.maxCallDepth()
                        + " (endless recursion?)");
            }
            Scope s = new Scope(root);
            for (int i = 0; i < m.params().size(); i++) {
                String p = m.params().get(i);
                if (i < args.size()) {
                    s.vars.put(p, args.get(i));
                } else if (kwargs.containsKey(p)) {
                    s.vars.put(p, kwargs.get(p));
                } else if (m.defaults().get(i) != null) {
                    s.vars.put(p, eval(m.defaults().get(i), s));
                } else {
                    s.vars.put(p, new Undefined("parameter '" + p + "' was not provided"));
                }
            }
            StringBuilder saved = out;
            out = new StringBuilder();
            try {
                run(m.body(), s);
                return out.toString();
            } finally {
                out = saved;
                depth--;
            }
        };
    }

    // ---- expressions

    Object eval(Expr e, Scope scope) {
        tick();
        try {
            return evalInner(e, scope);
        } catch (TemplateException t) {
            throw t.at(e.line());
        }
    }

    private Object evalInner(Expr e, Scope scope) {
        if (e instanceof Literal l) {
            return l.value();
        }
        if (e instanceof Name n) {
            return scope.get(n.name());
        }
        if (e instanceof ListExpr l) {
            return evalAll(l.items(), scope);
        }
        if (e instanceof DictExpr d) {
            Map<Object, Object> out = new LinkedHashMap<>();
            for (int i = 0; i < d.keys().size(); i++) {
                out.put(eval(d.keys().get(i), scope), eval(d.values().get(i), scope));
            }
            return out;
        }
        if (e instanceof Attr a) {
            return getAttr(eval(a.target(), scope), a.name());
        }
        if (e instanceof Item it) {
            return getItem(eval(it.target(), scope), eval(it.key(), scope));
        }
        if (e instanceof Slice s) {
            Object target = eval(s.target(), scope);
            if (target instanceof Undefined u) {
                throw u.error();
            }
            return Py.slice(target, s.start() == null ? null : eval(s.start(), scope),
                    s.stop() == null ? null : eval(s.stop(), scope), s.step() == null ? null : eval(s.step(), scope));
        }
        if (e instanceof Call c) {
            return call(c, scope);
        }
        if (e instanceof Filter f) {
            Object v = eval(f.value(), scope);
            return Builtins.filter(f.name(), v, evalAll(f.args(), scope), kwargs(f.keywords(), f.keywordValues(), scope),
                    this);
        }
        if (e instanceof Test t) {
            Object v = eval(t.value(), scope);
            return Builtins.test(t.name(), v, evalAll(t.args(), scope), this) != t.negated();
        }
        if (e instanceof Unary u) {
            Object v = eval(u.operand(), scope);
            return switch (u.op()) {
                case "not" -> !Py.truthy(v);
                case "-" -> v instanceof Double d ? -d : (Object) Math.negateExact(number(v, "-"));
                default -> v instanceof Double ? v : (Object) number(v, "+");
            };
        }
        if (e instanceof Binary b) {
            if (b.op().equals("and")) {
                Object l = eval(b.left(), scope);
                return Py.truthy(l) ? eval(b.right(), scope) : l;
            }
            if (b.op().equals("or")) {
                Object l = eval(b.left(), scope);
                return Py.truthy(l) ? l : eval(b.right(), scope);
            }
            return binary(b.op(), eval(b.left(), scope), eval(b.right(), scope));
        }
        if (e instanceof Compare c) {
            Object left = eval(c.first(), scope);
            for (int i = 0; i < c.ops().size(); i++) {
                Object right = eval(c.rest().get(i), scope);
                if (!compare(c.ops().get(i), left, right)) {
                    return false;
                }
                left = right;
            }
            return true;
        }
        Conditional c = (Conditional) e;
        if (Py.truthy(eval(c.condition(), scope))) {
            return eval(c.then(), scope);
        }
        return c.orElse() == null ? new Undefined("the inline if-expression evaluated to false and no else section "
                + "was defined") : eval(c.orElse(), scope);
    }

    private List<Object> evalAll(List<Expr> exprs, Scope scope) {
        List<Object> out = new ArrayList<>(exprs.size());
        for (Expr x : exprs) {
            out.add(eval(x, scope));
        }
        return out;
    }

    private Map<String, Object> kwargs(List<String> names, List<Expr> values, Scope scope) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            out.put(names.get(i), eval(values.get(i), scope));
        }
        return out;
    }

    private Object call(Call c, Scope scope) {
        Object f = eval(c.function(), scope);
        if (f instanceof Undefined u) {
            throw u.error();
        }
        if (!(f instanceof Callable callable)) {
            throw new TemplateException(0, "'" + Py.typeName(f) + "' object is not callable");
        }
        return callable.call(evalAll(c.args(), scope), kwargs(c.keywords(), c.keywordValues(), scope));
    }

    /** jinja2's getattr: a method or attribute first, then the item of that name; missing is Undefined. */
    Object getAttr(Object obj, String name) {
        if (obj instanceof Undefined u) {
            throw u.error();
        }
        if (obj instanceof Namespace ns) {
            return ns.attrs.containsKey(name) ? ns.attrs.get(name)
                    : new Undefined("'Namespace' object has no attribute '" + name + "'");
        }
        if (obj instanceof LoopInfo loop) {
            return loop.attrs().containsKey(name) ? loop.attrs().get(name)
                    : new Undefined("'LoopContext' object has no attribute '" + name + "'");
        }
        Callable m = Builtins.method(obj, name, this);
        if (m != null) {
            return m;
        }
        if (obj instanceof Map<?, ?> map && map.containsKey(name)) {
            return map.get(name);
        }
        return new Undefined("'" + Py.typeName(obj) + " object' has no attribute '" + name + "'");
    }

    /** jinja2's getitem: the item first, then an attribute of that name. */
    Object getItem(Object obj, Object key) {
        if (obj instanceof Undefined u) {
            throw u.error();
        }
        if (obj instanceof Map<?, ?> map) {
            for (var e : map.entrySet()) {
                if (Py.eq(e.getKey(), key)) {
                    return e.getValue();
                }
            }
        } else if ((obj instanceof List || obj instanceof String) && (key instanceof Long || key instanceof Boolean)) {
            return Py.index(obj, Py.toLong(key));
        }
        if (key instanceof String s) {
            return getAttr(obj, s);
        }
        return new Undefined("'" + Py.typeName(obj) + " object' has no attribute " + Py.repr(key));
    }

    private long number(Object v, String op) {
        if (v instanceof Long || v instanceof Boolean) {
            return Py.toLong(v);
        }
        if (v instanceof Undefined u) {
            throw u.error();
        }
        throw new TemplateException(0, "bad operand type for unary " + op + ": '" + Py.typeName(v) + "'");
    }

    private TemplateException unsupported(String op, Object a, Object b) {
        if (a instanceof Undefined u) {
            return u.error();
        }
        if (b instanceof Undefined u) {
            return u.error();
        }
        return new TemplateException(0, "unsupported operand type(s) for " + op + ": '" + Py.typeName(a) + "' and '"
                + Py.typeName(b) + "'");
    }

    Object binary(String op, Object a, Object b) {
        if (op.equals("~")) {
            String s = Py.str(a) + Py.str(b);
            checkOutput(s.length());
            return s;
        }
        boolean numbers = Py.isNumber(a) && Py.isNumber(b);
        boolean floats = numbers && (a instanceof Double || b instanceof Double);
        switch (op) {
            case "+" -> {
                if (numbers) {
                    return floats ? (Object) (Py.toDouble(a) + Py.toDouble(b)) : Math.addExact(Py.toLong(a), Py.toLong(b));
                }
                if (a instanceof String x && b instanceof String y) {
                    checkOutput((long) x.length() + y.length());
                    return x + y;
                }
                if (a instanceof List<?> x && b instanceof List<?> y) {
                    checkOutput((long) x.size() + y.size());
                    List<Object> out = new ArrayList<>(x);
                    out.addAll(y);
                    return out;
                }
                if (a instanceof String && !(b instanceof Undefined)) {
                    throw new TemplateException(0, "can only concatenate str (not \"" + Py.typeName(b) + "\") to str");
                }
                throw unsupported(op, a, b);
            }
            case "-" -> {
                if (numbers) {
                    return floats ? (Object) (Py.toDouble(a) - Py.toDouble(b)) : Math.subtractExact(Py.toLong(a), Py.toLong(b));
                }
                throw unsupported(op, a, b);
            }
            case "*" -> {
                if (numbers) {
                    return floats ? (Object) (Py.toDouble(a) * Py.toDouble(b)) : Math.multiplyExact(Py.toLong(a), Py.toLong(b));
                }
                Object seq = a instanceof Long ? b : a;
                Object times = a instanceof Long ? a : b;
                if ((seq instanceof String || seq instanceof List) && times instanceof Long n) {
                    long count = Math.max(0, n);
                    checkOutput(Py.len(seq) * count);
                    if (seq instanceof String s) {
                        return s.repeat((int) count);
                    }
                    List<Object> out = new ArrayList<>();
                    for (long i = 0; i < count; i++) {
                        out.addAll((List<?>) seq);
                    }
                    return out;
                }
                throw unsupported(op, a, b);
            }
            case "/", "//", "%" -> {
                if (!numbers) {
                    throw unsupported(op, a, b);
                }
                if (Py.toDouble(b) == 0) {
                    throw new TemplateException(0, "division by zero");
                }
                if (op.equals("/")) {
                    return Py.toDouble(a) / Py.toDouble(b);
                }
                if (floats) {
                    double x = Py.toDouble(a);
                    double y = Py.toDouble(b);
                    double q = Math.floor(x / y);
                    return op.equals("//") ? (Object) q : x - q * y;
                }
                long x = Py.toLong(a);
                long y = Py.toLong(b);
                return op.equals("//") ? Math.floorDiv(x, y) : Math.floorMod(x, y);
            }
            case "**" -> {
                if (!numbers) {
                    throw unsupported(op, a, b);
                }
                double r = Math.pow(Py.toDouble(a), Py.toDouble(b));
                if (floats || Py.toLong(b) < 0) {
                    return r;
                }
                if (Math.abs(r) > 9.0e18) {
                    throw new TemplateException(0, "integer power too large");
                }
                long result = 1;
                for (long i = 0; i < Py.toLong(b); i++) {
                    result = Math.multiplyExact(result, Py.toLong(a));
                }
                return result;
            }
            default -> throw new TemplateException(0, "unknown operator " + op);
        }
    }

    private boolean compare(String op, Object a, Object b) {
        return switch (op) {
            case "==" -> Py.eq(a, b);
            case "!=" -> !Py.eq(a, b);
            case "in" -> Py.contains(b, a);
            case "not in" -> !Py.contains(b, a);
            case "<" -> Py.compare(a, b, op) < 0;
            case ">" -> Py.compare(a, b, op) > 0;
            case "<=" -> Py.compare(a, b, op) <= 0;
            default -> Py.compare(a, b, op) >= 0;
        };
    }

    private Object range(List<Object> a, Map<String, Object> k) {
        long start = 0;
        long stop;
        long step = 1;
        if (a.size() == 1) {
            stop = number(a.get(0), "range");
        } else if (a.size() >= 2) {
            start = number(a.get(0), "range");
            stop = number(a.get(1), "range");
            if (a.size() > 2) {
                step = number(a.get(2), "range");
            }
        } else {
            throw new TemplateException(0, "range expected at least 1 argument, got 0");
        }
        if (step == 0) {
            throw new TemplateException(0, "range() arg 3 must not be zero");
        }
        long count = step > 0 ? Math.max(0, (stop - start + step - 1) / step) : Math.max(0, (start - stop - step - 1) / -step);
        if (count > MAX_RANGE) {
            throw new TemplateException(0, "Range too big. The sandbox blocks ranges larger than MAX_RANGE ("
                    + MAX_RANGE + ").");
        }
        List<Object> out = new ArrayList<>((int) count);
        for (long i = 0; i < count; i++) {
            out.add(start + i * step);
        }
        return out;
    }
}
