package io.groupthink.eval.sandbox;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Defines compiled classes in a loader of their own and refuses to link them against anything
 * that can reach outside the computation: files, the network, processes, threads, reflection,
 * class loaders, {@code System} and {@code Runtime}.
 *
 * <p>The parent is {@code null} (the bootstrap loader); every name the sandboxed classes ask for
 * comes through {@link #loadClass(String, boolean)}, which answers from the compiled bytes, or
 * from the platform for a name that is on the allowed packages and not on the deny list, and
 * throws {@link ClassNotFoundException} otherwise. The JVM turns that into a
 * {@link NoClassDefFoundError} where the generated code first touches the class (or a
 * {@link VerifyError}/{@link LinkageError} when the class is verified), so the code fails instead
 * of acting. Every refused name is recorded ({@link #refused()}).
 *
 * <p>Threat model: this guards against accidental misbehaviour of model-generated code (a stray
 * file write, a download, a loop that never ends). It is not a defence against a determined
 * attacker: code running in the harness's JVM can still exhaust memory, start parallel streams
 * on the common pool, or reach denied classes through a bootstrap-loaded back door
 * ({@code Class.forName(name, true, null)}). Run untrusted models' code in a container or a VM.
 */
public final class SandboxClassLoader extends ClassLoader {

    /** Packages whose classes the generated code may link against (minus the deny list). */
    static final Set<String> ALLOWED_PACKAGES = Set.of("java.lang", "java.lang.invoke", "java.lang.runtime",
            "java.util", "java.util.function", "java.util.stream", "java.util.regex", "java.math", "java.text",
            "java.time", "java.time.format", "java.time.temporal", "java.time.chrono", "java.io", "java.nio",
            "java.nio.charset");

    /** What {@code invokedynamic} needs for lambdas and records; the rest of java.lang.invoke is denied. */
    static final Set<String> INVOKE_ALLOWED = Set.of("java.lang.invoke.LambdaMetafactory",
            "java.lang.invoke.StringConcatFactory", "java.lang.invoke.MethodHandles$Lookup",
            "java.lang.invoke.MethodType", "java.lang.invoke.MethodHandle", "java.lang.invoke.CallSite",
            "java.lang.invoke.TypeDescriptor", "java.lang.invoke.TypeDescriptor$OfField",
            "java.lang.invoke.TypeDescriptor$OfMethod", "java.lang.runtime.ObjectMethods");

    /** Prefixes refused whatever the package allow list says. */
    static final List<String> DENIED_PREFIXES = List.of(
            "java.io.File", // File, FileInputStream/OutputStream, FileReader/Writer, FileDescriptor, ...
            "java.io.RandomAccessFile", "java.io.Console",
            "java.io.PrintStream", "java.io.PrintWriter", // both open files from a file name
            "java.nio.file.", "java.nio.channels.", "java.net.",
            "java.lang.Thread", // Thread, ThreadLocal, ThreadGroup, ThreadDeath
            "java.lang.Process", // Process, ProcessBuilder, ProcessHandle
            "java.lang.reflect.", "java.lang.invoke.", "java.lang.runtime.", "java.lang.ref.", "java.lang.management.",
            "java.util.concurrent.", "java.util.logging.", "java.util.prefs.", "java.util.zip.", "java.util.jar.",
            "sun.", "jdk.", "javax.", "com.sun.");

    /** Exact names (and their nested classes) refused. */
    static final Set<String> DENIED_CLASSES = Set.of("java.lang.System", "java.lang.Runtime",
            "java.lang.ClassLoader", "java.lang.Module", "java.lang.ModuleLayer", "java.lang.StackWalker",
            "java.lang.SecurityManager", "java.lang.Package", "java.lang.Shutdown",
            "java.util.Formatter", // Formatter(String fileName) writes a file
            "java.util.ServiceLoader", "java.util.Timer", "java.util.TimerTask");

    private final Map<String, byte[]> classes;
    private final List<String> refused = Collections.synchronizedList(new ArrayList<>());

    public SandboxClassLoader(Map<String, byte[]> classes) {
        super("groupthink-sandbox", null);
        this.classes = Map.copyOf(classes);
    }

    /** Whether generated code may link against the platform class {@code name}. */
    public static boolean allowed(String name) {
        if (INVOKE_ALLOWED.contains(name)) {
            return true;
        }
        String outer = name.contains("$") ? name.substring(0, name.indexOf('$')) : name;
        if (DENIED_CLASSES.contains(outer)) {
            return false;
        }
        for (String prefix : DENIED_PREFIXES) {
            if (name.startsWith(prefix)) {
                return false;
            }
        }
        int dot = name.lastIndexOf('.');
        return dot > 0 && ALLOWED_PACKAGES.contains(name.substring(0, dot));
    }

    /** Names the sandboxed code asked for and was refused, in order. */
    public List<String> refused() {
        synchronized (refused) {
            return List.copyOf(refused);
        }
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        synchronized (getClassLoadingLock(name)) {
            Class<?> c = findLoadedClass(name);
            if (c == null) {
                byte[] bytes = classes.get(name);
                if (bytes != null) {
                    c = defineClass(name, bytes, 0, bytes.length);
                } else if (allowed(name)) {
                    c = ClassLoader.getPlatformClassLoader().loadClass(name);
                } else {
                    refused.add(name);
                    throw new ClassNotFoundException(name + " is not available in the sandbox");
                }
            }
            if (resolve) {
                resolveClass(c);
            }
            return c;
        }
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        return loadClass(name, false);
    }

    @Override
    public java.net.URL getResource(String name) {
        return null; // no resources: nothing to read
    }
}
