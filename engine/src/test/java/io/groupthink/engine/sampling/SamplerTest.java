package io.groupthink.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The sampler gathers and sorts only the tokens top-k and top-p can reach. Checked against the
 * rule written out the plain way: every token sorted best first (ties by id), softmax in double,
 * the top k kept, the smallest prefix whose mass reaches top_p.
 */
class SamplerTest {

    /** The plain rule: ids best first and their probabilities within the nucleus (summing to 1). */
    static Object[] reference(float[] l, SamplingOptions o) {
        Integer[] order = IntStream.range(0, l.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> -l[i]).thenComparingInt(i -> i));
        int keep = o.topK() > 0 ? Math.min(o.topK(), l.length) : l.length;
        double max = l[order[0]];
        double[] p = new double[keep];
        double sum = 0;
        for (int i = 0; i < keep; i++) {
            p[i] = Math.exp((l[order[i]] - max) / o.temperature());
            sum += p[i];
        }
        int cut = keep;
        double cumulative = 0;
        for (int i = 0; i < keep; i++) {
            cumulative += p[i] / sum;
            if (cumulative >= o.topP()) {
                cut = i + 1;
                break;
            }
        }
        double mass = Arrays.stream(p, 0, cut).sum();
        int[] ids = new int[cut];
        double[] probs = new double[cut];
        for (int i = 0; i < cut; i++) {
            ids[i] = order[i];
            probs[i] = p[i] / mass;
        }
        return new Object[] {ids, probs};
    }

    @Test
    void theNucleusIsThePlainRulesOnPeakedFlatAndTiedLogits() {
        SplittableRandom r = new SplittableRandom(3);
        int checked = 0;
        for (int trial = 0; trial < 300; trial++) {
            int v = 1 + r.nextInt(trial < 20 ? 20 : 3000);
            float spread = new float[] {0.01f, 1f, 5f, 30f}[trial % 4];
            float[] l = new float[v];
            for (int i = 0; i < v; i++) {
                l[i] = trial % 7 == 0 ? Math.round(r.nextGaussian() * 2) : (float) (r.nextGaussian() * spread);
            }
            double temperature = new double[] {0.2, 0.7, 1.0, 1.8}[r.nextInt(4)];
            int topK = r.nextInt(3) == 0 ? 1 + r.nextInt(60) : 0;
            double topP = new double[] {0.1, 0.5, 0.9, 0.95, 1.0}[r.nextInt(5)];
            SamplingOptions o = new SamplingOptions(temperature, topK, topP, 1, trial);
            Object[] reference = reference(l, o);
            int[] wantIds = (int[]) reference[0];
            double[] wantP = (double[]) reference[1];
            Sampler.Nucleus got = new Sampler(o).nucleus(l);
            String what = "trial " + trial + ": vocab " + v + ", T " + temperature + ", top_k " + topK + ", top_p " + topP;
            // as distributions over ids: a token of probability below double rounding may sit on either side of a cut
            double[] want = new double[v];
            for (int i = 0; i < wantIds.length; i++) {
                want[wantIds[i]] = wantP[i];
            }
            double[] have = new double[v];
            for (int i = 0; i < got.ids().length; i++) {
                have[got.ids()[i]] += got.weights()[i] / got.mass();
            }
            for (int id = 0; id < v; id++) {
                assertThat(have[id]).as(what + ", token " + id).isCloseTo(want[id], within(1e-6));
            }
            if (topP < 1) {
                assertThat(got.ids()).as(what + ": best first").startsWith(wantIds[0]);
            }
            checked++;
        }
        assertThat(checked).isEqualTo(300);
    }

    @Test
    void drawsFollowTheNucleusProbabilities() {
        float[] l = {3f, 2.5f, 2f, 0f, -1f, -9f};
        SamplingOptions o = new SamplingOptions(1.0, 0, 0.9, 1, 42);
        double[] p = (double[]) reference(l, o)[1];
        int[] ids = (int[]) reference(l, o)[0];
        Sampler s = new Sampler(o);
        int n = 200_000;
        int[] count = new int[l.length];
        for (int i = 0; i < n; i++) {
            count[s.sample(l, List.of())]++;
        }
        for (int i = 0; i < ids.length; i++) {
            assertThat(count[ids[i]] / (double) n).as("token %d", ids[i]).isCloseTo(p[i], within(0.005));
        }
        int outside = n - Arrays.stream(ids).map(id -> count[id]).sum();
        assertThat(outside).as("draws outside the nucleus").isZero();
    }

    @Test
    void theSameSeedDrawsTheSameTokens() {
        SplittableRandom r = new SplittableRandom(9);
        float[] l = new float[151_936];
        for (int i = 0; i < l.length; i++) {
            l[i] = (float) (r.nextGaussian() * 4);
        }
        SamplingOptions o = SamplingOptions.sampled(0.7, 0.95, 5);
        Sampler a = new Sampler(o);
        Sampler b = new Sampler(o);
        for (int i = 0; i < 20; i++) {
            assertThat(a.sample(l, List.of())).isEqualTo(b.sample(l, List.of()));
        }
    }

    /** Without the Vector API module the sampler's scalar exponential gives the very weights the vector one does. */
    @Test
    void scalarExponentialEqualsTheVectorLanesBitForBit() {
        SplittableRandom r = new SplittableRandom(17);
        float[] x = new float[4099];
        for (int i = 0; i < x.length; i++) {
            x[i] = i < 8 ? new float[] {0f, -0f, -87.3f, 88.3f, -200f, 200f, Float.MIN_VALUE, -1e-30f}[i]
                    : (float) (r.nextDouble(-100, 100) * (r.nextBoolean() ? 1 : 1e-3));
        }
        float[] vector = new float[x.length];
        io.groupthink.engine.runtime.VectorMath.exp(x, 0.5f, 1.25f, vector);
        for (int i = 0; i < x.length; i++) {
            float scalar = io.groupthink.engine.runtime.ScalarMath.exp((x[i] - 0.5f) * 1.25f);
            assertThat(Float.floatToRawIntBits(scalar)).as("e^((%s - 0.5) 1.25)", x[i])
                    .isEqualTo(Float.floatToRawIntBits(vector[i]));
            float arg = (x[i] - 0.5f) * 1.25f;
            if (Math.abs(arg) < 87) { // beyond, both clamp: e^88.3 is near the largest float
                assertThat((double) scalar).isCloseTo(Math.exp(arg), within(Math.max(1e-37, 3e-7 * Math.exp(arg))));
            }
        }
    }

    @Test
    void scalarArgmaxIsTheVectorArgmax() {
        SplittableRandom r = new SplittableRandom(5);
        for (int trial = 0; trial < 200; trial++) {
            float[] x = new float[1 + r.nextInt(600)];
            for (int i = 0; i < x.length; i++) {
                x[i] = r.nextInt(8) - 4; // many ties: the first maximum wins
            }
            if (trial % 10 == 0) {
                x[r.nextInt(x.length)] = Float.NaN;
            }
            assertThat(io.groupthink.engine.runtime.ScalarMath.argmax(x)).as("trial %d", trial).isEqualTo(io.groupthink.engine.runtime.VectorMath.argmax(x));
        }
    }
}
