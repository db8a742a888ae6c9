package io.groupthink.eval.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JavaSandboxTest {

    private static final Duration LIMIT = Duration.ofMillis(800);
    private final JavaSandbox sandbox = new JavaSandbox(LIMIT);

    /** Runs {@code body} as the check's statements (it returns a String; null passes). */
    private JavaSandbox.Outcome check(String body) {
        String check = "import java.util.*;\nimport java.util.stream.*;\npublic class Check {\n"
                + "  public static String check() throws Exception {\n" + body + "\n  }\n}\n";
        return sandbox.run(Map.of("Check", check), "Check");
    }

    @Test
    void plainComputationRuns() {
        JavaSandbox.Outcome o = check("""
                List<Integer> xs = new ArrayList<>(List.of(3, 1, 2));
                Collections.sort(xs);
                int sum = xs.stream().mapToInt(x -> x * 2).sum();
                String s = "sum=" + sum + " " + Arrays.toString(new int[] {1}) + String.format("%d", 5);
                StringBuilder sb = new StringBuilder(s).reverse();
                Map<String, Integer> m = new HashMap<>();
                m.merge("a", 1, Integer::sum);
                return sum == 12 && s.equals("sum=12 [1]5") && sb.length() > 0 && m.get("a") == 1 ? null : s;
                """);
        assertThat(o.status()).as(o.detail()).isEqualTo(JavaSandbox.Status.PASSED);
    }

    @Test
    void aFailedAssertionIsAFailure() {
        JavaSandbox.Outcome o = check("return \"1 + 1 != 3\";");
        assertThat(o.status()).isEqualTo(JavaSandbox.Status.FAILED);
        assertThat(o.detail()).isEqualTo("1 + 1 != 3");
    }

    @Test
    void codeThatDoesNotCompileIsACompileError() {
        JavaSandbox.Outcome o = check("int x = \"text\"; return null;");
        assertThat(o.status()).isEqualTo(JavaSandbox.Status.COMPILE_ERROR);
        assertThat(o.detail()).contains("incompatible types");
        assertThat(check("return undefinedMethod();").status()).isEqualTo(JavaSandbox.Status.COMPILE_ERROR);
        assertThat(sandbox.run(Map.of("Check", "public class Check { public static String check() {"), "Check")
                .status()).isEqualTo(JavaSandbox.Status.COMPILE_ERROR);
    }

    @Test
    void anInfiniteLoopIsKilledWithinTheTimeLimit() throws Exception {
        long t0 = System.nanoTime();
        JavaSandbox.Outcome o = check("long i = 0; while (true) { i++; if (i < 0) break; } return null;");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(o.status()).isEqualTo(JavaSandbox.Status.TIMEOUT);
        // compile time + the limit + a little to stop it; the thread is gone afterwards
        assertThat(ms).isLessThan(LIMIT.toMillis() + 5000);
        assertThat(o.detail()).contains("killed after " + LIMIT.toMillis() + " ms");
        Thread.sleep(50);
        assertThat(Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("groupthink-sandbox-") && t.isAlive())).isEmpty();
        assertThat(JavaSandbox.abandonedThreads()).isZero();
    }

    @Test
    void aLoopThatCatchesEverythingIsStillReportedAsTimedOut() {
        JavaSandbox.Outcome o = check("int n = 0; for (;;) { try { n++; } catch (RuntimeException e) { } }");
        assertThat(o.status()).isEqualTo(JavaSandbox.Status.TIMEOUT);
    }

    @Test
    void fileAccessIsRefused(@TempDir Path dir) {
        Path target = dir.resolve("written.txt");
        String p = target.toString().replace("\\", "\\\\");
        JavaSandbox.Outcome file = check("java.io.File f = new java.io.File(\"" + p + "\"); f.createNewFile(); return null;");
        assertThat(file.status()).isEqualTo(JavaSandbox.Status.REFUSED);
        assertThat(file.detail()).contains("java.io.File");
        JavaSandbox.Outcome nio = check("java.nio.file.Files.writeString(java.nio.file.Path.of(\"" + p
                + "\"), \"x\"); return null;");
        assertThat(nio.status()).isEqualTo(JavaSandbox.Status.REFUSED);
        assertThat(nio.detail()).contains("java.nio.file");
        JavaSandbox.Outcome writer = check("try (java.io.FileWriter w = new java.io.FileWriter(\"" + p
                + "\")) { w.write(\"x\"); } return null;");
        assertThat(writer.status()).isEqualTo(JavaSandbox.Status.REFUSED);
        JavaSandbox.Outcome read = check("return new String(new java.io.FileInputStream(\"/etc/hostname\").readAllBytes());");
        assertThat(read.status()).isEqualTo(JavaSandbox.Status.REFUSED);
        JavaSandbox.Outcome print = check("new java.io.PrintStream(\"" + p + "\").println(1); return null;");
        assertThat(print.status()).isEqualTo(JavaSandbox.Status.REFUSED);
        JavaSandbox.Outcome formatter = check("new java.util.Formatter(\"" + p + "\").close(); return null;");
        assertThat(formatter.status()).isEqualTo(JavaSandbox.Status.REFUSED);
        assertThat(Files.exists(target)).isFalse();
    }

    @Test
    void networkAccessIsRefused() {
        JavaSandbox.Outcome socket = check("new java.net.Socket(\"127.0.0.1\", 9).close(); return null;");
        assertThat(socket.status()).isEqualTo(JavaSandbox.Status.REFUSED);
        assertThat(socket.detail()).contains("java.net.Socket");
        JavaSandbox.Outcome url = check("new java.net.URL(\"http://example.com/\").openStream().close(); return null;");
        assertThat(url.status()).isEqualTo(JavaSandbox.Status.REFUSED);
        JavaSandbox.Outcome http = check("java.net.http.HttpClient.newHttpClient(); return null;");
        assertThat(http.status()).isEqualTo(JavaSandbox.Status.REFUSED);
    }

    @Test
    void processesThreadsSystemAndReflectionAreRefused() {
        assertThat(check("Runtime.getRuntime().exec(\"true\"); return null;").status())
                .isEqualTo(JavaSandbox.Status.REFUSED);
        assertThat(check("new ProcessBuilder(\"true\").start(); return null;").status())
                .isEqualTo(JavaSandbox.Status.REFUSED);
        assertThat(check("System.exit(3); return null;").status()).isEqualTo(JavaSandbox.Status.REFUSED);
        assertThat(check("System.out.println(1); return null;").status()).isEqualTo(JavaSandbox.Status.REFUSED);
        assertThat(check("new Thread(() -> {}).start(); return null;").status()).isEqualTo(JavaSandbox.Status.REFUSED);
        assertThat(check("Thread.sleep(10); return null;").status()).isEqualTo(JavaSandbox.Status.REFUSED);
        assertThat(check("String.class.getDeclaredMethods()[0].invoke(null); return null;").status())
                .isEqualTo(JavaSandbox.Status.REFUSED);
        assertThat(check("java.util.concurrent.Executors.newSingleThreadExecutor(); return null;").status())
                .isEqualTo(JavaSandbox.Status.REFUSED);
        assertThat(check("Class.forName(\"java.io.File\"); return null;").status())
                .isEqualTo(JavaSandbox.Status.REFUSED);
    }

    @Test
    void exceptionsAndStackOverflowsAreErrorsNotCrashes() {
        JavaSandbox.Outcome npe = check("String s = null; return s.trim();");
        assertThat(npe.status()).isEqualTo(JavaSandbox.Status.ERROR);
        assertThat(npe.detail()).contains("NullPointerException");
        assertThat(sandbox.run(Map.of("Check", "public class Check { static int f(int n) { return f(n + 1) + 1; }"
                + " public static String check() { f(0); return null; } }"), "Check").status())
                .isEqualTo(JavaSandbox.Status.ERROR);
        assertThat(sandbox.run(Map.of("Check", "public class Check { }"), "Check").status())
                .isEqualTo(JavaSandbox.Status.ERROR);
    }

    @Test
    void theDenyListKeepsOrdinaryClasses() {
        assertThat(SandboxClassLoader.allowed("java.lang.String")).isTrue();
        assertThat(SandboxClassLoader.allowed("java.lang.RuntimeException")).isTrue();
        assertThat(SandboxClassLoader.allowed("java.lang.StringBuilder")).isTrue();
        assertThat(SandboxClassLoader.allowed("java.util.ArrayList")).isTrue();
        assertThat(SandboxClassLoader.allowed("java.util.stream.IntStream")).isTrue();
        assertThat(SandboxClassLoader.allowed("java.lang.invoke.LambdaMetafactory")).isTrue();
        assertThat(SandboxClassLoader.allowed("java.lang.invoke.MethodHandles")).isFalse();
        assertThat(SandboxClassLoader.allowed("java.lang.Runtime")).isFalse();
        assertThat(SandboxClassLoader.allowed("java.lang.Runtime$Version")).isFalse();
        assertThat(SandboxClassLoader.allowed("java.lang.System$Logger")).isFalse();
        assertThat(SandboxClassLoader.allowed("java.lang.ThreadLocal")).isFalse();
        assertThat(SandboxClassLoader.allowed("java.io.FileDescriptor")).isFalse();
        assertThat(SandboxClassLoader.allowed("java.sql.DriverManager")).isFalse();
        assertThat(SandboxClassLoader.allowed("io.groupthink.eval.EvalCommand")).isFalse();
        assertThat(SandboxClassLoader.allowed("sun.misc.Unsafe")).isFalse();
    }
}
