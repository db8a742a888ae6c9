package io.groupthink.spring.client;

/**
 * The loaded model, as a page or a health check would show it.
 *
 * @param name          the model folder's name
 * @param modelType     the architecture ({@code llama}, {@code qwen2}, ...)
 * @param layers        transformer layers
 * @param contextLength positions the model can attend over: prompt, every thinker and the answer together
 * @param chatTemplate  whether the model has a chat template (instruction-tuned) or is a plain text model
 */
public record ModelInfo(String name, String modelType, int layers, int contextLength, boolean chatTemplate) {}
