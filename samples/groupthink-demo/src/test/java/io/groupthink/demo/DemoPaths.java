package io.groupthink.demo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** ../shared beside the checkout, found as the engine's tests find it. */
final class DemoPaths {

    private DemoPaths() {}

    static Path stories() {
        String prop = System.getProperty("groupthink.shared");
        if (prop != null && Files.isDirectory(Paths.get(prop))) {
            return Paths.get(prop).resolve("models/stories260K-hf").toAbsolutePath().normalize();
        }
        Path p = Paths.get("").toAbsolutePath();
        while (p != null) {
            Path candidate = p.resolveSibling("shared");
            if (Files.isDirectory(candidate.resolve("models"))) {
                return candidate.resolve("models/stories260K-hf");
            }
            p = p.getParent();
        }
        throw new IllegalStateException("../shared not found beside the checkout (set -Dgroupthink.shared)");
    }
}
