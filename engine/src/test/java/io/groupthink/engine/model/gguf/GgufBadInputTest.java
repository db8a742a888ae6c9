package io.groupthink.engine.model.gguf;

import static io.groupthink.engine.model.gguf.GgufFixtures.find;
import static io.groupthink.engine.model.gguf.GgufFixtures.putInt;
import static io.groupthink.engine.model.gguf.GgufFixtures.putLong;
import static io.groupthink.engine.model.gguf.GgufFixtures.typePos;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.TestModels;
import io.groupthink.engine.model.ModelLoadException;
import io.groupthink.engine.model.RawTensor;
import io.groupthink.engine.quant.GgmlType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each kind of corrupt or unsupported GGUF input is refused with a message naming the key or tensor. */
class GgufBadInputTest {

    @TempDir
    Path tmp;

    private AbstractThrowableAssert<?, ? extends Throwable> assertOpenFails(byte[] bytes) throws IOException {
        Path file = tmp.resolve("bad.gguf");
        Files.write(file, bytes);
        return assertThatThrownBy(() -> GgufFile.open(file)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining(file.toString());
    }

    @Test
    void theSmallFileIsValid() throws IOException {
        Path file = tmp.resolve("ok.gguf");
        Files.write(file, GgufFixtures.small());
        GgufFile f = GgufFile.open(file);
        assertThat(f.version()).isEqualTo(3);
        assertThat(f.tensors()).containsOnlyKeys("token_embd.weight", "blk.0.attn_q.weight", "blk.0.ffn_up.weight");
        assertThat(f.array("tokenizer.ggml.tokens", String.class)).containsExactly("<unk>", "<s>", "a", "b");
        assertThat(f.array("tokenizer.ggml.token_type", Long.class)).containsExactly(2L, 3L, 1L, 1L);
        assertThat(f.tensors().get("token_embd.weight").shape()).containsExactly(4, 3);
        assertThat(f.integer("llama.block_count", 1)).isEqualTo(1);

        byte[] v2 = GgufFixtures.small(); // version 2 has version 3's layout (3 only added big-endian files)
        putInt(v2, 4, 2);
        Files.write(file, v2);
        assertThat(GgufFile.open(file).version()).isEqualTo(2);
    }

    @Test
    void badMagic() throws IOException {
        byte[] b = GgufFixtures.small();
        b[3] = 'X';
        assertOpenFails(b).hasMessageContaining("bad magic");
    }

    @Test
    void unsupportedVersion() throws IOException {
        byte[] b = GgufFixtures.small();
        putInt(b, 4, 1);
        assertOpenFails(b).hasMessageContaining("unsupported GGUF version 1");
    }

    @Test
    void truncatedTensorDataNamesTheTensor() throws IOException {
        byte[] b = GgufFixtures.small();
        assertOpenFails(Arrays.copyOf(b, b.length - 50)).hasMessageContaining("'blk.0.ffn_up.weight'")
                .hasMessageContaining("Q4_K").hasMessageContaining("truncated");
    }

    @Test
    void offsetOutOfRangeNamesTheTensor() throws IOException {
        byte[] b = GgufFixtures.small();
        putLong(b, typePos(b, "blk.0.attn_q.weight", 2) + 4, 1L << 40);
        assertOpenFails(b).hasMessageContaining("'blk.0.attn_q.weight'").hasMessageContaining("outside the file");
        putLong(b, typePos(b, "blk.0.attn_q.weight", 2) + 4, Long.MAX_VALUE - 31); // would wrap if added
        assertOpenFails(b).hasMessageContaining("'blk.0.attn_q.weight'");
    }

    @Test
    void unknownTypeNamesTheTensorAndId() throws IOException {
        byte[] b = GgufFixtures.small();
        putInt(b, typePos(b, "token_embd.weight", 2), 99);
        assertOpenFails(b).hasMessageContaining("'token_embd.weight'").hasMessageContaining("unknown ggml type id 99");
    }

    @Test
    void metadataArrayLongerThanTheFileNamesTheKey() throws IOException {
        byte[] b = GgufFixtures.small();
        String key = "tokenizer.ggml.tokens";
        putLong(b, find(b, key) + key.length() + 8, 1L << 40); // after the value type and element type
        assertOpenFails(b).hasMessageContaining("'" + key + "'").hasMessageContaining("array length");
    }

    @Test
    void stringLongerThanTheFileNamesTheKey() throws IOException {
        byte[] b = GgufFixtures.small();
        String key = "general.architecture";
        putLong(b, find(b, key) + key.length() + 4, Long.MAX_VALUE);
        assertOpenFails(b).hasMessageContaining("'" + key + "'").hasMessageContaining("past the end of the file");
    }

    @Test
    void lengthsBeyondWhatAnyFileHoldsAreRefusedBeforeAllocating() throws IOException {
        // A file large enough that the lengths fit inside it: the reader's own bounds must refuse them.
        byte[] small = GgufFixtures.small();
        byte[] b = Arrays.copyOf(small, small.length + (GgufFile.MAX_STRING_BYTES + 64));
        String key = "general.architecture";
        putLong(b, find(b, key) + key.length() + 4, GgufFile.MAX_STRING_BYTES + 1L);
        assertOpenFails(b).hasMessageContaining("'" + key + "'").hasMessageContaining("above the");
        b = Arrays.copyOf(small, small.length + (GgufFile.MAX_STRING_BYTES + 64));
        String tokens = "tokenizer.ggml.tokens";
        int elementType = find(b, tokens) + tokens.length() + 4;
        putInt(b, elementType, 0); // UINT8 elements: one byte each
        putLong(b, elementType + 4, GgufFile.MAX_ARRAY_LENGTH + 1L);
        assertOpenFails(b).hasMessageContaining("'" + tokens + "'").hasMessageContaining("above the");
    }

    @Test
    void unknownMetadataValueType() throws IOException {
        byte[] b = GgufFixtures.small();
        String key = "llama.block_count";
        putInt(b, find(b, key) + key.length(), 77);
        assertOpenFails(b).hasMessageContaining("'" + key + "'").hasMessageContaining("unknown metadata value type 77");
    }

    @Test
    void unsupportedTensorTypeNamesTensorAndType() throws IOException {
        GgufFile stories = GgufFile.open(TestModels.storiesGguf());
        Path file = tmp.resolve("q2k.gguf");
        GgufFixtures.copy(stories, Map.of(), Map.of("blk.0.attn_v.weight", GgmlType.Q5_0)).write(file);
        assertThatThrownBy(() -> GroupThinkModel.load(file)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("'blk.0.attn_v.weight'").hasMessageContaining("Q5_0");
    }

    @Test
    void unsupportedArchitectureNamesTheKey() throws IOException {
        Map<String, Object> o = new HashMap<>();
        o.put("general.architecture", "gemma2");
        Path file = tmp.resolve("gemma.gguf");
        GgufFixtures.copy(GgufFile.open(TestModels.storiesGguf()), o, Map.of()).write(file);
        assertThatThrownBy(() -> GroupThinkModel.load(file)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("'gemma2'").hasMessageContaining("general.architecture");
    }

    @Test
    void missingConfigKeyIsNamed() throws IOException {
        Map<String, Object> o = new HashMap<>();
        o.put("llama.block_count", null);
        Path file = tmp.resolve("no-layers.gguf");
        GgufFixtures.copy(GgufFile.open(TestModels.storiesGguf()), o, Map.of()).write(file);
        assertThatThrownBy(() -> GroupThinkModel.load(file)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("'llama.block_count' is missing");
    }

    @Test
    void wrongShapeAgainstTheMetadataIsNamed() throws IOException {
        Map<String, Object> o = new HashMap<>();
        o.put("llama.feed_forward_length", 171L);
        Path file = tmp.resolve("ffn.gguf");
        GgufFixtures.copy(GgufFile.open(TestModels.storiesGguf()), o, Map.of()).write(file);
        assertThatThrownBy(() -> GroupThinkModel.load(file)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("blk.0.ffn_gate.weight").hasMessageContaining("shape mismatch");
    }

    @Test
    void everySupportedTypeOfTheSmallFileDequantizes() throws IOException {
        Path file = tmp.resolve("ok.gguf");
        Files.write(file, GgufFixtures.small());
        GgufFile f = GgufFile.open(file);
        for (GgufFile.TensorInfo t : f.tensors().values()) {
            RawTensor raw = new RawTensor(t.name(), t.type(), t.shape(), f.map(t), file);
            assertThat(raw.toF32().remaining()).isEqualTo(t.elementCount() * 4);
        }
    }
}
