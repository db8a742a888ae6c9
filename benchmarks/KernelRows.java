/*
 * The few-row kernel at each row count, fp32 and bf16 storage: a small weight that stays in cache
 * (compute) and the 151936-row head that cannot (memory). Best of many repeats, in ms and GFLOP/s.
 * With a first argument of 1 the kernel runs on one thread (one core's compute roof).
 *
 *   mvn -q -o dependency:build-classpath -pl engine -Dmdep.outputFile=/tmp/engine.cp
 *   java -Xmx8g --add-modules jdk.incubator.vector -cp engine/target/classes:$(cat /tmp/engine.cp) \
 *        benchmarks/KernelRows.java [THREADS]
 */
import ai.djl.ndarray.*;
import ai.djl.ndarray.types.Shape;
import io.groupthink.engine.model.Floats;
import io.groupthink.engine.runtime.*;

public class KernelRows {
  public static void main(String[] a) {
    int threads = a.length > 0 ? Integer.parseInt(a[0]) : 0;
    LinearFactory fp32 = LinearFactory.vector(threads, WeightStorage.FP32);
    LinearFactory bf16 = LinearFactory.vector(threads, WeightStorage.BF16_WHERE_EXACT);
    try (NDManager m = TorchRuntime.newManager(1)) {
      for (int[] sh : new int[][] {{512, 896}, {151936, 896}}) {
        int out = sh[0], in = sh[1];
        float[] w;
        VectorLinear f, h;
        try (NDManager s = m.newSubManager()) {
          w = s.randomNormal(new Shape(out, in)).toFloatArray();
          for (int i = 0; i < w.length; i++) w[i] = Float.intBitsToFloat(Floats.toBf16(w[i]) << 16);
          NDArray nd = s.create(w, new Shape(out, in));
          f = (VectorLinear) fp32.create(nd, null);
          h = (VectorLinear) bf16.create(nd, null);
        }
        w = null;
        float[] x = new float[16 * in];
        java.util.Arrays.fill(x, 0.25f);
        int reps = out < 10000 ? 2000 : 8;
        for (int rows : new int[] {1, 2, 3, 4, 8, 16}) {
          double tf = best(f, x, rows, reps), th = best(h, x, rows, reps);
          System.out.printf("%6dx%d rows %2d: fp32 %.3f ms %4.0f GF | bf16 %.3f ms %4.0f GF%n", out, in, rows,
              tf, 2.0 * rows * out * in / tf / 1e6, th, 2.0 * rows * out * in / th / 1e6);
        }
      }
    }
    System.exit(0); // the kernel's helper threads are daemons, LibTorch's are not
  }

  static double best(VectorLinear op, float[] x, int rows, int reps) {
    double b = Double.MAX_VALUE;
    for (int i = 0; i < reps; i++) {
      long t = System.nanoTime();
      op.multiply(x, rows);
      b = Math.min(b, (System.nanoTime() - t) / 1e6);
    }
    return b;
  }
}
