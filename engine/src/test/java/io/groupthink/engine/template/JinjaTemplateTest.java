package io.groupthink.engine.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * One jinja2 feature at a time (each snippet's expected text was rendered by Python jinja2 configured as
 * transformers configures it: features.json, made by render_features.py), error lines, and hostile templates.
 */
class JinjaTemplateTest {

    private static String render(String template, Map<String, ?> vars) {
        return JinjaTemplate.compile(template).render(vars, ChatTemplateCorpusTest.NOW, JinjaTemplate.Limits.DEFAULT);
    }

    @TestFactory
    Stream<DynamicTest> featuresRenderAsJinja2Does() throws IOException {
        JsonNode features = ChatTemplateCorpusTest.JSON.readTree(
                ChatTemplateCorpusTest.corpus().resolve("features.json").toFile());
        return java.util.stream.StreamSupport.stream(features.spliterator(), false)
                .map(f -> DynamicTest.dynamicTest(f.get("template").asText(), () -> {
                    Map<String, Object> vars = new LinkedHashMap<>();
                    f.get("context").fields().forEachRemaining(e -> vars.put(e.getKey(), e.getValue()));
                    assertThat(render(f.get("template").asText(), vars)).isEqualTo(f.get("expected").asText());
                }));
    }

    // ---- errors name the right line, and the template's own message

    @Test
    void errorLineCountsLinesEvenWhenWhitespaceControlEatsThem() {
        String t = "{%- if true -%}\n\n\n{%- set x = 1 -%}\n{{- y.z }}\n{%- endif %}";
        assertThatThrownBy(() -> render(t, Map.of()))
                .isInstanceOf(TemplateException.class)
                .hasMessageContaining("'y' is undefined")
                .satisfies(e -> assertThat(((TemplateException) e).line()).isEqualTo(5));
    }

    @Test
    void syntaxErrorNamesItsLine() {
        assertThatThrownBy(() -> JinjaTemplate.compile("a\nb\n{{ 1 + }}"))
                .isInstanceOf(TemplateException.class)
                .satisfies(e -> assertThat(((TemplateException) e).line()).isEqualTo(3));
    }

    @Test
    void raiseExceptionKeepsTheTemplatesMessage() {
        assertThatThrownBy(() -> render("ok\n{{ raise_exception('Roles must alternate') }}", Map.of()))
                .isInstanceOf(TemplateException.class)
                .hasMessage("Roles must alternate")
                .satisfies(e -> {
                    assertThat(((TemplateException) e).raisedByTemplate()).isTrue();
                    assertThat(((TemplateException) e).line()).isEqualTo(2);
                });
    }

    @Test
    void unknownFilterFailsInsteadOfRenderingEmpty() {
        assertThatThrownBy(() -> JinjaTemplate.compile("{{ x|nosuchfilter }}"))
                .isInstanceOf(TemplateException.class).hasMessageContaining("no filter named 'nosuchfilter'");
        assertThatThrownBy(() -> JinjaTemplate.compile("{% include 'x' %}"))
                .isInstanceOf(TemplateException.class).hasMessageContaining("unknown tag 'include'");
    }

    @Test
    void messageTextIsDataNeverTemplateCode() {
        String content = "{{ 7*7 }}{% for i in range(99999) %}x{% endfor %}{{ raise_exception('x') }}";
        assertThat(render("{{ messages[0].content }}", Map.of("messages", List.of(Map.of("content", content)))))
                .isEqualTo(content);
    }

    // ---- hostile templates end, bounded, with a clear error; the JVM carries on

    @Test
    void endlessMacroRecursionStopsAtTheCallDepth() {
        assertThatThrownBy(() -> render("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", Map.of()))
                .isInstanceOf(TemplateException.class).hasMessageContaining("macro calls nest deeper than");
    }

    @Test
    void hugeRangeIsRefusedAsTheSandboxDoes() {
        assertThatThrownBy(() -> render("{% for i in range(10**12) %}{% endfor %}", Map.of()))
                .isInstanceOf(TemplateException.class).hasMessageContaining("Range too big");
    }

    @Test
    void nestedLoopsStopAtTheDeadline() {
        String t = "{% for a in range(99999) %}{% for b in range(99999) %}{% endfor %}{% endfor %}";
        JinjaTemplate.Limits quick = new JinjaTemplate.Limits(Duration.ofMillis(200), 1 << 20, 64, Set.of());
        long start = System.nanoTime();
        assertThatThrownBy(() -> JinjaTemplate.compile(t).render(Map.of(), null, quick))
                .isInstanceOf(TemplateException.class).hasMessageContaining("ran longer than 200 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void outputIsBounded() {
        assertThatThrownBy(() -> render("{{ 'x' * 1000000000 }}", Map.of()))
                .isInstanceOf(TemplateException.class).hasMessageContaining("output exceeds");
        assertThatThrownBy(() -> render("{% set s = 'xxxxxxxxxxxxxxxx' %}{% for i in range(99999) %}"
                + "{{ s ~ s ~ s ~ s ~ s ~ s ~ s ~ s }}{% endfor %}", Map.of()))
                .isInstanceOf(TemplateException.class).hasMessageContaining("output exceeds");
    }

    @Test
    void deepNestingIsRefusedWhileParsing() {
        assertThatThrownBy(() -> JinjaTemplate.compile("{{ " + "(".repeat(100_000) + "1" + ")".repeat(100_000) + " }}"))
                .isInstanceOf(TemplateException.class).hasMessageContaining("nests deeper than");
        assertThatThrownBy(() -> JinjaTemplate.compile("{{ " + "not ".repeat(100_000) + "1 }}"))
                .isInstanceOf(TemplateException.class).hasMessageContaining("nests deeper than");
    }

    @Test
    void javaInternalsAreUnreachable() {
        for (String probe : List.of("{{ ''.getClass().forName('java.lang.Runtime') }}",
                "{{ messages.getClass() }}", "{{ ''.__class__.__mro__ }}", "{{ range.getClass() }}",
                "{{ namespace().__init__ }}", "{{ messages.append(1) }}")) {
            String out;
            try {
                out = render(probe, Map.of("messages", List.of()));
            } catch (TemplateException refused) {
                continue;
            }
            assertThat(out).as(probe).doesNotContain("java").doesNotContain("class");
        }
        assertThatThrownBy(() -> render("{{ ''.getClass() }}", Map.of()))
                .isInstanceOf(TemplateException.class).hasMessageContaining("has no attribute 'getClass'");
        assertThatThrownBy(() -> JinjaTemplate.compile("{{ x }}").render(Map.of("x", new Object()), null,
                JinjaTemplate.Limits.DEFAULT)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'x'");
    }
}
