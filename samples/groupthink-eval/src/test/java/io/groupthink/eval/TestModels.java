package io.groupthink.eval;

import java.nio.file.Path;

/** ../shared beside the checkout, found by the engine's test helper. */
final class TestModels {

    private TestModels() {}

    static Path shared() {
        return io.groupthink.engine.TestModels.shared();
    }

    static Path stories() {
        return shared().resolve("models/stories260K-hf");
    }
}
