package io.groupthink.spring.autoconfigure;

import io.groupthink.engine.model.ModelLoadException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns a bad {@code groupthink.model.path} into a start-up report that says what to set. */
class ModelPathFailureAnalyzer extends AbstractFailureAnalyzer<ModelPathException> {

    static final String ACTION = "Set 'groupthink.model.path' to a Hugging Face model folder holding config.json, "
            + "tokenizer.json and model.safetensors (for example groupthink.model.path=/models/Qwen2.5-0.5B-Instruct), "
            + "or 'groupthink.model.id' to a Hugging Face hub id to pull (for example "
            + "groupthink.model.id=Qwen/Qwen2.5-0.5B-Instruct), or 'groupthink.model.ollama' to a model pulled with Ollama "
            + "(for example groupthink.model.ollama=qwen2.5:3b), or set 'groupthink.enabled=false' to switch Group Think off.";

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, ModelPathException cause) {
        String description;
        if (cause.path() == null && cause.getCause() != null) {
            description = "Group Think could not get its model: " + cause.getMessage();
        } else if (cause.path() == null) {
            description = "Group Think needs a model, but neither 'groupthink.model.path' nor 'groupthink.model.id' is set.";
        } else {
            ModelLoadException load = findCause(cause, ModelLoadException.class);
            String problem = load != null ? load.getMessage() : cause.getMessage();
            description = "Group Think could not load the model at 'groupthink.model.path' = '" + cause.path()
                    + "': " + problem;
        }
        return new FailureAnalysis(description, ACTION, cause);
    }
}
