package io.groupthink.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/** The kernels' compiler directive reaches the JVM once, before a tile is compiled. */
class JitDirectivesTest {

    @Test
    void theTilesAreKeptOutOfTheirCallersCompilationsOnce() throws Exception {
        assertThat(HeapLinear.L).isPositive(); // loading the kernels installs it
        assertThat(JitDirectives.install()).isTrue();
        assertThat(JitDirectives.install()).isTrue();
        String listed = String.valueOf(ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerDirectivesPrint",
                new Object[] {new String[0]}, new String[] {String[].class.getName()}));
        assertThat(listed).contains("inline: -io/groupthink/engine/runtime/VectorLinear.rows*");
        assertThat(listed).contains("-io/groupthink/engine/runtime/HeapAttention.scores");
        int directives = listed.split("matching: io/groupthink/engine/runtime/\\*\\.\\*", -1).length - 1;
        assertThat(directives).as("one directive, however many models load").isEqualTo(1);
    }
}
