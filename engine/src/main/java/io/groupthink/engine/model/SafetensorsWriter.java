package io.groupthink.engine.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writes float tensors to a {@code .safetensors} file as F32, F16 or BF16 (for generated test models). */
public final class SafetensorsWriter {

    private final Map<String, long[]> shapes = new LinkedHashMap<>();
    private final Map<String, float[]> data = new LinkedHashMap<>();

    public SafetensorsWriter add(String name, long[] shape, float[] values) {
        shapes.put(name, shape);
        data.put(name, values);
        return this;
    }

    public long byteSize(DType dtype) {
        return data.values().stream().mapToLong(v -> (long) v.length * dtype.bytes).sum();
    }

    public void write(Path file, DType dtype) throws IOException {
        if (!dtype.isWeightType()) {
            throw new IllegalArgumentException("can only write F32, F16 or BF16, not " + dtype);
        }
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode header = mapper.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (var e : shapes.entrySet()) {
            long bytes = (long) data.get(e.getKey()).length * dtype.bytes;
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", dtype.name());
            ArrayNode shape = t.putArray("shape");
            for (long d : e.getValue()) {
                shape.add(d);
            }
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = mapper.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8; // keep tensor data 8-byte aligned, as the reference writer does
        try (OutputStream out = Files.newOutputStream(file)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
            out.write(len.array());
            out.write(json);
            for (int i = json.length; i < padded; i++) {
                out.write(' ');
            }
            for (float[] values : data.values()) {
                ByteBuffer buf = ByteBuffer.allocate(values.length * dtype.bytes).order(ByteOrder.LITTLE_ENDIAN);
                for (float v : values) {
                    switch (dtype) {
                        case F32 -> buf.putFloat(v);
                        case BF16 -> buf.putShort(Floats.toBf16(v));
                        case F16 -> buf.putShort(Floats.toF16(v));
                        default -> throw new IllegalStateException();
                    }
                }
                out.write(buf.array());
            }
        }
    }
}
