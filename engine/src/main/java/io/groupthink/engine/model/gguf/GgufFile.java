package io.groupthink.engine.model.gguf;

import io.groupthink.engine.model.ModelLoadException;
import io.groupthink.engine.model.SafetensorsFile;
import io.groupthink.engine.quant.GgmlType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One GGUF file (versions 2 and 3), validated up front and read through memory mapping.
 *
 * <p>Layout: magic "GGUF", version, tensor count, metadata count, the metadata key/values, the
 * tensor table (name, dims in ggml order, type, offset), then the tensor data from the first
 * {@code general.alignment} boundary. Every length read from the file is checked against what is
 * left of the file before anything is allocated from it, and all arithmetic on offsets is checked,
 * so a corrupt file is refused with a {@link ModelLoadException} naming the key or tensor.
 */
public final class GgufFile {

    public static final int MAGIC = 0x46554747; // "GGUF" read little-endian
    public static final int DEFAULT_ALIGNMENT = 32;
    static final int MAX_DIMS = 4;
    static final int MAX_ARRAY_DEPTH = 4;
    /** Bounds far above any real file (chat templates are kilobytes, vocabularies a few 100,000 entries), so a
     * corrupt length in a multi-gigabyte file cannot make the reader allocate gigabytes. */
    static final int MAX_STRING_BYTES = 16 << 20;
    static final int MAX_ARRAY_LENGTH = 16 << 20;

    /** Metadata value types, by their id in the file. */
    enum ValueType {
        UINT8(1), INT8(1), UINT16(2), INT16(2), UINT32(4), INT32(4), FLOAT32(4), BOOL(1), STRING(8), ARRAY(12),
        UINT64(8), INT64(8), FLOAT64(8);

        /** The fewest bytes one value of this type takes in the file (a string's length field, an array's header). */
        final int minBytes;

        ValueType(int minBytes) {
            this.minBytes = minBytes;
        }

        static ValueType of(int id) {
            return id >= 0 && id < values().length ? values()[id] : null;
        }
    }

    /**
     * One tensor of the table. {@code dims} are in ggml order: {@code dims[0]} is the fastest-moving
     * (a matrix's input width). {@code offset} is absolute in the file.
     */
    public record TensorInfo(String name, GgmlType type, long[] dims, long offset, long byteSize) {
        public long elementCount() {
            long n = 1;
            for (long d : dims) {
                n *= d; // checked at open
            }
            return n;
        }

        /** The shape in row-major (Hugging Face) order: dims reversed, so a matrix is [out, in]. */
        public long[] shape() {
            long[] s = new long[dims.length];
            for (int i = 0; i < dims.length; i++) {
                s[i] = dims[dims.length - 1 - i];
            }
            return s;
        }

        @Override
        public String toString() {
            return name + " " + type + " " + Arrays.toString(dims);
        }
    }

    private final Path path;
    private final long fileSize;
    private final int version;
    private final Map<String, Object> metadata;
    private final Map<String, TensorInfo> tensors;
    private final long dataStart;

    private GgufFile(Path path, long fileSize, int version, Map<String, Object> metadata,
            Map<String, TensorInfo> tensors, long dataStart) {
        this.path = path;
        this.fileSize = fileSize;
        this.version = version;
        this.metadata = metadata;
        this.tensors = tensors;
        this.dataStart = dataStart;
    }

    public static boolean looksLikeGguf(Path path) {
        if (!Files.isRegularFile(path)) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            return ch.read(b, 0) == 4 && b.getInt(0) == MAGIC;
        } catch (IOException e) {
            return false;
        }
    }

    public static GgufFile open(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new ModelLoadException(path, "GGUF file does not exist");
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return parse(path, ch);
        } catch (IOException e) {
            throw new ModelLoadException(path, "cannot read GGUF file: " + e.getMessage(), e);
        }
    }

    private static GgufFile parse(Path path, FileChannel ch) throws IOException {
        Reader r = new Reader(path, ch, ch.size());
        r.context = "header";
        int magic = r.i32();
        if (magic != MAGIC) {
            throw new ModelLoadException(path, String.format("not a GGUF file: bad magic 0x%08x (expected \"GGUF\")",
                    magic));
        }
        int version = r.i32();
        if (version != 2 && version != 3) {
            throw new ModelLoadException(path, "unsupported GGUF version " + Integer.toUnsignedString(version)
                    + "; versions 2 and 3 are read (version 1 is obsolete; a huge number means a big-endian file)");
        }
        long tensorCount = r.count("tensor count", 8 + 4 + 4 + 8 + 8); // name, n_dims, one dim, type, offset
        long kvCount = r.count("metadata count", 8 + 4 + 1);
        Map<String, Object> metadata = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            r.context = "metadata entry " + i;
            String key = r.string();
            r.context = "metadata key '" + key + "'";
            ValueType type = r.valueType();
            Object value = r.value(type, 0);
            if (metadata.put(key, value) != null) {
                throw new ModelLoadException(path, "metadata key '" + key + "' appears twice");
            }
        }
        Object alignValue = metadata.getOrDefault("general.alignment", (long) DEFAULT_ALIGNMENT);
        if (!(alignValue instanceof Long a) || a <= 0 || a > 1 << 20 || Long.bitCount(a) != 1) {
            throw new ModelLoadException(path, "metadata key 'general.alignment' must be a power of two up to 1 MiB, got "
                    + alignValue);
        }
        long alignment = (Long) alignValue;
        List<long[]> raw = new ArrayList<>(); // per tensor: type id, relative offset, dims...
        List<String> names = new ArrayList<>();
        for (long i = 0; i < tensorCount; i++) {
            r.context = "tensor entry " + i;
            String name = r.string();
            r.context = "tensor '" + name + "'";
            int nDims = r.i32();
            if (nDims < 1 || nDims > MAX_DIMS) {
                throw new ModelLoadException(path, "tensor '" + name + "' has " + Integer.toUnsignedString(nDims)
                        + " dimensions; 1 to " + MAX_DIMS + " are allowed");
            }
            long[] entry = new long[2 + nDims];
            for (int d = 0; d < nDims; d++) {
                entry[2 + d] = r.i64();
            }
            entry[0] = Integer.toUnsignedLong(r.i32());
            entry[1] = r.i64();
            names.add(name);
            raw.add(entry);
        }
        long dataStart = alignUp(path, r.position(), alignment);
        if (dataStart > r.size) {
            throw new ModelLoadException(path, "file ends before its tensor data begins (at byte " + dataStart + ")");
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (int i = 0; i < raw.size(); i++) {
            TensorInfo t = tensorInfo(path, names.get(i), raw.get(i), dataStart, alignment, r.size);
            if (tensors.put(t.name(), t) != null) {
                throw new ModelLoadException(path, "tensor '" + t.name() + "' appears twice in the tensor table");
            }
        }
        return new GgufFile(path, r.size, version, Collections.unmodifiableMap(metadata),
                Collections.unmodifiableMap(tensors), dataStart);
    }

    private static TensorInfo tensorInfo(Path path, String name, long[] entry, long dataStart, long alignment,
            long fileSize) {
        int typeId = (int) entry[0];
        GgmlType type = entry[0] > Integer.MAX_VALUE ? null : GgmlType.ofId(typeId);
        if (type == null) {
            throw new ModelLoadException(path, "tensor '" + name + "' has unknown ggml type id " + entry[0]);
        }
        long[] dims = Arrays.copyOfRange(entry, 2, entry.length);
        long elements = 1;
        for (long d : dims) {
            if (d <= 0) {
                throw new ModelLoadException(path, "tensor '" + name + "' has a dimension of " + Long.toUnsignedString(d)
                        + " in " + Arrays.toString(dims));
            }
            try {
                elements = Math.multiplyExact(elements, d);
            } catch (ArithmeticException e) {
                throw new ModelLoadException(path, "tensor '" + name + "' dimensions " + Arrays.toString(dims)
                        + " overflow");
            }
        }
        long rowBytes = type.rowBytes(dims[0]);
        if (rowBytes < 0) {
            throw new ModelLoadException(path, "tensor '" + name + "' of type " + type + " has rows of " + dims[0]
                    + " values, not a whole number of " + type.blockSize() + "-value blocks");
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(rowBytes, elements / dims[0]);
        } catch (ArithmeticException e) {
            throw new ModelLoadException(path, "tensor '" + name + "' is too large: " + Arrays.toString(dims));
        }
        long rel = entry[1];
        if (rel < 0 || rel % alignment != 0) {
            throw new ModelLoadException(path, "tensor '" + name + "' has offset " + Long.toUnsignedString(rel)
                    + ", not a multiple of the alignment " + alignment);
        }
        // Compared by subtraction so that offsets near 2^63 cannot wrap around.
        if (rel > fileSize - dataStart || bytes > fileSize - dataStart - rel) {
            throw new ModelLoadException(path, "tensor '" + name + "' (" + type + ", " + bytes + " bytes at data offset "
                    + rel + ") lies outside the file: the data is truncated or the offset is out of range (file "
                    + fileSize + " bytes, data from byte " + dataStart + ")");
        }
        return new TensorInfo(name, type, dims, dataStart + rel, bytes);
    }

    private static long alignUp(Path path, long pos, long alignment) {
        long rem = pos % alignment;
        return rem == 0 ? pos : pos + (alignment - rem);
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    public long dataStart() {
        return dataStart;
    }

    /**
     * Metadata values: integers as {@link Long} (unsigned 64-bit ones as their bit pattern), floats as
     * {@link Float}/{@link Double}, {@link Boolean}, {@link String}, and arrays as {@link List}.
     */
    public Map<String, Object> metadata() {
        return metadata;
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** Maps one tensor's raw data read-only, little-endian; the mapping outlives the channel. */
    public ByteBuffer map(TensorInfo t) {
        return SafetensorsFile.map(path, fileSize, t.name(), t.offset(), t.byteSize());
    }

    // ---- typed metadata access; each failure names the key ----

    public boolean has(String key) {
        return metadata.containsKey(key);
    }

    public String string(String key) {
        Object v = require(key);
        if (!(v instanceof String s)) {
            throw wrongType(key, "a string", v);
        }
        return s;
    }

    public String string(String key, String fallback) {
        return has(key) ? string(key) : fallback;
    }

    /** An integer that fits an int and is at least {@code min}. */
    public int integer(String key, int min) {
        Object v = require(key);
        if (!(v instanceof Long l) || l < min || l > Integer.MAX_VALUE) {
            throw wrongType(key, "an integer of at least " + min, v);
        }
        return (int) (long) l;
    }

    public int integer(String key, int min, int fallback) {
        return has(key) ? integer(key, min) : fallback;
    }

    /** A positive number (float or integer). */
    public double positive(String key, double fallback) {
        if (!has(key)) {
            return fallback;
        }
        Object v = metadata.get(key);
        if (!(v instanceof Number n) || !(n.doubleValue() > 0) || Double.isInfinite(n.doubleValue())) {
            throw wrongType(key, "a positive number", v);
        }
        return n.doubleValue();
    }

    public boolean bool(String key, boolean fallback) {
        if (!has(key)) {
            return fallback;
        }
        Object v = metadata.get(key);
        if (!(v instanceof Boolean b)) {
            throw wrongType(key, "a boolean", v);
        }
        return b;
    }

    /** An array whose elements are all of {@code type}. */
    public <T> List<T> array(String key, Class<T> type) {
        Object v = require(key);
        if (!(v instanceof List<?> list)) {
            throw wrongType(key, "an array", v);
        }
        for (Object e : list) {
            if (!type.isInstance(e)) {
                throw new ModelLoadException(path, "metadata key '" + key + "' must be an array of "
                        + type.getSimpleName() + ", found an element " + describe(e));
            }
        }
        @SuppressWarnings("unchecked")
        List<T> typed = (List<T>) list;
        return typed;
    }

    private Object require(String key) {
        Object v = metadata.get(key);
        if (v == null) {
            throw new ModelLoadException(path, "required metadata key '" + key + "' is missing");
        }
        return v;
    }

    private ModelLoadException wrongType(String key, String wanted, Object v) {
        return new ModelLoadException(path, "metadata key '" + key + "' must be " + wanted + ", got " + describe(v));
    }

    private static String describe(Object v) {
        if (v instanceof List<?> l) {
            return "an array of " + l.size();
        }
        String s = String.valueOf(v);
        return (v == null ? "null" : v.getClass().getSimpleName()) + " " + (s.length() > 60 ? s.substring(0, 60) + "…" : s);
    }

    /** Sequential reads over the channel through a window buffer, each checked against the file's end. */
    private static final class Reader {
        private static final int WINDOW = 1 << 16;
        private final Path path;
        private final FileChannel ch;
        final long size;
        private final ByteBuffer buf = ByteBuffer.allocate(WINDOW).order(ByteOrder.LITTLE_ENDIAN);
        private long bufStart; // file position of buf[0]
        String context = "";

        Reader(Path path, FileChannel ch, long size) {
            this.path = path;
            this.ch = ch;
            this.size = size;
            buf.limit(0);
        }

        long position() {
            return bufStart + buf.position();
        }

        private void need(int n) throws IOException {
            if (buf.remaining() >= n) {
                return;
            }
            if (n > size - position()) {
                throw new ModelLoadException(path, "file ends inside " + context + " (at byte " + position()
                        + " of " + size + ")");
            }
            bufStart = position();
            buf.compact();
            while (buf.position() < n) {
                if (ch.read(buf, bufStart + buf.position()) < 0) {
                    throw new ModelLoadException(path, "file ends inside " + context);
                }
            }
            buf.flip();
        }

        int i32() throws IOException {
            need(4);
            return buf.getInt();
        }

        long i64() throws IOException {
            need(8);
            return buf.getLong();
        }

        /** A count that must fit in what is left of the file, at {@code minBytes} per item. */
        long count(String what, int minBytes) throws IOException {
            long n = i64();
            if (n < 0 || n > (size - position()) / minBytes) {
                throw new ModelLoadException(path, what + " " + Long.toUnsignedString(n) + " in " + context
                        + " is more than the rest of the file (" + (size - position()) + " bytes) can hold");
            }
            return n;
        }

        String string() throws IOException {
            long len = i64();
            if (len < 0 || len > size - position()) {
                throw new ModelLoadException(path, "string of " + Long.toUnsignedString(len) + " bytes in " + context
                        + " runs past the end of the file");
            }
            if (len > MAX_STRING_BYTES) {
                throw new ModelLoadException(path, "string of " + len + " bytes in " + context + " is above the "
                        + MAX_STRING_BYTES + " bytes this reader accepts");
            }
            byte[] bytes = new byte[(int) len];
            int done = 0;
            while (done < bytes.length) {
                need(1);
                int k = Math.min(buf.remaining(), bytes.length - done);
                buf.get(bytes, done, k);
                done += k;
            }
            return new String(bytes, StandardCharsets.UTF_8);
        }

        ValueType valueType() throws IOException {
            int id = i32();
            ValueType t = ValueType.of(id);
            if (t == null) {
                throw new ModelLoadException(path, "unknown metadata value type " + Integer.toUnsignedString(id)
                        + " in " + context);
            }
            return t;
        }

        Object value(ValueType t, int depth) throws IOException {
            switch (t) {
                case UINT8 -> { need(1); return (long) (buf.get() & 0xFF); }
                case INT8 -> { need(1); return (long) buf.get(); }
                case UINT16 -> { need(2); return (long) (buf.getShort() & 0xFFFF); }
                case INT16 -> { need(2); return (long) buf.getShort(); }
                case UINT32 -> { return Integer.toUnsignedLong(i32()); }
                case INT32 -> { return (long) i32(); }
                case UINT64, INT64 -> { return i64(); }
                case FLOAT32 -> { need(4); return buf.getFloat(); }
                case FLOAT64 -> { need(8); return buf.getDouble(); }
                case BOOL -> {
                    need(1);
                    byte b = buf.get();
                    if (b != 0 && b != 1) {
                        throw new ModelLoadException(path, "boolean byte " + b + " in " + context + " is neither 0 nor 1");
                    }
                    return b == 1;
                }
                case STRING -> { return string(); }
                default -> {
                    if (depth >= MAX_ARRAY_DEPTH) {
                        throw new ModelLoadException(path, "arrays nested deeper than " + MAX_ARRAY_DEPTH + " in " + context);
                    }
                    ValueType element = valueType();
                    long n = count("array length", element.minBytes);
                    if (n > MAX_ARRAY_LENGTH) {
                        throw new ModelLoadException(path, "array length " + n + " in " + context + " is above the "
                                + MAX_ARRAY_LENGTH + " entries this reader accepts");
                    }
                    List<Object> list = new ArrayList<>((int) Math.min(n, 1 << 16));
                    for (long i = 0; i < n; i++) {
                        list.add(value(element, depth + 1));
                    }
                    return Collections.unmodifiableList(list);
                }
            }
        }
    }
}
