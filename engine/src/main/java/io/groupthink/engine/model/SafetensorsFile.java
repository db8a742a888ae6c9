package io.groupthink.engine.model;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@code .safetensors} file, validated up front and read through memory mapping.
 *
 * <p>Each tensor is mapped on its own, so files of any size load; only a single tensor above
 * 2 GiB is refused. The checks follow the format's own rules: header size cap, UTF-8 JSON object,
 * no duplicate names, offsets contiguous from 0 with no overlap or hole, no trailing bytes, and
 * byte size = product(shape) x dtype size computed without overflow.
 */
public final class SafetensorsFile {

    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    /** A tensor's entry in the header; {@code begin} is relative to the start of the file. */
    public record Entry(String name, DType dtype, long[] shape, long begin, long end) {
        public long byteSize() {
            return end - begin;
        }

        public long elementCount() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private final Path path;
    private final long fileSize;
    private final Map<String, Entry> entries;

    private SafetensorsFile(Path path, long fileSize, Map<String, Entry> entries) {
        this.path = path;
        this.fileSize = fileSize;
        this.entries = entries;
    }

    public Path path() {
        return path;
    }

    public Map<String, Entry> entries() {
        return entries;
    }

    public static SafetensorsFile open(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new ModelLoadException(path, "safetensors file is " + size + " bytes, too short for a header");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen < 2 || headerLen > MAX_HEADER_BYTES) {
                throw new ModelLoadException(path, "corrupt safetensors header: declared header size "
                        + headerLen + " is outside 2.." + MAX_HEADER_BYTES + " bytes");
            }
            if (headerLen > size - 8) {
                throw new ModelLoadException(path, "corrupt safetensors header: declared header size "
                        + headerLen + " exceeds the file size " + size);
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLen);
            readFully(ch, header, 8);
            header.flip();
            Map<String, Entry> entries = parseHeader(path, header, 8 + headerLen, size);
            return new SafetensorsFile(path, size, entries);
        } catch (IOException e) {
            throw new ModelLoadException(path, "cannot read safetensors file: " + e.getMessage(), e);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos + buf.position());
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }

    private static Map<String, Entry> parseHeader(Path path, ByteBuffer header, long dataStart, long fileSize) {
        String json;
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(header);
            json = chars.toString();
        } catch (CharacterCodingException e) {
            throw new ModelLoadException(path, "corrupt safetensors header: not valid UTF-8");
        }
        JsonNode root;
        try {
            ObjectMapper mapper = new ObjectMapper();
            mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            root = mapper.readTree(json.trim());
        } catch (IOException e) {
            String msg = e.getMessage() != null && e.getMessage().contains("Duplicate field")
                    ? "duplicate tensor name in header: " + firstLine(e.getMessage())
                    : "not valid JSON: " + firstLine(e.getMessage());
            throw new ModelLoadException(path, "corrupt safetensors header: " + msg);
        }
        if (root == null || !root.isObject()) {
            throw new ModelLoadException(path, "corrupt safetensors header: the header must be a JSON object");
        }
        List<Entry> list = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (field.getKey().equals("__metadata__")) {
                continue;
            }
            list.add(entry(path, field.getKey(), field.getValue(), dataStart, fileSize));
        }
        // Offsets must tile the data area exactly: sorted, contiguous from 0, ending at the file's end.
        list.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = dataStart;
        for (Entry e : list) {
            if (e.begin() < expected) {
                throw new ModelLoadException(path, "corrupt safetensors header: tensor '" + e.name()
                        + "' overlaps the previous tensor");
            }
            if (e.begin() > expected) {
                throw new ModelLoadException(path, "corrupt safetensors header: hole of " + (e.begin() - expected)
                        + " bytes before tensor '" + e.name() + "'");
            }
            if (e.end() > fileSize) {
                throw new ModelLoadException(path, "truncated tensor data: tensor '" + e.name() + "' ends at byte "
                        + e.end() + " but the file has only " + fileSize + " bytes");
            }
            expected = e.end();
        }
        if (expected != fileSize) {
            throw new ModelLoadException(path, "corrupt safetensors file: " + (fileSize - expected)
                    + " trailing bytes after the last tensor");
        }
        Map<String, Entry> byName = new LinkedHashMap<>();
        list.forEach(e -> byName.put(e.name(), e));
        return byName;
    }

    private static Entry entry(Path path, String name, JsonNode node, long dataStart, long fileSize) {
        String where = "corrupt safetensors header: tensor '" + name + "' ";
        if (!node.isObject()) {
            throw new ModelLoadException(path, where + "is not an object");
        }
        JsonNode dtypeNode = node.get("dtype");
        JsonNode shapeNode = node.get("shape");
        JsonNode offsets = node.get("data_offsets");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new ModelLoadException(path, where + "has no dtype");
        }
        DType dtype = DType.parse(dtypeNode.asText());
        if (dtype == null) {
            throw new ModelLoadException(path, "unsupported dtype " + dtypeNode.asText() + " for tensor '" + name + "'");
        }
        if (shapeNode == null || !shapeNode.isArray()) {
            throw new ModelLoadException(path, where + "has no shape");
        }
        long[] shape = new long[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < 0) {
                throw new ModelLoadException(path, where + "has an invalid dimension " + d);
            }
            shape[i] = d.asLong();
            try {
                elements = Math.multiplyExact(elements, shape[i]);
            } catch (ArithmeticException e) {
                throw new ModelLoadException(path, where + "has a shape whose size overflows");
            }
        }
        if (offsets == null || !offsets.isArray() || offsets.size() != 2
                || !offsets.get(0).canConvertToLong() || !offsets.get(1).canConvertToLong()) {
            throw new ModelLoadException(path, where + "needs data_offsets [begin, end]");
        }
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        if (begin < 0 || end < begin) {
            throw new ModelLoadException(path, where + "has reversed or negative data_offsets [" + begin + ", " + end + "]");
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(elements, (long) dtype.bytes);
        } catch (ArithmeticException e) {
            throw new ModelLoadException(path, where + "has a shape whose byte size overflows");
        }
        if (bytes != end - begin) {
            throw new ModelLoadException(path, where + "has " + (end - begin) + " bytes of data but shape "
                    + java.util.Arrays.toString(shape) + " x " + dtype + " needs " + bytes);
        }
        // Checked here, before dataStart is added: offsets near Long.MAX_VALUE would wrap around.
        if (end > fileSize - dataStart) {
            throw new ModelLoadException(path, "truncated tensor data: tensor '" + name + "' ends at data offset "
                    + end + " but the file holds only " + (fileSize - dataStart) + " bytes of tensor data");
        }
        return new Entry(name, dtype, shape, dataStart + begin, dataStart + end);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /**
     * Maps one tensor read-only, in little-endian order. The mapping stays valid after the channel
     * closes and is released when the buffer is collected.
     */
    public ByteBuffer map(Entry e) {
        return map(path, fileSize, e.name(), e.begin(), e.byteSize());
    }

    /**
     * Maps {@code bytes} at {@code offset} of a validated file read-only, little-endian; refuses single
     * tensors above 2 GiB and a file that changed size since it was validated. Shared with the GGUF reader.
     */
    public static ByteBuffer map(Path path, long fileSize, String tensor, long offset, long bytes) {
        if (bytes > Integer.MAX_VALUE) {
            throw new ModelLoadException(path, "tensor '" + tensor + "' is " + bytes
                    + " bytes; single tensors above 2 GiB are not supported");
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            if (ch.size() != fileSize) {
                throw new ModelLoadException(path, "file changed size while loading");
            }
            return ch.map(FileChannel.MapMode.READ_ONLY, offset, bytes).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException ex) {
            throw new ModelLoadException(path, "cannot map tensor '" + tensor + "': " + ex.getMessage(), ex);
        }
    }
}
