package io.groupthink.eval;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Finds ../shared beside the checkout, like the engine's tests. */
final class TestModels {

    private TestModels() {}

    static Path shared() {
        String prop = System.getProperty("groupthink.shared");
        if (prop != null && Files.isDirectory(Paths.get(prop))) {
            return Paths.get(prop).toAbsolutePath().normalize();
        }
        Path p = Paths.get("").toAbsolutePath();
        while (p != null) {
            Path candidate = p.resolveSibling("shared");
            if (Files.isDirectory(candidate.resolve("models"))) {
                return candidate;
            }
            p = p.getParent();
        }
        throw new IllegalStateException("../shared not found beside the checkout (set -Dgroupthink.shared)");
    }

    static Path stories() {
        return shared().resolve("models/stories260K-hf");
    }
}
