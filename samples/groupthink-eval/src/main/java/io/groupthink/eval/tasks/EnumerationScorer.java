package io.groupthink.eval.tasks;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Coverage of "list L distinct items of a category": {@code min(1, distinct valid items / L)}
 * over every thinker's text together.
 *
 * <p>Reading rules, in order:
 * <ol>
 *   <li>the text is cut into segments at line breaks, commas, semicolons, tabs, pipes and inline
 *       numbering ("1. a 2. b");</li>
 *   <li>a segment loses its bullet or numbering ("-", "*", "•", "1.", "2)", "(3)", "#4"),
 *       parenthesised remarks and markdown emphasis;</li>
 *   <li>the segment is normalised ({@link Category#normalise}: case, accents, punctuation,
 *       whitespace, a leading article) and looked up with simple plural folding
 *       ({@link Category#lookup});</li>
 *   <li>when the whole segment is not an item, its parts between ":", " - ", "–", "—", "/",
 *       " and ", " & " and " or " are looked up one by one (so "Here are some: apple" and
 *       "black and white" count, while "Trinidad and Tobago" stays one country);</li>
 *   <li>aliases and repeats are one item; items split across thinkers are counted once.</li>
 * </ol>
 * Sentences that merely mention an item ("I like apples a lot") count nothing: only exact
 * (normalised) segments and parts do. A step's prefix is scored as it stands, so a word cut
 * mid-way counts if it is itself an item ("Niger" on its way to "Nigeria").
 */
public final class EnumerationScorer implements Scorer {

    private static final Pattern SEGMENTS = Pattern.compile("[\\n\\r,;\\t|]+|\\s+(?=\\d{1,3}[.)]\\s)");
    private static final Pattern BULLET = Pattern.compile(
            "^\\s*(?:[-*•·+>]+|\\(?\\d{1,3}[.):\\]]|\\d{1,3}\\s+-|#\\d{1,3}[.:]?)\\s*");
    private static final Pattern REMARK = Pattern.compile("\\([^)]*\\)?|\\[[^]]*]?");
    private static final Pattern EMPHASIS = Pattern.compile("[*_`\"“”]+");
    private static final Pattern PARTS = Pattern.compile(":|\\s[-–—]\\s|[–—/]|\\s(?:and|or|&)\\s",
            Pattern.CASE_INSENSITIVE);

    private final Category category;
    private final int target;

    public EnumerationScorer(Category category, int target) {
        if (target <= 0) {
            throw new IllegalArgumentException("target count L must be positive, got " + target);
        }
        this.category = category;
        this.target = target;
    }

    @Override
    public double score(List<String> lanes) {
        return Math.min(1.0, (double) items(lanes).size() / target);
    }

    /** The distinct canonical items the joint output names. */
    public Set<String> items(List<String> lanes) {
        Set<String> found = new LinkedHashSet<>();
        for (String lane : lanes) {
            if (lane == null) {
                continue;
            }
            for (String segment : SEGMENTS.split(lane)) {
                String s = segment;
                String before;
                do { // "1. - apple": strip every layer of bullets
                    before = s;
                    s = BULLET.matcher(s).replaceFirst("");
                } while (!s.equals(before));
                s = EMPHASIS.matcher(REMARK.matcher(s).replaceAll(" ")).replaceAll("");
                String whole = category.lookup(Category.normalise(s));
                if (whole != null) {
                    found.add(whole);
                    continue;
                }
                for (String part : PARTS.split(s)) {
                    String hit = category.lookup(Category.normalise(BULLET.matcher(part).replaceFirst("")));
                    if (hit != null) {
                        found.add(hit);
                    }
                }
            }
        }
        return found;
    }
}
