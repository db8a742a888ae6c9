package io.groupthink.eval.tasks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A built-in validity list for the enumeration task: every accepted spelling mapped to one
 * canonical item, so aliases ("aubergine", "eggplant") count once.
 */
public final class Category {

    /** The built-in categories, in the order seeds pick them. */
    public static final List<String> BUILT_IN = List.of("fruits", "countries", "animals", "colours", "vegetables");

    private static final Map<String, Category> CACHE = new HashMap<>();
    private static final Pattern MARKS = Pattern.compile("\\p{M}+");
    private static final Pattern NON_WORD = Pattern.compile("[^a-z0-9]+");
    private static final Pattern ARTICLE = Pattern.compile("^(?:the|a|an) ");
    private static final Map<String, String> IRREGULAR = Map.of("mice", "mouse", "geese", "goose", "oxen", "ox",
            "lice", "louse", "teeth", "tooth", "feet", "foot", "people", "person", "children", "child");

    private final String name;
    private final Map<String, String> canonical; // normalised spelling -> canonical item
    private final Set<String> items;

    private Category(String name, Map<String, String> canonical, Set<String> items) {
        this.name = name;
        this.canonical = canonical;
        this.items = items;
    }

    /** A built-in category by name (fruits, countries, animals, colours, vegetables). */
    public static synchronized Category builtIn(String name) {
        if (!BUILT_IN.contains(name)) {
            throw new IllegalArgumentException("unknown category '" + name + "'; built in: " + BUILT_IN);
        }
        return CACHE.computeIfAbsent(name, n -> {
            try (InputStream in = Category.class.getResourceAsStream(n + ".txt")) {
                if (in == null) {
                    throw new IllegalStateException("resource " + n + ".txt is missing");
                }
                return parse(n, new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** A category from text: one item a line, aliases after '|', '#' comments. */
    public static Category parse(String name, String text) {
        Map<String, String> canonical = new HashMap<>();
        Set<String> items = new LinkedHashSet<>();
        try (BufferedReader r = new BufferedReader(new java.io.StringReader(text))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] spellings = line.split("\\|");
                String item = normalise(spellings[0]);
                items.add(item);
                for (String s : spellings) {
                    canonical.putIfAbsent(normalise(s), item);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Category(name, Map.copyOf(canonical), Set.copyOf(items));
    }

    public String name() {
        return name;
    }

    public Set<String> items() {
        return items;
    }

    /**
     * Lower case, accents dropped, every run of non-alphanumerics made one space, trimmed, a
     * leading article (the, a, an) dropped.
     */
    public static String normalise(String s) {
        String t = Normalizer.normalize(s, Normalizer.Form.NFD);
        t = MARKS.matcher(t).replaceAll("");
        t = NON_WORD.matcher(t.toLowerCase(Locale.ROOT)).replaceAll(" ").trim();
        return ARTICLE.matcher(t).replaceFirst("");
    }

    /**
     * The canonical item a normalised spelling names, trying simple plural forms (-s, -es, -ies,
     * -ves, a few irregulars) when the spelling itself is not listed; null if none.
     */
    public String lookup(String normalised) {
        if (normalised.isEmpty()) {
            return null;
        }
        String hit = canonical.get(normalised);
        if (hit != null) {
            return hit;
        }
        int space = normalised.lastIndexOf(' ');
        String head = normalised.substring(0, space + 1);
        String last = normalised.substring(space + 1);
        String irregular = IRREGULAR.get(last);
        if (irregular != null && (hit = canonical.get(head + irregular)) != null) {
            return hit;
        }
        for (String singular : singulars(last)) {
            hit = canonical.get(head + singular);
            if (hit != null) {
                return hit;
            }
        }
        return null;
    }

    private static List<String> singulars(String w) {
        if (w.length() < 3) {
            return List.of();
        }
        List<String> out = new java.util.ArrayList<>();
        if (w.endsWith("ies")) {
            out.add(w.substring(0, w.length() - 3) + "y");
        }
        if (w.endsWith("ves")) {
            out.add(w.substring(0, w.length() - 3) + "f");
            out.add(w.substring(0, w.length() - 3) + "fe");
        }
        if (w.endsWith("es")) {
            out.add(w.substring(0, w.length() - 2));
        }
        if (w.endsWith("s") && !w.endsWith("ss")) {
            out.add(w.substring(0, w.length() - 1));
        }
        return out;
    }
}
