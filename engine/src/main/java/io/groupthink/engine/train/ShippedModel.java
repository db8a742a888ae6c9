package io.groupthink.engine.train;

import io.groupthink.engine.model.ModelFolder;
import io.groupthink.engine.model.ModelLoadException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The enumeration model trained by {@code groupthink-cli train-demo}, shipped inside the engine
 * jar (from {@code models/groupthink-enum} at the top of the repository): the offline default of
 * the demo and the CLI. The engine reads models from a folder, so the files are copied once into
 * a folder named after their content hash under the temp directory.
 */
public final class ShippedModel {

    /** The folder name in the repository and in the jar. */
    public static final String NAME = "groupthink-enum";

    static final String RESOURCE = "/io/groupthink/engine/train/" + NAME + "/";

    static final List<String> FILES = List.of(ModelFolder.CONFIG, ModelFolder.WEIGHTS, ModelFolder.TOKENIZER,
            ModelFolder.TOKENIZER_CONFIG, ModelFolder.GENERATION_CONFIG, "README.md");

    /** The demo's default question: one of the trained tasks. */
    public static final String DEFAULT_QUESTION = EnumerationTask.question("fruits");

    private ShippedModel() {}

    /** Whether this build carries the model (a checkout without models/groupthink-enum does not). */
    public static boolean available() {
        return ShippedModel.class.getResource(RESOURCE + ModelFolder.CONFIG) != null;
    }

    /** A folder holding the shipped model, copied out of the jar on first use. */
    public static synchronized Path path() {
        if (!available()) {
            throw new ModelLoadException(Path.of(NAME), "this build does not contain the shipped model "
                    + "(models/" + NAME + " was missing when the engine was built); give a model folder or id");
        }
        try {
            byte[][] contents = new byte[FILES.size()][];
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (int i = 0; i < FILES.size(); i++) {
                try (InputStream in = ShippedModel.class.getResourceAsStream(RESOURCE + FILES.get(i))) {
                    if (in == null) {
                        throw new ModelLoadException(Path.of(NAME, FILES.get(i)), "missing from the shipped model");
                    }
                    contents[i] = in.readAllBytes();
                }
                sha.update(contents[i]);
            }
            String hash = HexFormat.of().formatHex(sha.digest()).substring(0, 16);
            Path dir = Path.of(System.getProperty("java.io.tmpdir"), NAME + "-" + hash);
            Files.createDirectories(dir);
            for (int i = 0; i < FILES.size(); i++) {
                Path target = dir.resolve(FILES.get(i));
                if (!Files.isRegularFile(target) || Files.size(target) != contents[i].length) {
                    // write then move: a concurrent reader never sees half a file
                    Path tmp = Files.createTempFile(dir, FILES.get(i), ".part");
                    Files.write(tmp, contents[i]);
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                }
            }
            return dir;
        } catch (IOException e) {
            throw new ModelLoadException(Path.of(NAME), "cannot copy the shipped model to a folder: " + e, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
