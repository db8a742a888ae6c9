package io.groupthink.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.groupthink.engine.train.ShippedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.springframework.mock.env.MockEnvironment;

/** The demo's default model: the shipped one when nothing is configured, never over a configured one. */
class ShippedModelDefaultTest {

    @Test
    void noModelConfiguredMeansTheShippedModel() {
        MockEnvironment env = new MockEnvironment();
        DemoApplication.useShippedModelByDefault(env);
        String path = env.getProperty("groupthink.model.path");
        assertTrue(path != null && Files.isRegularFile(Path.of(path, "model.safetensors")), "path " + path);
        assertTrue(path.contains(ShippedModel.NAME));
    }

    @Test
    void aConfiguredIdOrPathWins() {
        MockEnvironment withId = new MockEnvironment().withProperty("groupthink.model.id", "Qwen/Qwen2.5-0.5B-Instruct");
        DemoApplication.useShippedModelByDefault(withId);
        assertFalse(withId.containsProperty("groupthink.model.path"));
        MockEnvironment withPath = new MockEnvironment().withProperty("groupthink.model.path", "/models/mine");
        DemoApplication.useShippedModelByDefault(withPath);
        assertEquals("/models/mine", withPath.getProperty("groupthink.model.path"));
    }
}
