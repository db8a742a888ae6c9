package io.groupthink.engine.model.gguf;

import io.groupthink.engine.model.gguf.GgufFile.ValueType;
import io.groupthink.engine.quant.GgmlType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes GGUF version 3 files: metadata with explicit value types and tensors as raw ggml data.
 * For tests and tools (quantized copies of a model, converted tokenizers); it checks only what it
 * must to produce a well-formed file.
 */
public final class GgufWriter {

    private record Entry(String key, ValueType type, ValueType elementType, Object value) {}

    private record Tensor(String name, GgmlType type, long[] dims, byte[] data) {}

    private final List<Entry> metadata = new ArrayList<>();
    private final List<Tensor> tensors = new ArrayList<>();

    public GgufWriter string(String key, String value) {
        metadata.add(new Entry(key, ValueType.STRING, null, value));
        return this;
    }

    public GgufWriter u32(String key, long value) {
        metadata.add(new Entry(key, ValueType.UINT32, null, value));
        return this;
    }

    public GgufWriter f32(String key, float value) {
        metadata.add(new Entry(key, ValueType.FLOAT32, null, value));
        return this;
    }

    public GgufWriter bool(String key, boolean value) {
        metadata.add(new Entry(key, ValueType.BOOL, null, value));
        return this;
    }

    public GgufWriter strings(String key, List<String> values) {
        metadata.add(new Entry(key, ValueType.ARRAY, ValueType.STRING, List.copyOf(values)));
        return this;
    }

    public GgufWriter f32s(String key, float[] values) {
        metadata.add(new Entry(key, ValueType.ARRAY, ValueType.FLOAT32, values.clone()));
        return this;
    }

    public GgufWriter i32s(String key, int[] values) {
        metadata.add(new Entry(key, ValueType.ARRAY, ValueType.INT32, values.clone()));
        return this;
    }

    /**
     * Copies metadata read by {@link GgufFile} (integers go out as UINT32 when they fit, else INT64 is
     * not needed by any key this engine reads; integer arrays as INT32).
     */
    public GgufWriter copy(String key, Object value) {
        if (value instanceof String s) {
            return string(key, s);
        } else if (value instanceof Long l) {
            return u32(key, l);
        } else if (value instanceof Float f) {
            return f32(key, f);
        } else if (value instanceof Double d) {
            return f32(key, d.floatValue());
        } else if (value instanceof Boolean b) {
            return bool(key, b);
        } else if (value instanceof java.util.List<?> list && !list.isEmpty() && list.get(0) instanceof String) {
            return strings(key, list.stream().map(String.class::cast).toList());
        } else if (value instanceof java.util.List<?> list && !list.isEmpty() && list.get(0) instanceof Float) {
            float[] f = new float[list.size()];
            for (int i = 0; i < f.length; i++) {
                f[i] = (Float) list.get(i);
            }
            return f32s(key, f);
        } else if (value instanceof java.util.List<?> list) {
            int[] v = new int[list.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (int) (long) (Long) list.get(i);
            }
            return i32s(key, v);
        }
        throw new IllegalArgumentException("cannot copy metadata '" + key + "' of " + value.getClass());
    }

    /** A tensor of raw ggml data; {@code dims} in ggml order (dims[0] = row width). */
    public GgufWriter tensor(String name, GgmlType type, long[] dims, byte[] data) {
        long elements = 1;
        for (long d : dims) {
            elements *= d;
        }
        long expected = type.rowBytes(dims[0]) * (elements / dims[0]);
        if (type.rowBytes(dims[0]) < 0 || expected != data.length) {
            throw new IllegalArgumentException("tensor " + name + ": " + data.length + " bytes for " + type
                    + " dims " + java.util.Arrays.toString(dims));
        }
        tensors.add(new Tensor(name, type, dims.clone(), data));
        return this;
    }

    /** An F32 tensor from row-major values of {@code shape} ([out, in] for a matrix). */
    public GgufWriter f32Tensor(String name, long[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return tensor(name, GgmlType.F32, reverse(shape), b.array());
    }

    static long[] reverse(long[] shape) {
        long[] d = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            d[i] = shape[shape.length - 1 - i];
        }
        return d;
    }

    public void write(Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(bytes());
        }
    }

    public byte[] bytes() {
        Out o = new Out();
        o.i32(GgufFile.MAGIC);
        o.i32(3);
        o.i64(tensors.size());
        o.i64(metadata.size());
        for (Entry e : metadata) {
            o.string(e.key());
            o.i32(e.type().ordinal());
            if (e.type() == ValueType.ARRAY) {
                o.i32(e.elementType().ordinal());
                switch (e.elementType()) {
                    case STRING -> {
                        List<?> l = (List<?>) e.value();
                        o.i64(l.size());
                        l.forEach(s -> o.string((String) s));
                    }
                    case FLOAT32 -> {
                        float[] f = (float[]) e.value();
                        o.i64(f.length);
                        for (float v : f) {
                            o.i32(Float.floatToRawIntBits(v));
                        }
                    }
                    default -> {
                        int[] v = (int[]) e.value();
                        o.i64(v.length);
                        for (int x : v) {
                            o.i32(x);
                        }
                    }
                }
            } else {
                o.scalar(e.type(), e.value());
            }
        }
        long offset = 0;
        for (Tensor t : tensors) {
            o.string(t.name());
            o.i32(t.dims().length);
            for (long d : t.dims()) {
                o.i64(d);
            }
            o.i32(t.type().id());
            o.i64(offset);
            offset = align(offset + t.data().length);
        }
        o.pad();
        for (int i = 0; i < tensors.size(); i++) {
            o.write(tensors.get(i).data(), 0, tensors.get(i).data().length);
            o.pad();
        }
        return o.toByteArray();
    }

    private static long align(long n) {
        int a = GgufFile.DEFAULT_ALIGNMENT;
        return (n + a - 1) / a * a;
    }

    private static final class Out extends ByteArrayOutputStream {
        private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

        void i32(int v) {
            write(scratch.clear().putInt(v).array(), 0, 4);
        }

        void i64(long v) {
            write(scratch.clear().putLong(v).array(), 0, 8);
        }

        void string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i64(b.length);
            write(b, 0, b.length);
        }

        void scalar(ValueType t, Object v) {
            switch (t) {
                case STRING -> string((String) v);
                case UINT32 -> i32((int) (long) (Long) v);
                case FLOAT32 -> i32(Float.floatToRawIntBits((Float) v));
                case BOOL -> write((Boolean) v ? 1 : 0);
                default -> throw new IllegalArgumentException("unsupported value type " + t);
            }
        }

        void pad() {
            while (size() % GgufFile.DEFAULT_ALIGNMENT != 0) {
                write(0);
            }
        }
    }
}
