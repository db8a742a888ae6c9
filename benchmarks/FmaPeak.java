/*
 * Peak fp32 FMA rate of one core through the Vector API: ten independent chains in registers, no memory.
 *
 *   java --add-modules jdk.incubator.vector benchmarks/FmaPeak.java
 */
import jdk.incubator.vector.*;
public class FmaPeak {
  static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
  static float run(long n, float[] in) {
    FloatVector a0 = FloatVector.fromArray(S, in, 0), a1 = a0.add(1), a2 = a0.add(2), a3 = a0.add(3), a4 = a0.add(4), a5 = a0.add(5), a6 = a0.add(6), a7 = a0.add(7), a8 = a0.add(8), a9 = a0.add(9);
    FloatVector m = FloatVector.broadcast(S, 0.999f), c = FloatVector.broadcast(S, 0.001f);
    for (long i = 0; i < n; i++) { a0 = a0.fma(m, c); a1 = a1.fma(m, c); a2 = a2.fma(m, c); a3 = a3.fma(m, c); a4 = a4.fma(m, c); a5 = a5.fma(m, c); a6 = a6.fma(m, c); a7 = a7.fma(m, c); a8 = a8.fma(m, c); a9 = a9.fma(m, c); }
    return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).reduceLanes(VectorOperators.ADD);
  }
  public static void main(String[] x) { float[] in = new float[16]; float s = 0;
    for (int r = 0; r < 8; r++) { long n = 20_000_000; long t = System.nanoTime(); s += run(n, in); double d = System.nanoTime() - t; System.out.printf("%.1f GFMA-lanes/s (%.2f vector FMAs/ns)%n", n * 10 * 16 / d, n * 10 / d); }
    System.out.println(s); }
}
