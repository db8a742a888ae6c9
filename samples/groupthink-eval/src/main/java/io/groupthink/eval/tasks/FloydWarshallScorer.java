package io.groupthink.eval.tasks;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Coverage of all-pairs shortest distances: the fraction of the {@code n(n-1)} ordered pairs of
 * different nodes whose distance the joint output states correctly (the diagonal is not scored).
 *
 * <p>Asked-for format: {@code d(A,B) = 7}, one per line. Also read, anywhere in a line:
 * <ul>
 *   <li>prefix {@code d}, {@code D}, {@code dist} or {@code distance}, or none;</li>
 *   <li>the pair as {@code (A,B)}, {@code (A, B)}, {@code [A][B]}, {@code A->B}, {@code A → B},
 *       {@code A-B} or {@code A to B};</li>
 *   <li>then {@code =}, {@code :} or {@code is}, then an integer ({@code 7.0} is 7), or
 *       {@code inf}/{@code ∞} (stated as unreachable, which is always wrong here);</li>
 *   <li>the number must end the statement: end of line, {@code , ; | ) ]}, a full stop, or a word
 *       after a space. So {@code d(A,B) = 3 + 4 = 7} and {@code A->B->C = 6} state nothing.</li>
 *   <li>matrix rows: a node label, then exactly one cell per node ({@code A: 0 3 5 2 8},
 *       {@code | A | 0 | 3 | ... |}), columns in node order; cells are integers, {@code inf},
 *       {@code ∞} or {@code -}. A row with the wrong number of cells, or any unreadable cell, is
 *       malformed and states nothing.</li>
 * </ul>
 * A leading bullet or number ("- ", "* ", "1. ", "2) ") is ignored. Node labels are upper case.
 * Lines that match none of this count as nothing.
 *
 * <p>Resolution: within one thinker the <em>last</em> statement of a pair is its answer (later
 * iterations of the algorithm overwrite earlier ones). A pair is correct when at least one thinker
 * states it and every thinker that states it gives the true distance: contradictory answers across
 * thinkers are not credited.
 */
public final class FloydWarshallScorer implements Scorer {

    private static final int UNREACHABLE = -1;
    private static final Pattern BULLET = Pattern.compile("^\\s*(?:[-*•+]|\\d{1,3}[.)])\\s+");

    private final int[][] truth;
    private final int n;
    private final Pattern pair;
    private final Pattern row;

    public FloydWarshallScorer(int[][] truth) {
        this.truth = truth;
        this.n = truth.length;
        String node = "([A-" + Graph.label(n - 1) + "])";
        String value = "(-?\\d+(?:\\.\\d+)?|(?i:inf(?:inity)?)|∞)";
        this.pair = Pattern.compile("(?<![A-Za-z0-9])(?<![>→-]\\s{0,3})"
                + "(?:(?:[dD]|[dD]ist(?:ance)?)\\s*)?"
                + "(?:\\(\\s*" + node + "\\s*(?:,|->|→|-|to)\\s*" + node + "\\s*\\)"
                + "|\\[\\s*" + node + "\\s*]\\s*\\[\\s*" + node + "\\s*]"
                + "|" + node + "\\s*(?:->|→|-|\\s+to\\s+)\\s*" + node + ")"
                + "\\s*(?:=|:|\\bis\\b)\\s*" + value
                + "(?=\\s*$|\\s*[,;|)\\]]|\\.(?!\\d)|\\s+[A-Za-z(])");
        String cell = "(?:\\d+(?:\\.0+)?|(?i:inf)|∞|-)";
        this.row = Pattern.compile("^\\s*\\|?\\s*(?:\\*\\*)?" + node + "(?:\\*\\*)?\\s*[:|]?\\s*(" + cell
                + "(?:[|,\\s]+" + cell + ")*)[|\\s]*$");
    }

    @Override
    public double score(List<String> lanes) {
        int pairs = n * (n - 1);
        if (pairs == 0) {
            return 0;
        }
        List<Map<Integer, Integer>> answers = new ArrayList<>();
        for (String lane : lanes) {
            answers.add(lane == null ? Map.of() : statements(lane));
        }
        int correct = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (i == j) {
                    continue;
                }
                int key = i * n + j;
                boolean stated = false;
                boolean allRight = true;
                for (Map<Integer, Integer> a : answers) {
                    Integer v = a.get(key);
                    if (v != null) {
                        stated = true;
                        allRight &= v == truth[i][j];
                    }
                }
                if (stated && allRight) {
                    correct++;
                }
            }
        }
        return (double) correct / pairs;
    }

    /** One thinker's answers: pair key (i * n + j) to its last stated distance (-1 unreachable). */
    public Map<Integer, Integer> statements(String text) {
        Map<Integer, Integer> out = new HashMap<>();
        for (String raw : text.split("\\R")) {
            String line = BULLET.matcher(raw).replaceFirst("");
            Matcher r = row.matcher(line);
            if (r.matches()) {
                readRow(r, out);
                continue;
            }
            Matcher m = pair.matcher(line);
            while (m.find()) {
                int from = -1;
                int to = -1;
                for (int g = 1; g <= 6; g += 2) {
                    if (m.group(g) != null) {
                        from = m.group(g).charAt(0) - 'A';
                        to = m.group(g + 1).charAt(0) - 'A';
                    }
                }
                Integer v = value(m.group(7));
                if (from >= 0 && to >= 0 && from != to && v != null) {
                    out.put(from * n + to, v);
                }
            }
        }
        return out;
    }

    private void readRow(Matcher r, Map<Integer, Integer> out) {
        int from = r.group(1).charAt(0) - 'A';
        String[] cells = r.group(2).trim().split("[|,\\s]+");
        List<Integer> values = new ArrayList<>();
        for (String c : cells) {
            if (c.isEmpty()) {
                continue;
            }
            Integer v = c.equals("-") ? Integer.valueOf(UNREACHABLE) : value(c);
            if (v == null) {
                return; // an unreadable cell: the whole row is malformed
            }
            values.add(v);
        }
        if (values.size() != n) {
            return;
        }
        for (int to = 0; to < n; to++) {
            if (to != from) {
                out.put(from * n + to, values.get(to));
            }
        }
    }

    /** An integer (7 or 7.0), or -1 for unreachable; null when not a whole number. */
    private static Integer value(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        if (v.startsWith("inf") || v.equals("∞")) {
            return UNREACHABLE;
        }
        try {
            double d = Double.parseDouble(v);
            if (d != Math.rint(d) || d < 0 || d > Integer.MAX_VALUE) {
                return null;
            }
            return (int) d;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
