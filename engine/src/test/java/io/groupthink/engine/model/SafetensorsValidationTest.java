package io.groupthink.engine.model;

import static io.groupthink.engine.model.BadFiles.assertFails;
import static io.groupthink.engine.model.BadFiles.concat;
import static io.groupthink.engine.model.BadFiles.f32;
import static io.groupthink.engine.model.BadFiles.f32Tensor;
import static io.groupthink.engine.model.BadFiles.file;
import static io.groupthink.engine.model.BadFiles.raw;
import static io.groupthink.engine.model.BadFiles.write;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The safetensors format's own checklist (bad-inputs.md items 5-8), one corrupt file per rule,
 * each built byte by byte and opened with {@link SafetensorsFile#open}.
 */
class SafetensorsValidationTest {

    @TempDir
    Path tmp;

    private Path put(byte[] bytes) {
        return write(tmp.resolve("model.safetensors"), bytes);
    }

    private void assertOpenFails(byte[] bytes, String... fragments) {
        Path p = put(bytes);
        assertFails(() -> SafetensorsFile.open(p), p, fragments);
    }

    /** Two F32 tensors a [4] and b [2], 24 bytes of data. */
    private static byte[] valid() {
        return file(List.of(f32Tensor("a", new long[] {4}, 1, 2, 3, 4), f32Tensor("b", new long[] {2}, 5, 6)));
    }

    @Test
    void theValidBaselineOpens() {
        SafetensorsFile f = SafetensorsFile.open(put(valid()));
        assertThat(f.entries()).containsOnlyKeys("a", "b");
        ByteBuffer b = f.map(f.entries().get("b"));
        assertThat(b.getFloat(0)).isEqualTo(5f);
        assertThat(b.getFloat(4)).isEqualTo(6f);
    }

    @Test
    void emptyTensorListWithNoDataOpens() {
        SafetensorsFile f = SafetensorsFile.open(put(file("{}", new byte[0])));
        assertThat(f.entries()).isEmpty();
    }

    // ---- item 5: header size

    @Test
    void fileShorterThanTheLengthField() {
        assertOpenFails(new byte[] {1, 0, 0}, "3 bytes", "too short");
    }

    @Test
    void headerSizeLargerThanFile() {
        byte[] header = BadFiles.json("{}").getBytes(StandardCharsets.UTF_8);
        assertOpenFails(raw(1000, header, new byte[0]), "declared header size 1000", "exceeds the file size 10");
    }

    @Test
    void headerSizeAboveTheCapIsRefusedBeforeAllocating() throws IOException {
        // A file big enough to hold the declared header, so only the 100 MB cap can refuse it.
        // The file is sparse: setLength writes no data.
        long declared = SafetensorsFile.MAX_HEADER_BYTES + 1;
        Path p = tmp.resolve("huge.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(declared).array());
            f.setLength(8 + declared + 16);
        }
        assertFails(() -> SafetensorsFile.open(p), p, "declared header size " + declared, "outside 2.."
                + SafetensorsFile.MAX_HEADER_BYTES);
    }

    @Test
    void negativeHeaderSize() {
        byte[] v = valid();
        Arrays.fill(v, 0, 8, (byte) 0xff); // -1
        assertOpenFails(v, "declared header size -1");
    }

    // ---- item 6: header encoding and shape of the JSON

    @Test
    void headerNotUtf8() {
        byte[] header = {'{', '"', 'a', (byte) 0xc3, (byte) 0x28, '"', ':', '1', '}'};
        assertOpenFails(raw(header.length, header, new byte[0]), "not valid UTF-8");
    }

    @Test
    void headerNotJson() {
        assertOpenFails(file("{'a': {'dtype': 'F32', 'shape': [4], 'data_offsets': [0, 16]", f32(1, 2, 3, 4)),
                "not valid JSON");
    }

    @Test
    void headerNotAnObject() {
        assertOpenFails(file("[{'dtype': 'F32', 'shape': [4], 'data_offsets': [0, 16]}]", f32(1, 2, 3, 4)),
                "must be a JSON object");
    }

    @Test
    void headerIsAJsonString() {
        assertOpenFails(file("'tensors'", new byte[0]), "must be a JSON object");
    }

    @Test
    void duplicateTensorNames() {
        assertOpenFails(file("{'a': {'dtype': 'F32', 'shape': [2], 'data_offsets': [0, 8]},"
                + " 'a': {'dtype': 'F32', 'shape': [2], 'data_offsets': [8, 16]}}", f32(1, 2, 3, 4)),
                "duplicate tensor name", "'a'");
    }

    @Test
    void tensorEntryNotAnObject() {
        assertOpenFails(file("{'a': [0, 16]}", f32(1, 2, 3, 4)), "tensor 'a'", "is not an object");
    }

    @Test
    void tensorWithoutOffsets() {
        assertOpenFails(file("{'a': {'dtype': 'F32', 'shape': [4]}}", f32(1, 2, 3, 4)), "tensor 'a'",
                "data_offsets");
    }

    @Test
    void negativeDimension() {
        assertOpenFails(file("{'a': {'dtype': 'F32', 'shape': [-4], 'data_offsets': [0, 16]}}", f32(1, 2, 3, 4)),
                "tensor 'a'", "invalid dimension -4");
    }

    @Test
    void unknownDtypeName() {
        assertOpenFails(file("{'a': {'dtype': 'Q4_K', 'shape': [4], 'data_offsets': [0, 16]}}", f32(1, 2, 3, 4)),
                "unsupported dtype Q4_K", "'a'");
    }

    // ---- item 7: offsets

    @Test
    void overlappingOffsets() {
        assertOpenFails(file("{'a': {'dtype': 'F32', 'shape': [4], 'data_offsets': [0, 16]},"
                + " 'b': {'dtype': 'F32', 'shape': [4], 'data_offsets': [8, 24]}}", f32(1, 2, 3, 4, 5, 6)),
                "tensor 'b'", "overlaps");
    }

    @Test
    void twoTensorsSharingTheSameBytes() {
        assertOpenFails(file("{'a': {'dtype': 'F32', 'shape': [4], 'data_offsets': [0, 16]},"
                + " 'b': {'dtype': 'F32', 'shape': [4], 'data_offsets': [0, 16]}}", f32(1, 2, 3, 4)), "overlaps");
    }

    @Test
    void holeBetweenTensors() {
        assertOpenFails(file("{'a': {'dtype': 'F32', 'shape': [4], 'data_offsets': [0, 16]},"
                + " 'b': {'dtype': 'F32', 'shape': [2], 'data_offsets': [20, 28]}}", f32(1, 2, 3, 4, 0, 5, 6)),
                "hole of 4 bytes", "tensor 'b'");
    }

    @Test
    void holeBeforeTheFirstTensor() {
        assertOpenFails(file("{'a': {'dtype': 'F32', 'shape': [4], 'data_offsets': [4, 20]}}", f32(0, 1, 2, 3, 4)),
                "hole of 4 bytes", "tensor 'a'");
    }

    @Test
    void reversedOffsets() {
        assertOpenFails(file("{'a': {'dtype': 'F32', 'shape': [4], 'data_offsets': [16, 0]}}", f32(1, 2, 3, 4)),
                "tensor 'a'", "reversed or negative data_offsets [16, 0]");
    }

    @Test
    void negativeOffsets() {
        assertOpenFails(file("{'a': {'dtype': 'F32', 'shape': [4], 'data_offsets': [-16, 0]}}", f32(1, 2, 3, 4)),
                "tensor 'a'", "reversed or negative");
    }

    @Test
    void offsetsPastEndOfFile() {
        assertOpenFails(file("{'a': {'dtype': 'F32', 'shape': [4], 'data_offsets': [0, 16]},"
                + " 'b': {'dtype': 'F32', 'shape': [1000], 'data_offsets': [16, 4016]}}", f32(1, 2, 3, 4, 5, 6)),
                "truncated tensor data", "tensor 'b'", "ends at data offset 4016", "only 24 bytes");
    }

    @Test
    void offsetsNearLongMaxDoNotWrapAround() {
        // begin + end relative to the data start would overflow a long once the header size is added.
        long max = Long.MAX_VALUE;
        assertOpenFails(file("{'a': {'dtype': 'U8', 'shape': [" + max + "], 'data_offsets': [0, " + max + "]}}",
                new byte[8]), "tensor 'a'", "ends at data offset " + max, "only 8 bytes");
    }

    @Test
    void trailingBytesAfterTheLastTensor() {
        assertOpenFails(concat(valid(), new byte[] {1, 2, 3}), "3 trailing bytes");
    }

    @Test
    void truncatedTensorData() {
        byte[] v = valid();
        assertOpenFails(Arrays.copyOf(v, v.length - 5), "truncated tensor data", "tensor 'b'");
    }

    @Test
    void truncatedInsideTheHeader() {
        byte[] v = valid();
        assertOpenFails(Arrays.copyOf(v, 20), "exceeds the file size 20");
    }

    // ---- item 8: sizes

    @Test
    void shapeTimesDtypeDifferentFromByteRange() {
        assertOpenFails(file("{'a': {'dtype': 'F32', 'shape': [5], 'data_offsets': [0, 16]}}", f32(1, 2, 3, 4)),
                "tensor 'a'", "16 bytes of data", "[5] x F32 needs 20");
    }

    @Test
    void dtypeSizeMismatchSameElementCount() {
        // 4 elements as F16 are 8 bytes, not 16.
        assertOpenFails(file("{'a': {'dtype': 'F16', 'shape': [4], 'data_offsets': [0, 16]}}", f32(1, 2, 3, 4)),
                "tensor 'a'", "F16 needs 8");
    }

    @Test
    void shapeProductOverflowsLong() {
        assertOpenFails(file("{'a': {'dtype': 'F32', 'shape': [4294967296, 4294967296], 'data_offsets': [0, 16]}}",
                f32(1, 2, 3, 4)), "tensor 'a'", "overflows");
    }

    @Test
    void byteSizeOverflowsLongThoughElementCountDoesNot() {
        // 2^62 elements fit a long; 2^62 x 4 bytes do not.
        assertOpenFails(file("{'a': {'dtype': 'F32', 'shape': [4611686018427387904], 'data_offsets': [0, 16]}}",
                f32(1, 2, 3, 4)), "tensor 'a'", "byte size overflows");
    }

    @Test
    void dimensionBeyondLong() {
        assertOpenFails(file("{'a': {'dtype': 'F32', 'shape': [99999999999999999999], 'data_offsets': [0, 16]}}",
                f32(1, 2, 3, 4)), "tensor 'a'", "invalid dimension");
    }

    @Test
    void deeplyNestedHeaderIsAnErrorNotAStackOverflow() {
        String nested = "[".repeat(200_000) + "]".repeat(200_000);
        assertOpenFails(file(nested, new byte[0]), "corrupt safetensors header");
    }
}
