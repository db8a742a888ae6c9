package io.groupthink.eval.tasks;

import java.util.List;

/**
 * A programming specification: several independent static methods, each with a description for
 * the prompt and a check (Java statements that call {@code Solution.<name>(...)} and
 * {@code return "what failed";} on the first wrong answer).
 */
public record ProgrammingSpec(String id, List<Component> components) {

    /**
     * @param name      the method name
     * @param signature e.g. {@code int gcd(int a, int b)}
     * @param doc       what it must do
     * @param check     statements of {@code static String check()}; falling off the end passes
     */
    public record Component(String name, String signature, String doc, String check) {}

    /** The built-in specifications; seed s picks {@code (s - 1) mod 3}. */
    public static final List<ProgrammingSpec> BUILT_IN = List.of(
            new ProgrammingSpec("spec-A", List.of(
                    new Component("gcd", "int gcd(int a, int b)",
                            "greatest common divisor of two non-negative ints; gcd(0, 0) = 0",
                            """
                            if (Solution.gcd(12, 18) != 6) return "gcd(12,18)";
                            if (Solution.gcd(7, 0) != 7) return "gcd(7,0)";
                            if (Solution.gcd(0, 9) != 9) return "gcd(0,9)";
                            if (Solution.gcd(17, 5) != 1) return "gcd(17,5)";
                            if (Solution.gcd(0, 0) != 0) return "gcd(0,0)";
                            """),
                    new Component("isPalindrome", "boolean isPalindrome(String s)",
                            "true when s reads the same backwards (exact characters)",
                            """
                            if (!Solution.isPalindrome("racecar")) return "racecar";
                            if (Solution.isPalindrome("ab")) return "ab";
                            if (!Solution.isPalindrome("")) return "empty";
                            if (!Solution.isPalindrome("a")) return "a";
                            if (Solution.isPalindrome("Aa")) return "Aa";
                            """),
                    new Component("reverse", "int[] reverse(int[] a)",
                            "a new array with the elements of a in reverse order",
                            """
                            if (!java.util.Arrays.equals(Solution.reverse(new int[] {1, 2, 3}), new int[] {3, 2, 1})) return "[1,2,3]";
                            if (Solution.reverse(new int[0]).length != 0) return "[]";
                            int[] in = {4, 5};
                            int[] out = Solution.reverse(in);
                            if (in[0] != 4 || out[0] != 5 || out[1] != 4) return "[4,5] or input changed";
                            """),
                    new Component("fib", "long fib(int n)",
                            "the n-th Fibonacci number, fib(0) = 0, fib(1) = 1, for 0 <= n <= 90",
                            """
                            if (Solution.fib(0) != 0L) return "fib(0)";
                            if (Solution.fib(1) != 1L) return "fib(1)";
                            if (Solution.fib(10) != 55L) return "fib(10)";
                            if (Solution.fib(50) != 12586269025L) return "fib(50)";
                            """))),
            new ProgrammingSpec("spec-B", List.of(
                    new Component("sumOfDigits", "int sumOfDigits(int n)",
                            "sum of the decimal digits of a non-negative int",
                            """
                            if (Solution.sumOfDigits(0) != 0) return "0";
                            if (Solution.sumOfDigits(7) != 7) return "7";
                            if (Solution.sumOfDigits(1234) != 10) return "1234";
                            if (Solution.sumOfDigits(2147483647) != 46) return "MAX";
                            """),
                    new Component("countVowels", "int countVowels(String s)",
                            "how many of a, e, i, o, u (either case) s contains",
                            """
                            if (Solution.countVowels("") != 0) return "empty";
                            if (Solution.countVowels("hello") != 2) return "hello";
                            if (Solution.countVowels("AEIOUxyz") != 5) return "AEIOUxyz";
                            if (Solution.countVowels("rhythm") != 0) return "rhythm";
                            """),
                    new Component("max", "int max(int[] a)",
                            "the largest element of a non-empty array",
                            """
                            if (Solution.max(new int[] {3}) != 3) return "[3]";
                            if (Solution.max(new int[] {-5, -2, -9}) != -2) return "negatives";
                            if (Solution.max(new int[] {1, 9, 4, 9}) != 9) return "[1,9,4,9]";
                            """),
                    new Component("isPrime", "boolean isPrime(int n)",
                            "whether n is a prime number (false for n < 2)",
                            """
                            if (Solution.isPrime(-7) || Solution.isPrime(0) || Solution.isPrime(1)) return "n < 2";
                            if (!Solution.isPrime(2) || !Solution.isPrime(3) || !Solution.isPrime(97)) return "primes";
                            if (Solution.isPrime(4) || Solution.isPrime(91) || Solution.isPrime(100)) return "composites";
                            if (!Solution.isPrime(2147483647)) return "MAX";
                            """))),
            new ProgrammingSpec("spec-C", List.of(
                    new Component("reverseWords", "String reverseWords(String s)",
                            "the words of s (separated by single spaces) in reverse order, joined by single spaces",
                            """
                            if (!"c b a".equals(Solution.reverseWords("a b c"))) return "a b c";
                            if (!"one".equals(Solution.reverseWords("one"))) return "one";
                            if (!"world hello".equals(Solution.reverseWords("hello world"))) return "hello world";
                            """),
                    new Component("factorial", "long factorial(int n)",
                            "n! for 0 <= n <= 20",
                            """
                            if (Solution.factorial(0) != 1L) return "0!";
                            if (Solution.factorial(5) != 120L) return "5!";
                            if (Solution.factorial(20) != 2432902008176640000L) return "20!";
                            """),
                    new Component("evens", "int[] evens(int[] a)",
                            "the even elements of a, in their original order",
                            """
                            if (!java.util.Arrays.equals(Solution.evens(new int[] {1, 2, 3, 4, -6}), new int[] {2, 4, -6})) return "[1,2,3,4,-6]";
                            if (Solution.evens(new int[] {1, 3}).length != 0) return "[1,3]";
                            """),
                    new Component("capitalize", "String capitalize(String s)",
                            "s with its first character in upper case and the rest unchanged; an empty string stays empty",
                            """
                            if (!"Hello".equals(Solution.capitalize("hello"))) return "hello";
                            if (!"".equals(Solution.capitalize(""))) return "empty";
                            if (!"ABC".equals(Solution.capitalize("aBC"))) return "aBC";
                            if (!"1x".equals(Solution.capitalize("1x"))) return "1x";
                            """))));

    public List<String> names() {
        return components.stream().map(Component::name).toList();
    }
}
