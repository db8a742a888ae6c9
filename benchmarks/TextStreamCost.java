/*
 * What turning a thinker's tokens into text costs the engine thread per token, as the lane grows:
 * TextStream.push over random ordinary tokens (ids 259 and up: no byte-fallback pieces), mean
 * microseconds a push over the first 64, 128, ... 2,048 tokens, twice (the first warms the JIT).
 *
 *   mvn -q -o dependency:build-classpath -pl engine -Dmdep.outputFile=/tmp/engine.cp
 *   java -cp engine/target/classes:$(cat /tmp/engine.cp) benchmarks/TextStreamCost.java TOKENIZER_JSON VOCAB
 */
import io.groupthink.engine.tokenizer.*;
import java.nio.file.*;
import java.util.*;

public class TextStreamCost {
  public static void main(String[] a) {
    int vocab = Integer.parseInt(a[1]);
    Tokenizer t = Tokenizer.load(Paths.get(a[0]), vocab);
    Random r = new Random(7);
    for (int rep = 0; rep < 2; rep++) {
      TextStream s = new TextStream(t, 300);
      long t0 = System.nanoTime();
      StringBuilder line = new StringBuilder("run " + (rep + 1) + ", mean us a push over the first");
      for (int i = 1; i <= 2048; i++) {
        s.push(259 + r.nextInt(vocab - 300));
        if (Integer.bitCount(i) == 1 && i >= 64) {
          line.append(String.format(Locale.ROOT, " %d: %.1f;", i, (System.nanoTime() - t0) / 1e3 / i));
        }
      }
      System.out.println(line);
    }
    t.close();
  }
}
