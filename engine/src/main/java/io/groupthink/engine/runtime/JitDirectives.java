package io.groupthink.engine.runtime;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the kernels' register tiles (and attention's score and value loops) out of their callers'
 * compilations. C2 inlines a tile of fewer than 325 bytecodes into {@code range}, and a caller with
 * several tiles inlined ran out of its inlining budget before the Vector API's deep call chains were
 * all inlined: an operation left as a call runs the library's Java fallback, and a bf16 decode step
 * took 130-230 ms instead of 28 in about one run in three, depending on what the JIT compiled first.
 * Compiled on its own, each tile has the whole budget. The directive is what {@code jcmd PID Compiler.directives_add} installs,
 * added once per JVM through the DiagnosticCommand MBean; where that is unavailable the kernels
 * run as before.
 */
final class JitDirectives {

    private static final Logger log = LoggerFactory.getLogger(JitDirectives.class);

    private static final String DIRECTIVE = """
            [{ match: "io/groupthink/engine/runtime/*.*",
               inline: ["-io/groupthink/engine/runtime/VectorLinear.rows*",
                        "-io/groupthink/engine/runtime/Q8_0Linear.rows*",
                        "-io/groupthink/engine/runtime/Q4_0Linear.rows*",
                        "-io/groupthink/engine/runtime/HeapAttention.scores",
                        "-io/groupthink/engine/runtime/HeapAttention.weighted",
                        "-io/groupthink/engine/runtime/HeapAttention.softmaxWeights"] }]
            """;

    private static boolean installed;

    private JitDirectives() {}

    /** Adds the directive once; true if the JVM took it. */
    static synchronized boolean install() {
        if (installed) {
            return true;
        }
        try {
            Path file = Files.createTempFile("groupthink-jit", ".json");
            try {
                Files.writeString(file, DIRECTIVE);
                Object said = ManagementFactory.getPlatformMBeanServer().invoke(
                        new ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerDirectivesAdd",
                        new Object[] {new String[] {file.toString()}}, new String[] {String[].class.getName()});
                installed = String.valueOf(said).contains("1 compiler directives added");
                if (!installed) {
                    log.warn("the JVM did not take the kernels' compiler directive: {}", said);
                }
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (Exception | LinkageError e) {
            log.warn("kernels' compiler directive not installed ({}); decode speed may vary from run to run",
                    e.toString());
        }
        return installed;
    }
}
