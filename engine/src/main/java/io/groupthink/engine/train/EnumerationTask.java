package io.groupthink.engine.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The task the shipped model is trained on: "List all fruits." The answer is the category's
 * items, one word each, written {@code apple,} so that text splits at commas. Every category has
 * {@link #ITEMS} items; coverage is distinct items named / {@link #ITEMS}.
 */
public final class EnumerationTask {

    public static final int ITEMS = 12;

    /** Category name to its items, in a fixed order (the order carries no meaning for the model). */
    public static final Map<String, List<String>> CATEGORIES = categories();

    private EnumerationTask() {}

    private static Map<String, List<String>> categories() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put("fruits", List.of("apple", "banana", "cherry", "grape", "lemon", "mango", "melon", "orange", "peach",
                "pear", "plum", "kiwi"));
        m.put("animals", List.of("cat", "dog", "horse", "cow", "sheep", "goat", "pig", "lion", "tiger", "bear",
                "wolf", "fox"));
        m.put("colours", List.of("red", "yellow", "green", "blue", "purple", "pink", "brown", "black", "white",
                "grey", "gold", "silver"));
        m.put("vegetables", List.of("carrot", "potato", "onion", "garlic", "cabbage", "broccoli", "celery",
                "spinach", "lettuce", "cucumber", "radish", "leek"));
        return java.util.Collections.unmodifiableMap(m);
    }

    public static List<String> categoryNames() {
        return List.copyOf(CATEGORIES.keySet());
    }

    /** The question for a category, as the model was trained on it. */
    public static String question(String category) {
        items(category);
        return "List all " + category + ".";
    }

    /** The category a question asks for, or null if it is not one of the trained questions. */
    public static String categoryOf(String question) {
        for (String c : CATEGORIES.keySet()) {
            if (question(c).equals(question == null ? null : question.trim())) {
                return c;
            }
        }
        return null;
    }

    public static List<String> items(String category) {
        List<String> items = CATEGORIES.get(category);
        if (items == null) {
            throw new IllegalArgumentException("unknown category '" + category + "'; trained on "
                    + CATEGORIES.keySet());
        }
        return items;
    }

    /** The token an item is written as. */
    public static String word(String item) {
        return item + ",";
    }

    /** Distinct items of {@code category} named in {@code text}, in order of first mention. */
    public static List<String> named(String category, String text) {
        List<String> items = items(category);
        List<String> out = new ArrayList<>();
        for (String part : text.toLowerCase(Locale.ROOT).split("[,\\s]+")) {
            if (items.contains(part) && !out.contains(part)) {
                out.add(part);
            }
        }
        return out;
    }

    /** Distinct items named across all thinkers' texts, as a share of {@link #ITEMS}. */
    public static double coverage(String category, List<String> texts) {
        java.util.Set<String> all = new java.util.HashSet<>();
        for (String t : texts) {
            all.addAll(named(category, t));
        }
        return all.size() / (double) ITEMS;
    }
}
