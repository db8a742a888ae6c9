package io.groupthink.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.runtime.LinearFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.assertj.core.api.AbstractThrowableAssert;

/**
 * Builds corrupt model files byte by byte: a safetensors file is an 8-byte little-endian header
 * length, a JSON header and the data. Also copies model folders so tests corrupt the copy, never
 * the shared original.
 */
final class BadFiles {

    static final ObjectMapper JSON = new ObjectMapper();

    /** LibTorch linears, no NaN check: loading picks no kernel by measurement, so it stays fast and repeatable. */
    static final GroupThinkModel.Options TORCH = new GroupThinkModel.Options(0, false, LinearFactory.TORCH);

    private BadFiles() {}

    /** One tensor: dtype is a string so tests can write dtypes the engine does not know. */
    record Tensor(String name, String dtype, long[] shape, byte[] data) {}

    // ---------------------------------------------------------------- raw safetensors bytes

    /** Header length field, header bytes, data bytes, exactly as given. */
    static byte[] raw(long declaredHeaderLength, byte[] header, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredHeaderLength).put(header).put(data);
        return b.array();
    }

    /** A file whose header is the given JSON (single quotes become double quotes) and whose data is {@code data}. */
    static byte[] file(String headerJson, byte[] data) {
        byte[] header = json(headerJson).getBytes(StandardCharsets.UTF_8);
        return raw(header.length, header, data);
    }

    /** Lets headers be written in Java source with single quotes. */
    static String json(String singleQuoted) {
        return singleQuoted.replace('\'', '"');
    }

    /** A well-formed file: offsets contiguous in list order, header padded to 8 bytes with spaces. */
    static byte[] file(List<Tensor> tensors) {
        ObjectNode header = JSON.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        int dataLength = 0;
        for (Tensor t : tensors) {
            ObjectNode n = header.putObject(t.name());
            n.put("dtype", t.dtype());
            ArrayNode shape = n.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            n.putArray("data_offsets").add(offset).add(offset + t.data().length);
            offset += t.data().length;
            dataLength += t.data().length;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(header);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int padded = (json.length + 7) / 8 * 8;
        byte[] headerBytes = new byte[padded];
        System.arraycopy(json, 0, headerBytes, 0, json.length);
        for (int i = json.length; i < padded; i++) {
            headerBytes[i] = ' ';
        }
        ByteBuffer data = ByteBuffer.allocate(dataLength);
        tensors.forEach(t -> data.put(t.data()));
        return raw(padded, headerBytes, data.array());
    }

    static byte[] f32(float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    static Tensor f32Tensor(String name, long[] shape, float... values) {
        return new Tensor(name, "F32", shape, f32(values));
    }

    static Path write(Path file, byte[] bytes) {
        try {
            return Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Reads every tensor of a valid file, in file order, as raw bytes. */
    static List<Tensor> read(Path safetensors) {
        SafetensorsFile f = SafetensorsFile.open(safetensors);
        List<Tensor> out = new ArrayList<>();
        for (SafetensorsFile.Entry e : f.entries().values()) {
            ByteBuffer mapped = f.map(e);
            byte[] bytes = new byte[mapped.remaining()];
            mapped.get(bytes);
            out.add(new Tensor(e.name(), e.dtype().name(), e.shape(), bytes));
        }
        return out;
    }

    // ---------------------------------------------------------------- model folders

    /** Copies the files of a model folder (not sub-folders) into {@code target}. */
    static Path copyFolder(Path source, Path target) {
        try {
            Files.createDirectories(target);
            try (Stream<Path> files = Files.list(source)) {
                for (Path p : files.toList()) {
                    if (Files.isRegularFile(p)) {
                        Path dst = target.resolve(p.getFileName().toString());
                        Files.copy(p, dst);
                        dst.toFile().setWritable(true);
                    }
                }
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Rewrites {@code model.safetensors} of a folder after editing its tensor list. */
    static void rewriteWeights(Path dir, UnaryOperator<List<Tensor>> edit) {
        Path file = dir.resolve(ModelFolder.WEIGHTS);
        List<Tensor> tensors = new ArrayList<>(read(file));
        write(file, file(edit.apply(tensors)));
    }

    /** Replaces the tensor called {@code name}, keeping its place in the file. */
    static UnaryOperator<List<Tensor>> replace(String name, UnaryOperator<Tensor> change) {
        return list -> {
            boolean found = false;
            for (int i = 0; i < list.size(); i++) {
                if (list.get(i).name().equals(name)) {
                    list.set(i, change.apply(list.get(i)));
                    found = true;
                }
            }
            assertThat(found).as("tensor %s in the source model", name).isTrue();
            return list;
        };
    }

    /** Edits {@code config.json} of a folder. */
    static void editConfig(Path dir, Consumer<ObjectNode> edit) {
        editJson(dir.resolve(ModelFolder.CONFIG), edit);
    }

    static void editJson(Path file, Consumer<ObjectNode> edit) {
        try {
            ObjectNode root = (ObjectNode) JSON.readTree(file.toFile());
            edit.accept(root);
            JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------- assertions

    /**
     * Loading {@code dir} fails with a {@link ModelLoadException} for {@code file} whose message names
     * that file and holds every fragment. Closes the model if loading unexpectedly succeeds.
     */
    static AbstractThrowableAssert<?, ? extends Throwable> assertLoadFails(Path dir, Path file, String... fragments) {
        return assertLoadFails(dir, TORCH, file, fragments);
    }

    static AbstractThrowableAssert<?, ? extends Throwable> assertLoadFails(Path dir, GroupThinkModel.Options options,
            Path file, String... fragments) {
        return assertFails(() -> GroupThinkModel.load(dir, options).close(), file, fragments);
    }

    static AbstractThrowableAssert<?, ? extends Throwable> assertFails(Runnable action, Path file, String... fragments) {
        AbstractThrowableAssert<?, ? extends Throwable> a = assertThatThrownBy(action::run)
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining(file.toString());
        for (String f : fragments) {
            a.hasMessageContaining(f);
        }
        a.satisfies(e -> assertThat(((ModelLoadException) e).file()).isEqualTo(file));
        return a;
    }
}
