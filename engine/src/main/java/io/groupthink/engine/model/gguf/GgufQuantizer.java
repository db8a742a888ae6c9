package io.groupthink.engine.model.gguf;

import io.groupthink.engine.quant.GgmlType;
import io.groupthink.engine.quant.Q4_0;
import io.groupthink.engine.quant.Q4_K;
import io.groupthink.engine.quant.Q5_K;
import io.groupthink.engine.quant.Q6_K;
import io.groupthink.engine.quant.Q8_0;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes a quantized copy of an F32 GGUF file, as llama-quantize would (with plain reference
 * quantizers): every matrix whose rows are whole blocks of the target type is quantized, vectors
 * (norms, biases) and matrices that do not fit stay F32. Metadata is copied as is. For tests and
 * benchmarks of quantized files.
 */
public final class GgufQuantizer {

    private GgufQuantizer() {}

    public static void quantize(GgufFile src, Path out, GgmlType type) throws IOException {
        GgufWriter w = new GgufWriter();
        for (Map.Entry<String, Object> e : src.metadata().entrySet()) {
            if (!e.getKey().equals("general.alignment")) {
                w.copy(e.getKey(), e.getValue());
            }
        }
        for (GgufFile.TensorInfo t : src.tensors().values()) {
            if (t.type() != GgmlType.F32) {
                throw new IllegalArgumentException("tensor " + t + " is not F32");
            }
            float[] x = new float[(int) t.elementCount()];
            FloatBuffer f = src.map(t).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            f.get(x);
            int width = (int) t.dims()[0];
            if (t.dims().length < 2 || type.rowBytes(width) < 0) {
                ByteBuffer raw = ByteBuffer.allocate(x.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                raw.asFloatBuffer().put(x);
                w.tensor(t.name(), GgmlType.F32, t.dims(), raw.array());
                continue;
            }
            ByteBuffer q = ByteBuffer.allocate((int) (type.rowBytes(width) * (x.length / width)))
                    .order(ByteOrder.LITTLE_ENDIAN);
            for (int off = 0; off < x.length; off += width) {
                switch (type) {
                    case Q8_0 -> Q8_0.quantize(x, off, width, q);
                    case Q4_0 -> Q4_0.quantize(x, off, width, q);
                    case Q4_K -> Q4_K.quantize(x, off, width, q);
                    case Q5_K -> Q5_K.quantize(x, off, width, q);
                    case Q6_K -> Q6_K.quantize(x, off, width, q);
                    default -> throw new IllegalArgumentException("no quantizer for " + type);
                }
            }
            w.tensor(t.name(), type, t.dims(), q.array());
        }
        w.write(out);
    }
}
