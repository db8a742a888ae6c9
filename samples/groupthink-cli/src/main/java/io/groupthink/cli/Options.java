package io.groupthink.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A parsed command line: {@code --name value}, {@code --name=value}, flags and repeatable options.
 * Every problem is a {@link UsageException} whose message names the option.
 */
final class Options {

    enum Kind { FLAG, VALUE, MULTI, POSITIONAL }

    /** One option a command accepts. */
    record Spec(String name, Kind kind, String metavar, String help) {

        static Spec flag(String name, String help) {
            return new Spec(name, Kind.FLAG, null, help);
        }

        static Spec value(String name, String metavar, String help) {
            return new Spec(name, Kind.VALUE, metavar, help);
        }

        static Spec multi(String name, String metavar, String help) {
            return new Spec(name, Kind.MULTI, metavar, help);
        }

        /** Arguments without a leading --, e.g. a model id. */
        static Spec positional(String metavar, String help) {
            return new Spec(metavar, Kind.POSITIONAL, null, help);
        }
    }

    private static final String POSITIONAL = "";

    static boolean acceptsPositional(List<Spec> specs) {
        return specs.stream().anyMatch(s -> s.kind() == Kind.POSITIONAL);
    }

    private final String command;
    private final Map<String, List<String>> values;

    private Options(String command, Map<String, List<String>> values) {
        this.command = command;
        this.values = values;
    }

    /** Parses {@code args} against {@code specs}; {@code --help} and {@code -h} are always accepted. */
    static Options parse(String command, List<Spec> specs, String[] args) {
        Map<String, Spec> byName = new LinkedHashMap<>();
        specs.forEach(s -> byName.put(s.name(), s));
        Map<String, List<String>> values = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                values.put("--help", List.of("true"));
                continue;
            }
            if (!arg.startsWith("--") && acceptsPositional(specs)) {
                values.computeIfAbsent(POSITIONAL, k -> new ArrayList<>()).add(arg);
                continue;
            }
            if (!arg.startsWith("--")) {
                throw new UsageException("unexpected argument '" + arg + "' (options start with --; see "
                        + GroupThinkCli.NAME + " " + command + " --help)");
            }
            String name = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            Spec spec = byName.get(name);
            if (spec == null) {
                throw new UsageException("unknown option " + name + " for '" + command + "' (see "
                        + GroupThinkCli.NAME + " " + command + " --help)");
            }
            if (spec.kind() == Kind.FLAG) {
                if (value != null) {
                    throw new UsageException(name + " is a flag and takes no value");
                }
                value = "true";
            } else if (value == null) {
                if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
                    throw new UsageException(name + " needs a value (" + spec.metavar() + ")");
                }
                value = args[++i];
            }
            List<String> list = values.computeIfAbsent(name, k -> new ArrayList<>());
            if (spec.kind() != Kind.MULTI && !list.isEmpty()) {
                throw new UsageException(name + " is given more than once");
            }
            list.add(value);
        }
        return new Options(command, values);
    }

    String command() {
        return command;
    }

    List<String> positional() {
        return values.getOrDefault(POSITIONAL, List.of());
    }

    boolean help() {
        return values.containsKey("--help");
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    boolean flag(String name) {
        return values.containsKey(name);
    }

    String string(String name, String defaultValue) {
        List<String> v = values.get(name);
        return v == null ? defaultValue : v.get(0);
    }

    String required(String name) {
        String v = string(name, null);
        if (v == null) {
            throw new UsageException("missing required option " + name + " (see " + GroupThinkCli.NAME + " "
                    + command + " --help)");
        }
        return v;
    }

    List<String> all(String name) {
        return values.getOrDefault(name, List.of());
    }

    int intValue(String name, int defaultValue, int min, int max) {
        String v = string(name, null);
        return v == null ? defaultValue : parseInt(name, v, min, max);
    }

    long longValue(String name, long defaultValue) {
        String v = string(name, null);
        if (v == null) {
            return defaultValue;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(name + ": expected an integer, got '" + v + "'");
        }
    }

    /** A number in [min, max] ({@code minExclusive} makes the lower bound open). */
    double doubleValue(String name, double defaultValue, double min, boolean minExclusive, double max) {
        String v = string(name, null);
        if (v == null) {
            return defaultValue;
        }
        double d;
        try {
            d = Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            d = Double.NaN;
        }
        boolean ok = !Double.isNaN(d) && (minExclusive ? d > min : d >= min) && d <= max;
        if (!ok) {
            String range = (minExclusive ? "(" : "[") + fmt(min) + ", " + fmt(max) + "]";
            if (max == Double.POSITIVE_INFINITY) {
                range = (minExclusive ? "> " : ">= ") + fmt(min);
            }
            throw new UsageException(name + ": expected a number " + (range.startsWith("(") || range.startsWith("[")
                    ? "in " : "") + range + ", got '" + v + "'");
        }
        return d;
    }

    /** A comma-separated list such as {@code 1,2,4,8}. */
    List<Integer> intList(String name, List<Integer> defaultValue, int min, int max) {
        String v = string(name, null);
        if (v == null) {
            return defaultValue;
        }
        List<Integer> out = new ArrayList<>();
        for (String part : v.split(",", -1)) {
            if (part.isBlank()) {
                throw new UsageException(name + ": expected a comma-separated list of integers, got '" + v + "'");
            }
            int n = parseInt(name, part, min, max);
            if (out.contains(n)) {
                throw new UsageException(name + ": " + n + " is listed twice in '" + v + "'");
            }
            out.add(n);
        }
        return out;
    }

    /** One of {@code choices} (case-insensitive), returned in lower case. */
    String choice(String name, String defaultValue, List<String> choices) {
        String v = string(name, null);
        if (v == null) {
            return defaultValue;
        }
        String lower = v.trim().toLowerCase(Locale.ROOT);
        if (!choices.contains(lower)) {
            throw new UsageException(name + ": expected one of " + String.join(", ", choices) + ", got '" + v + "'");
        }
        return lower;
    }

    private static int parseInt(String name, String v, int min, int max) {
        int n;
        try {
            n = Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(name + ": expected an integer" + bounds(min, max) + ", got '" + v + "'");
        }
        if (n < min || n > max) {
            throw new UsageException(name + ": expected an integer" + bounds(min, max) + ", got " + n);
        }
        return n;
    }

    private static String bounds(int min, int max) {
        if (max == Integer.MAX_VALUE) {
            return " >= " + min;
        }
        return " between " + min + " and " + max;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
