package io.groupthink.engine;

import io.groupthink.engine.model.ModelFolder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.GZIPInputStream;

/** Qwen3's real tokenizer.json and tokenizer_config.json (test resources, see qwen3-tokenizer/README.md). */
public final class Qwen3Files {

    private Qwen3Files() {}

    /** Writes both files into {@code dir} and returns it. */
    public static Path unpack(Path dir) {
        try {
            Files.createDirectories(dir);
            try (InputStream gz = new GZIPInputStream(resource("tokenizer.json.gz"))) {
                Files.copy(gz, dir.resolve(ModelFolder.TOKENIZER), StandardCopyOption.REPLACE_EXISTING);
            }
            try (InputStream config = resource("tokenizer_config.json")) {
                Files.copy(config, dir.resolve(ModelFolder.TOKENIZER_CONFIG), StandardCopyOption.REPLACE_EXISTING);
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = Qwen3Files.class.getResourceAsStream("/qwen3-tokenizer/" + name);
        if (in == null) {
            throw new IOException("test resource qwen3-tokenizer/" + name + " is missing");
        }
        return in;
    }
}
