package io.groupthink.eval.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

class CodeExtractorTest {

    @Test
    void findsDefinitionsAndNormalisesTheirModifiers() {
        String text = "```java\nprivate int gcd(int a, int b) throws Exception {\n  return b == 0 ? a : gcd(b, a % b);\n}\n```";
        var defs = CodeExtractor.definitions(text, "gcd");
        assertThat(defs).hasSize(1);
        assertThat(defs.get(0).source()).startsWith("public static int gcd(int a, int b) {");
        assertThat(defs.get(0).returnType()).isEqualTo("int");
    }

    @Test
    void arrayAndGenericReturnTypes() {
        assertThat(CodeExtractor.definitions("public static int[] reverse(int[] a) { return a; }", "reverse"))
                .extracting(CodeExtractor.Definition::returnType).containsExactly("int[]");
        assertThat(CodeExtractor.definitions("static List<Integer> xs(int n) { return List.of(n); }", "xs"))
                .extracting(CodeExtractor.Definition::returnType).containsExactly("List<Integer>");
    }

    @Test
    void bracesInStringsCharsAndCommentsDoNotCount() {
        String text = "static String f(int x) { String s = \"}{\"; char c = '}'; // }\n /* } */ return s + c; }";
        assertThat(CodeExtractor.definitions(text, "f")).hasSize(1);
    }

    @Test
    void callsKeywordsAndUnfinishedBodiesAreNotDefinitions() {
        assertThat(CodeExtractor.all("return gcd(b, a % b);\nif (x) { y(); }\nnew Foo(1) {")).isEmpty();
        assertThat(CodeExtractor.all("static int gcd(int a, int b) { return 1;")).isEmpty();
        assertThat(CodeExtractor.all("static int gcd(int a, int b")).isEmpty();
    }

    @Test
    void helpersExcludeComponents() {
        String text = "static int a() { return b(); }\nstatic int b() { return 1; }\nstatic int b() { return 2; }";
        assertThat(CodeExtractor.helpers(text, Set.of("a"))).extracting(CodeExtractor.Definition::name)
                .containsExactly("b");
    }
}
