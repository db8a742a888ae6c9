package io.groupthink.engine.model;

import static io.groupthink.engine.model.BadFiles.assertFails;
import static io.groupthink.engine.model.BadFiles.assertLoadFails;
import static io.groupthink.engine.model.BadFiles.copyFolder;
import static io.groupthink.engine.model.BadFiles.editConfig;
import static io.groupthink.engine.model.BadFiles.editJson;

import io.groupthink.engine.TestModels;
import io.groupthink.engine.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bad-inputs.md item 12: {@code tokenizer.json} missing, corrupt, or with ids the model has no rows for. */
class TokenizerBadInputTest {

    @TempDir
    Path tmp;

    private Path model() {
        return copyFolder(TestModels.stories(), tmp.resolve("model"));
    }

    private static Path tokenizer(Path dir) {
        return dir.resolve(ModelFolder.TOKENIZER);
    }

    @Test
    void tokenizerMissing() throws IOException {
        Path dir = model();
        Files.delete(tokenizer(dir));
        assertLoadFails(dir, tokenizer(dir), "tokenizer.json is missing");
    }

    @Test
    void tokenizerNotJson() throws IOException {
        Path dir = model();
        Files.writeString(tokenizer(dir), "{\"model\": {\"vocab\": {\"a\": 0,");
        assertLoadFails(dir, tokenizer(dir), "tokenizer.json is not valid JSON");
    }

    @Test
    void tokenizerTruncated() throws IOException {
        Path dir = model();
        byte[] bytes = Files.readAllBytes(tokenizer(dir));
        Files.write(tokenizer(dir), java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertLoadFails(dir, tokenizer(dir), "not valid JSON");
    }

    @Test
    void tokenizerWithoutVocabulary() throws IOException {
        Path dir = model();
        Files.writeString(tokenizer(dir), "{\"version\": \"1.0\", \"model\": {\"type\": \"BPE\"}}");
        assertLoadFails(dir, tokenizer(dir), "no model.vocab");
    }

    @Test
    void tokenizerJsonTheLibraryRejects() throws IOException {
        // Has a vocabulary, so it passes the id check, but is not a tokenizer the HF library can build.
        Path dir = model();
        Files.writeString(tokenizer(dir), "{\"version\": \"1.0\", \"model\": {\"type\": \"NoSuchModel\","
                + " \"vocab\": {\"a\": 0}}}");
        assertLoadFails(dir, tokenizer(dir), "cannot load tokenizer.json");
    }

    @Test
    void vocabularyIdAtOrBeyondConfigVocabSize() {
        Path dir = model();
        editConfig(dir, c -> c.put("vocab_size", 500)); // the tokenizer has ids up to 511
        assertLoadFails(dir, tokenizer(dir), "token id 511", "only 500 rows", "vocab_size");
    }

    @Test
    void specialTokenIdOutOfRange() {
        Path dir = model();
        editJson(tokenizer(dir), root -> root.withArray("added_tokens").addObject()
                .put("id", 512).put("content", "<extra>").put("single_word", false).put("lstrip", false)
                .put("rstrip", false).put("normalized", false).put("special", true));
        assertLoadFails(dir, tokenizer(dir), "token id 512", "only 512 rows");
    }

    @Test
    void tokenizerLoadDirectlyNamesTheFile() {
        Path missing = tmp.resolve("nowhere/tokenizer.json");
        assertFails(() -> Tokenizer.load(missing, 512), missing, "missing");
    }
}
