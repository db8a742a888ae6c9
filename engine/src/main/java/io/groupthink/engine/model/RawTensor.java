package io.groupthink.engine.model;

import io.groupthink.engine.quant.GgmlType;
import io.groupthink.engine.quant.Q4_0;
import io.groupthink.engine.quant.Q4_K;
import io.groupthink.engine.quant.Q5_K;
import io.groupthink.engine.quant.Q6_K;
import io.groupthink.engine.quant.Q8_0;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * One stored weight as the file holds it: the single place every weight comes from, whatever the
 * container (safetensors folder or GGUF file). {@code shape} is row-major, a matrix [out, in];
 * {@code data} is the raw little-endian data (usually a read-only mapping of the file), so a
 * quantized kernel can take the blocks as they are. {@link #toF32()} is the dequantizing path.
 *
 * @param file where it lives, for error messages
 */
public record RawTensor(String name, GgmlType type, long[] shape, ByteBuffer data, Path file) {

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /**
     * The values as a native-order fp32 buffer: F32 data is returned as is (no copy), everything else
     * is widened or dequantized row by row into a new direct buffer.
     */
    public ByteBuffer toF32() {
        long count = elementCount();
        switch (type) {
            case F32:
                return data;
            case F16:
                return Floats.widen(data, DType.F16, count);
            case BF16:
                return Floats.widen(data, DType.BF16, count);
            case Q8_0, Q4_0, Q4_K, Q5_K, Q6_K:
                break;
            default:
                throw new ModelLoadException(file, "tensor '" + name + "' has ggml type " + type
                        + ", which this engine cannot read (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K)");
        }
        if (count > Integer.MAX_VALUE / 4) {
            throw new ModelLoadException(file, "tensor '" + name + "' has " + count + " values; above 2^29 per tensor"
                    + " cannot be dequantized into one buffer");
        }
        int width = (int) shape[shape.length - 1];
        long rowBytes = type.rowBytes(width);
        if (rowBytes < 0 || Math.multiplyExact(rowBytes, count / width) != data.remaining()) {
            throw new ModelLoadException(file, "tensor '" + name + "' (" + type + ", shape " + Arrays.toString(shape)
                    + ") should hold " + rowBytes * (count / width) + " bytes, has " + data.remaining());
        }
        ByteBuffer out = ByteBuffer.allocateDirect((int) count * 4).order(ByteOrder.nativeOrder());
        FloatBuffer f = out.asFloatBuffer();
        float[] row = new float[width];
        for (long r = 0; r < count / width; r++) {
            long pos = r * rowBytes;
            switch (type) {
                case Q8_0 -> Q8_0.dequantize(data, pos, width, row, 0);
                case Q4_0 -> Q4_0.dequantize(data, pos, width, row, 0);
                case Q4_K -> Q4_K.dequantize(data, pos, width, row, 0);
                case Q5_K -> Q5_K.dequantize(data, pos, width, row, 0);
                default -> Q6_K.dequantize(data, pos, width, row, 0);
            }
            f.put(row);
        }
        return out;
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape);
    }
}
