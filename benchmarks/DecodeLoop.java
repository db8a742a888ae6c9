/*
 * The Q8_0 one-row inner loop alone (16 codes widened to fp32 and multiplied into a broadcast input, four chains),
 * one thread, on 512 KB of codes (cached: the arithmetic's rate) and on 160 MB (from memory), with variants: widened
 * through int, one 64-byte load split four ways, and a load touching 512 B / 2 KB / 8 KB ahead. Where "memory" is
 * about 1 / (1/cached + 1/bandwidth), the core does not overlap the arithmetic with its reads (BENCHMARKS.md, fifth
 * session).
 *
 *   java --add-modules jdk.incubator.vector benchmarks/DecodeLoop.java
 */
import jdk.incubator.vector.*;
import static jdk.incubator.vector.VectorOperators.*;
public class DecodeLoop {
  static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
  static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
  static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
  static float direct(byte[] c, float[] x, int n) {
    FloatVector p0 = FloatVector.zero(S), p1 = FloatVector.zero(S), p2 = FloatVector.zero(S), p3 = FloatVector.zero(S);
    for (int j = 0, k = 0; k + 64 <= n; j += 4, k += 64) {
      int xi = j & 1023;
      p0 = ((FloatVector) ByteVector.fromArray(B, c, k).convertShape(B2F, S, 0)).fma(FloatVector.broadcast(S, x[xi]), p0);
      p1 = ((FloatVector) ByteVector.fromArray(B, c, k + 16).convertShape(B2F, S, 0)).fma(FloatVector.broadcast(S, x[xi + 1]), p1);
      p2 = ((FloatVector) ByteVector.fromArray(B, c, k + 32).convertShape(B2F, S, 0)).fma(FloatVector.broadcast(S, x[xi + 2]), p2);
      p3 = ((FloatVector) ByteVector.fromArray(B, c, k + 48).convertShape(B2F, S, 0)).fma(FloatVector.broadcast(S, x[xi + 3]), p3);
    }
    return p0.add(p1).add(p2.add(p3)).reduceLanes(ADD);
  }
  static int touched;
  static float ahead(byte[] c, float[] x, int n, int d) {
    FloatVector p0 = FloatVector.zero(S), p1 = FloatVector.zero(S), p2 = FloatVector.zero(S), p3 = FloatVector.zero(S);
    int t = 0; int last = c.length - 1;
    for (int j = 0, k = 0; k + 64 <= n; j += 4, k += 64) {
      int xi = j & 1023;
      t += c[Math.min(k + d, last)];
      p0 = ((FloatVector) ByteVector.fromArray(B, c, k).convertShape(B2F, S, 0)).fma(FloatVector.broadcast(S, x[xi]), p0);
      p1 = ((FloatVector) ByteVector.fromArray(B, c, k + 16).convertShape(B2F, S, 0)).fma(FloatVector.broadcast(S, x[xi + 1]), p1);
      p2 = ((FloatVector) ByteVector.fromArray(B, c, k + 32).convertShape(B2F, S, 0)).fma(FloatVector.broadcast(S, x[xi + 2]), p2);
      p3 = ((FloatVector) ByteVector.fromArray(B, c, k + 48).convertShape(B2F, S, 0)).fma(FloatVector.broadcast(S, x[xi + 3]), p3);
    }
    touched += t;
    return p0.add(p1).add(p2.add(p3)).reduceLanes(ADD);
  }
  static float viaInt(byte[] c, float[] x, int n) {
    FloatVector p0 = FloatVector.zero(S), p1 = FloatVector.zero(S), p2 = FloatVector.zero(S), p3 = FloatVector.zero(S);
    for (int j = 0, k = 0; k + 64 <= n; j += 4, k += 64) {
      int xi = j & 1023;
      p0 = ((FloatVector) ByteVector.fromArray(B, c, k).convertShape(B2I, I, 0).convertShape(I2F, S, 0)).fma(FloatVector.broadcast(S, x[xi]), p0);
      p1 = ((FloatVector) ByteVector.fromArray(B, c, k + 16).convertShape(B2I, I, 0).convertShape(I2F, S, 0)).fma(FloatVector.broadcast(S, x[xi + 1]), p1);
      p2 = ((FloatVector) ByteVector.fromArray(B, c, k + 32).convertShape(B2I, I, 0).convertShape(I2F, S, 0)).fma(FloatVector.broadcast(S, x[xi + 2]), p2);
      p3 = ((FloatVector) ByteVector.fromArray(B, c, k + 48).convertShape(B2I, I, 0).convertShape(I2F, S, 0)).fma(FloatVector.broadcast(S, x[xi + 3]), p3);
    }
    return p0.add(p1).add(p2.add(p3)).reduceLanes(ADD);
  }
  // one 512-bit byte load, four 128-bit parts
  static float wide(byte[] c, float[] x, int n) {
    VectorSpecies<Byte> B5 = ByteVector.SPECIES_512;
    FloatVector p0 = FloatVector.zero(S), p1 = FloatVector.zero(S), p2 = FloatVector.zero(S), p3 = FloatVector.zero(S);
    for (int j = 0, k = 0; k + 64 <= n; j += 4, k += 64) {
      int xi = j & 1023;
      ByteVector v = ByteVector.fromArray(B5, c, k);
      p0 = ((FloatVector) v.convertShape(B2F, S, 0)).fma(FloatVector.broadcast(S, x[xi]), p0);
      p1 = ((FloatVector) v.convertShape(B2F, S, 1)).fma(FloatVector.broadcast(S, x[xi + 1]), p1);
      p2 = ((FloatVector) v.convertShape(B2F, S, 2)).fma(FloatVector.broadcast(S, x[xi + 2]), p2);
      p3 = ((FloatVector) v.convertShape(B2F, S, 3)).fma(FloatVector.broadcast(S, x[xi + 3]), p3);
    }
    return p0.add(p1).add(p2.add(p3)).reduceLanes(ADD);
  }
  public static void main(String[] a) {
    int big = 160 << 20, small = 512 << 10;
    byte[] cb = new byte[big]; for (int i = 0; i < big; i++) cb[i] = (byte) (i * 31);
    float[] x = new float[1100]; for (int i = 0; i < x.length; i++) x[i] = i * 1e-3f;
    float sink = 0;
    for (int round = 0; round < 6; round++) {
      for (int kind = 0; kind < 6; kind++) {
        for (int n : new int[] {small, big}) {
          int reps = n == small ? 2000 : 10; long best = Long.MAX_VALUE;
          for (int r = 0; r < reps; r++) { long t = System.nanoTime(); sink += kind == 0 ? direct(cb, x, n) : kind == 1 ? viaInt(cb, x, n) : kind == 2 ? wide(cb, x, n) : ahead(cb, x, n, kind == 3 ? 512 : kind == 4 ? 2048 : 8192); best = Math.min(best, System.nanoTime() - t); }
          if (round >= 3) System.out.printf("round %d %-7s %s: %.3f ms, %.1f GMAC/s, %.1f GB/s%n", round, new String[]{"B2F","B2I+I2F","wide","ahead512","ahead2k","ahead8k"}[kind], n == small ? "cached" : "memory", best / 1e6, (double) n / best, (double) n / best);
        }
      }
    }
    System.out.println(sink);
  }
}
