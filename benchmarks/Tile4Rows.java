/*
 * The Q8_0 4-row register tile alone, one thread, as four FMA chains (the kernel's) and as eight (even and odd inputs
 * apart), over 32 column blocks (cached) and the 151936-row head (from memory), 896 inputs.
 *
 *   java --add-modules jdk.incubator.vector benchmarks/Tile4Rows.java
 */
import jdk.incubator.vector.*;
import static jdk.incubator.vector.VectorOperators.*;
public class Tile4Rows {
  static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
  static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
  static final int L = 16, BLOCK = 32;
  // codes [blocks][inBlocks][32][L], scales [blocks][inBlocks][L]
  static void four(byte[] codes, float[] scales, float[] x, int width, int inBlocks, float[] y, int b) {
    int x0 = 0, x1 = width, x2 = 2 * width, x3 = 3 * width;
    FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0;
    for (int kb = 0; kb < inBlocks; kb++) {
      int s = (b * inBlocks + kb) * L; int w = s * BLOCK; int i0 = kb * BLOCK;
      FloatVector p0 = FloatVector.zero(S), p1 = p0, p2 = p0, p3 = p0;
      for (int j = 0; j < BLOCK; j++) {
        FloatVector v = (FloatVector) ByteVector.fromArray(B, codes, w + j * L).convertShape(B2F, S, 0);
        int i = i0 + j;
        p0 = v.fma(FloatVector.broadcast(S, x[x0 + i]), p0); p1 = v.fma(FloatVector.broadcast(S, x[x1 + i]), p1);
        p2 = v.fma(FloatVector.broadcast(S, x[x2 + i]), p2); p3 = v.fma(FloatVector.broadcast(S, x[x3 + i]), p3);
      }
      FloatVector d = FloatVector.fromArray(S, scales, s);
      c0 = p0.fma(d, c0); c1 = p1.fma(d, c1); c2 = p2.fma(d, c2); c3 = p3.fma(d, c3);
    }
    c0.intoArray(y, (b % 6000) * L); c1.intoArray(y, (b % 6000) * L + 100000); c2.intoArray(y, (b % 6000) * L + 200000); c3.intoArray(y, (b % 6000) * L + 300000);
  }
  static void eight(byte[] codes, float[] scales, float[] x, int width, int inBlocks, float[] y, int b) {
    int x0 = 0, x1 = width, x2 = 2 * width, x3 = 3 * width;
    FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0;
    for (int kb = 0; kb < inBlocks; kb++) {
      int s = (b * inBlocks + kb) * L; int w = s * BLOCK; int i0 = kb * BLOCK;
      FloatVector p0 = FloatVector.zero(S), p1 = p0, p2 = p0, p3 = p0, q0 = p0, q1 = p0, q2 = p0, q3 = p0;
      for (int j = 0; j < BLOCK; j += 2) {
        FloatVector v = (FloatVector) ByteVector.fromArray(B, codes, w + j * L).convertShape(B2F, S, 0);
        FloatVector u = (FloatVector) ByteVector.fromArray(B, codes, w + (j + 1) * L).convertShape(B2F, S, 0);
        int i = i0 + j;
        p0 = v.fma(FloatVector.broadcast(S, x[x0 + i]), p0); p1 = v.fma(FloatVector.broadcast(S, x[x1 + i]), p1);
        p2 = v.fma(FloatVector.broadcast(S, x[x2 + i]), p2); p3 = v.fma(FloatVector.broadcast(S, x[x3 + i]), p3);
        q0 = u.fma(FloatVector.broadcast(S, x[x0 + i + 1]), q0); q1 = u.fma(FloatVector.broadcast(S, x[x1 + i + 1]), q1);
        q2 = u.fma(FloatVector.broadcast(S, x[x2 + i + 1]), q2); q3 = u.fma(FloatVector.broadcast(S, x[x3 + i + 1]), q3);
      }
      FloatVector d = FloatVector.fromArray(S, scales, s);
      c0 = p0.add(q0).fma(d, c0); c1 = p1.add(q1).fma(d, c1); c2 = p2.add(q2).fma(d, c2); c3 = p3.add(q3).fma(d, c3);
    }
    c0.intoArray(y, (b % 6000) * L); c1.intoArray(y, (b % 6000) * L + 100000); c2.intoArray(y, (b % 6000) * L + 200000); c3.intoArray(y, (b % 6000) * L + 300000);
  }
  public static void main(String[] a) {
    int in = 896, inBlocks = in / BLOCK;
    for (int blocks : new int[] {32, 9496}) {
      byte[] codes = new byte[blocks * inBlocks * BLOCK * L]; for (int i = 0; i < codes.length; i++) codes[i] = (byte) (i * 7);
      float[] scales = new float[blocks * inBlocks * L]; java.util.Arrays.fill(scales, 0.01f);
      float[] x = new float[4 * in]; for (int i = 0; i < x.length; i++) x[i] = i * 1e-3f;
      float[] y = new float[500000];
      for (int round = 0; round < 5; round++) {
        for (int kind = 0; kind < 2; kind++) {
          int reps = blocks < 100 ? 3000 : 6; long best = Long.MAX_VALUE;
          for (int r = 0; r < reps; r++) { long t = System.nanoTime();
            for (int b = 0; b < Math.min(blocks, 9000); b++) { if (kind == 0) four(codes, scales, x, in, inBlocks, y, b % blocks); else eight(codes, scales, x, in, inBlocks, y, b % blocks); }
            best = Math.min(best, System.nanoTime() - t); }
          double macs = 4.0 * Math.min(blocks, 9000) * L * in;
          if (round >= 2) System.out.printf("blocks %d round %d %s: %.3f ms, %.1f GMAC/s%n", blocks, round, kind == 0 ? "4 chains" : "8 chains", best / 1e6, macs / best);
        }
      }
    }
  }
}
