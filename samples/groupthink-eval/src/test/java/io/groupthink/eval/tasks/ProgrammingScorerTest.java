package io.groupthink.eval.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.groupthink.eval.sandbox.JavaSandbox;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProgrammingScorerTest {

    private static final Duration LIMIT = Duration.ofMillis(800);
    private final ProgrammingSpec specA = ProgrammingSpec.BUILT_IN.get(0);
    private final ProgrammingScorer scorer = new ProgrammingScorer(specA, new JavaSandbox(LIMIT));

    private static final String GCD = """
            public static int gcd(int a, int b) {
                return b == 0 ? a : gcd(b, a % b);
            }
            """;
    private static final String PALINDROME = """
            static boolean isPalindrome(String s) {
                String close = "}"; // a brace in a string does not end the method
                return new StringBuilder(s).reverse().toString().equals(s);
            }
            """;
    private static final String REVERSE = """
            public static int[] reverse(int[] a) {
                int[] r = new int[a.length];
                for (int i = 0; i < a.length; i++) { r[i] = a[a.length - 1 - i]; }
                return r;
            }
            """;
    private static final String FIB = """
            static long fib(int n) {
                long a = 0, b = 1;
                for (int i = 0; i < n; i++) { long t = a + b; a = b; b = t; }
                return a;
            }
            """;

    @Test
    void allFourCorrectInFencedMarkdownScoresOne() {
        String text = "Here is my solution:\n```java\n" + GCD + PALINDROME + REVERSE + FIB + "```\nDone.";
        assertThat(scorer.score(List.of(text))).isEqualTo(1.0);
    }

    @Test
    void componentsSplitAcrossThinkersAreUnited() {
        assertThat(scorer.score(List.of(GCD + "I will also do fib.", FIB, "Thinker 3 writes reverse:\n" + REVERSE)))
                .isCloseTo(0.75, within(1e-9));
    }

    @Test
    void codeThatDoesNotCompileCountsZeroForItsComponentOnly() {
        String broken = "static long fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2) }\n"; // missing ;
        assertThat(scorer.outcomes("fib", List.of(broken))).extracting(JavaSandbox.Outcome::status)
                .containsExactly(JavaSandbox.Status.COMPILE_ERROR);
        assertThat(scorer.score(List.of(GCD + broken))).isCloseTo(0.25, within(1e-9));
        String typeError = "static boolean isPalindrome(String s) { return s.length(); }";
        assertThat(scorer.score(List.of(typeError))).isZero();
    }

    @Test
    void wrongAnswersFailTheirChecks() {
        String wrong = "static int gcd(int a, int b) { return a * b; }";
        assertThat(scorer.outcomes("gcd", List.of(wrong))).extracting(JavaSandbox.Outcome::status)
                .containsExactly(JavaSandbox.Status.FAILED);
        assertThat(scorer.score(List.of(wrong))).isZero();
    }

    @Test
    void aLaterCorrectCandidateStillCounts() {
        String wrong = "static int gcd(int a, int b) { return 1; }\n";
        assertThat(scorer.score(List.of(wrong, GCD))).isCloseTo(0.25, within(1e-9));
        assertThat(scorer.score(List.of(wrong + "Oops, fixed:\n" + GCD))).isCloseTo(0.25, within(1e-9));
    }

    @Test
    void codeThatLoopsForeverIsKilledAndFails() {
        String loop = "static long fib(int n) { long x = 0; while (true) { x++; } }\n";
        long t0 = System.nanoTime();
        assertThat(scorer.outcomes("fib", List.of(loop))).extracting(JavaSandbox.Outcome::status)
                .containsExactly(JavaSandbox.Status.TIMEOUT);
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(LIMIT.toMillis() + 5000);
        assertThat(scorer.score(List.of(GCD + loop))).isCloseTo(0.25, within(1e-9));
    }

    @Test
    void codeThatTouchesFilesIsRefused() {
        String files = """
                static int gcd(int a, int b) {
                    try { java.nio.file.Files.writeString(java.nio.file.Path.of("gcd.txt"), "x"); }
                    catch (java.io.IOException e) { }
                    return b == 0 ? a : gcd(b, a % b);
                }
                """;
        assertThat(scorer.outcomes("gcd", List.of(files))).extracting(JavaSandbox.Outcome::status)
                .containsExactly(JavaSandbox.Status.REFUSED);
        assertThat(scorer.score(List.of(files))).isZero();
        assertThat(java.nio.file.Files.exists(java.nio.file.Path.of("gcd.txt"))).isFalse();
    }

    @Test
    void codeThatTouchesTheNetworkIsRefused() {
        String net = """
                static boolean isPalindrome(String s) {
                    try { new java.net.URL("http://example.com/" + s).openStream().close(); }
                    catch (Exception e) { }
                    return new StringBuilder(s).reverse().toString().equals(s);
                }
                """;
        assertThat(scorer.outcomes("isPalindrome", List.of(net))).extracting(JavaSandbox.Outcome::status)
                .containsExactly(JavaSandbox.Status.REFUSED);
        assertThat(scorer.score(List.of(net))).isZero();
    }

    @Test
    void helperMethodsOfTheSameThinkerAreCompiledAlong() {
        String withHelper = """
                static int[] reverse(int[] a) { int[] r = a.clone(); flip(r); return r; }
                private static void flip(int[] r) {
                    for (int i = 0, j = r.length - 1; i < j; i++, j--) { int t = r[i]; r[i] = r[j]; r[j] = t; }
                }
                """;
        assertThat(scorer.score(List.of(withHelper))).isCloseTo(0.25, within(1e-9));
    }

    @Test
    void unfinishedMethodsAndCallsAreNotCandidates() {
        assertThat(scorer.outcomes("gcd", List.of("static int gcd(int a, int b) {\n  return b == 0 ? a : gcd("))).isEmpty();
        assertThat(scorer.outcomes("gcd", List.of("int x = gcd(4, 6);\nreturn gcd(b, a % b);"))).isEmpty();
        assertThat(scorer.score(List.of(""))).isZero();
    }

    @Test
    void everySpecsReferenceSolutionPasses() {
        String b = """
                static int sumOfDigits(int n) { int s = 0; while (n > 0) { s += n % 10; n /= 10; } return s; }
                static int countVowels(String s) { int c = 0; for (char ch : s.toLowerCase().toCharArray()) if ("aeiou".indexOf(ch) >= 0) c++; return c; }
                static int max(int[] a) { return Arrays.stream(a).max().getAsInt(); }
                static boolean isPrime(int n) { if (n < 2) return false; for (long d = 2; d * d <= n; d++) if (n % d == 0) return false; return true; }
                """;
        String c = """
                static String reverseWords(String s) { List<String> w = new ArrayList<>(List.of(s.split(" "))); Collections.reverse(w); return String.join(" ", w); }
                static long factorial(int n) { long f = 1; for (int i = 2; i <= n; i++) f *= i; return f; }
                static int[] evens(int[] a) { return IntStream.of(a).filter(x -> x % 2 == 0).toArray(); }
                static String capitalize(String s) { return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1); }
                """;
        JavaSandbox sandbox = new JavaSandbox(Duration.ofSeconds(2));
        assertThat(new ProgrammingScorer(ProgrammingSpec.BUILT_IN.get(1), sandbox).score(List.of(b))).isEqualTo(1.0);
        assertThat(new ProgrammingScorer(ProgrammingSpec.BUILT_IN.get(2), sandbox).score(List.of(c))).isEqualTo(1.0);
        assertThat(new ProgrammingTask().instance(1).question()).contains("static int gcd(int a, int b)");
        assertThat(new ProgrammingTask().instance(2).id()).isEqualTo("spec-B");
    }
}
