package io.groupthink.eval.sandbox;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileManager;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.StandardLocation;
import javax.tools.ToolProvider;

/**
 * Compiles Java sources held in memory to class bytes held in memory, with the JDK's own compiler
 * ({@code javax.tools}): nothing is read from or written to disk but the JDK's class library.
 *
 * <p>The class path is empty, annotation processing is off, and string concatenation is compiled
 * to {@code StringBuilder} calls ({@code -XDstringConcat=inline}) so the generated code does not
 * need {@code java.lang.invoke.StringConcatFactory} at run time.
 */
public final class InMemoryCompiler {

    /** Outcome of one compilation: the classes by binary name, or the compiler's messages. */
    public record Result(boolean ok, Map<String, byte[]> classes, List<String> diagnostics) {}

    private static final List<String> OPTIONS = List.of("-XDstringConcat=inline", "-proc:none", "-g:none",
            "-nowarn", "-Xlint:none", "--release", "17");

    private final JavaCompiler compiler;

    public InMemoryCompiler() {
        this.compiler = ToolProvider.getSystemJavaCompiler();
    }

    /** Whether this JVM ships a compiler (a JDK does, a bare JRE does not). */
    public boolean available() {
        return compiler != null;
    }

    /**
     * Compiles the sources (class name to source text). Never throws for bad code: a failure is a
     * result with {@code ok == false} and the compiler's messages.
     */
    public Result compile(Map<String, String> sources) {
        if (compiler == null) {
            return new Result(false, Map.of(), List.of("no Java compiler in this runtime (run on a JDK)"));
        }
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        List<JavaFileObject> units = new ArrayList<>();
        sources.forEach((name, text) -> units.add(new Source(name, text)));
        Map<String, ByteArrayOutputStream> out = new LinkedHashMap<>();
        try (StandardJavaFileManager standard = compiler.getStandardFileManager(diagnostics, Locale.ROOT, null);
                MemoryManager manager = new MemoryManager(standard, out)) {
            standard.setLocation(StandardLocation.CLASS_PATH, List.of());
            StringWriter log = new StringWriter();
            Boolean ok = compiler.getTask(log, manager, diagnostics, OPTIONS, null, units).call();
            List<String> messages = new ArrayList<>();
            for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
                if (d.getKind() == Diagnostic.Kind.ERROR) {
                    messages.add("line " + d.getLineNumber() + ": " + d.getMessage(Locale.ROOT));
                }
            }
            if (!Boolean.TRUE.equals(ok)) {
                if (messages.isEmpty() && !log.toString().isBlank()) {
                    messages.add(log.toString().strip());
                }
                return new Result(false, Map.of(), List.copyOf(messages));
            }
            Map<String, byte[]> classes = new LinkedHashMap<>();
            out.forEach((name, bytes) -> classes.put(name, bytes.toByteArray()));
            return new Result(true, Map.copyOf(classes), List.copyOf(messages));
        } catch (IOException | RuntimeException e) {
            // javac can throw on pathological input (e.g. a deeply nested expression): a failure, not a crash.
            return new Result(false, Map.of(), List.of("compiler failed: " + e));
        } catch (StackOverflowError e) {
            return new Result(false, Map.of(), List.of("compiler failed: stack overflow"));
        }
    }

    private static final class Source extends SimpleJavaFileObject {
        private final String text;

        Source(String className, String text) {
            super(URI.create("string:///" + className.replace('.', '/') + Kind.SOURCE.extension), Kind.SOURCE);
            this.text = text;
        }

        @Override
        public CharSequence getCharContent(boolean ignoreEncodingErrors) {
            return text;
        }
    }

    private static final class ClassOutput extends SimpleJavaFileObject {
        private final ByteArrayOutputStream bytes;

        ClassOutput(String className, ByteArrayOutputStream bytes) {
            super(URI.create("bytes:///" + className.replace('.', '/') + Kind.CLASS.extension), Kind.CLASS);
            this.bytes = bytes;
        }

        @Override
        public OutputStream openOutputStream() {
            return bytes;
        }
    }

    private static final class MemoryManager extends ForwardingJavaFileManager<JavaFileManager> {
        private final Map<String, ByteArrayOutputStream> out;

        MemoryManager(JavaFileManager delegate, Map<String, ByteArrayOutputStream> out) {
            super(delegate);
            this.out = out;
        }

        @Override
        public JavaFileObject getJavaFileForOutput(Location location, String className, JavaFileObject.Kind kind,
                FileObject sibling) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            out.put(className, bytes);
            return new ClassOutput(className, bytes);
        }
    }
}
