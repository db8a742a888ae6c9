/*
 * The few-row kernel at each row count and weight format (fp32, bf16, Q8_0, Q4_0 as held): a small
 * weight that stays in cache (compute), the 151936-row head that cannot (memory), and a 0.5B layer's
 * gate-up and down shapes (in cache on a large L3). Best of many repeats, in ms and GFLOP/s, through
 * Linear.applyToArray (the head's path: the input copied out of native memory and normalised, the
 * product returned on the heap). With a first argument of 1 the kernel runs on one thread (one
 * core's compute roof); a second names the formats (say q8_0), -Drows=1,4,8 the row counts.
 *
 *   mvn -q -o dependency:build-classpath -pl engine -Dmdep.outputFile=/tmp/engine.cp
 *   java -Xmx8g --add-modules jdk.incubator.vector -cp engine/target/classes:$(cat /tmp/engine.cp) \
 *        benchmarks/KernelRows.java [THREADS [FORMATS]]
 */
import ai.djl.ndarray.*;
import ai.djl.ndarray.types.Shape;
import io.groupthink.engine.model.Floats;
import io.groupthink.engine.runtime.*;

public class KernelRows {
  public static void main(String[] a) {
    int threads = a.length > 0 ? Integer.parseInt(a[0]) : 0;
    LinearFactory[] all = {LinearFactory.vector(threads, WeightStorage.FP32),
        LinearFactory.vector(threads, WeightStorage.BF16_WHERE_EXACT), LinearFactory.named("kernel", threads, "q8_0"),
        LinearFactory.named("kernel", threads, "q4_0")};
    String[] allNames = {"fp32", "bf16", "q8_0", "q4_0"};
    java.util.List<String> keep = java.util.List.of((a.length > 1 ? a[1] : String.join(",", allNames)).split(","));
    int[] picked = java.util.stream.IntStream.range(0, all.length).filter(f -> keep.contains(allNames[f])).toArray();
    LinearFactory[] formats = java.util.Arrays.stream(picked).mapToObj(f -> all[f]).toArray(LinearFactory[]::new);
    String[] names = java.util.Arrays.stream(picked).mapToObj(f -> allNames[f]).toArray(String[]::new);
    int[] rowCounts = System.getProperty("rows") == null ? new int[] {1, 2, 3, 4, 8, 16}
        : java.util.Arrays.stream(System.getProperty("rows").split(",")).mapToInt(Integer::parseInt).toArray();
    try (NDManager m = TorchRuntime.newManager(1)) {
      for (int[] sh : new int[][] {{512, 896}, {151936, 896}, {9728, 896}, {896, 4864}}) {
        int out = sh[0], in = sh[1];
        Linear[] ops = new Linear[formats.length];
        try (NDManager s = m.newSubManager()) {
          float[] w = s.randomNormal(new Shape(out, in)).toFloatArray();
          for (int i = 0; i < w.length; i++) w[i] = Float.intBitsToFloat(Floats.toBf16(w[i]) << 16);
          NDArray nd = s.create(w, new Shape(out, in));
          for (int f = 0; f < ops.length; f++) ops[f] = formats[f].create(nd, null);
        }
        NDArray ones = m.ones(new Shape(in));
        RmsNorm norm = RmsNorm.of(ones, 1e-6);
        int reps = (long) out * in < 6_000_000 ? 2000 : 12;
        for (int rows : rowCounts) {
          NDArray x = m.full(new Shape(rows, in), 0.25f);
          StringBuilder line = new StringBuilder(String.format("%6dx%d rows %2d:", out, in, rows));
          for (int f = 0; f < ops.length; f++) {
            double t = best(ops[f], x, norm, reps);
            line.append(String.format(" | %s %.3f ms %4.0f GF %5.1f GB/s", names[f], t, 2.0 * rows * out * in / t / 1e6,
                ops[f].weightBytes() / t / 1e6));
          }
          System.out.println(line);
          x.close();
        }
      }
    }
    System.exit(0); // the kernel's helper threads are daemons, LibTorch's are not
  }

  static double best(Linear op, NDArray x, RmsNorm norm, int reps) {
    double b = Double.MAX_VALUE;
    for (int i = 0; i < reps; i++) {
      long t = System.nanoTime();
      op.applyToArray(x, norm);
      b = Math.min(b, (System.nanoTime() - t) / 1e6);
    }
    return b;
  }
}
