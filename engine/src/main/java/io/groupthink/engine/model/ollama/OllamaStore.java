package io.groupthink.engine.model.ollama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.groupthink.engine.model.ModelLoadException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Ollama's local model store as a model source, so a model pulled with {@code ollama pull} is loaded
 * from the very file Ollama keeps. The store ({@code $OLLAMA_MODELS}, default
 * {@code ~/.ollama/models}) holds OCI-like manifests at
 * {@code manifests/HOST/NAMESPACE/NAME/TAG} whose layer of media type
 * {@value #MODEL_MEDIA_TYPE} names the GGUF blob by digest, stored at {@code blobs/sha256-HEX}.
 * A name without a host means {@value #DEFAULT_HOST}, without a namespace {@code library}, without a
 * tag {@code latest}.
 */
public final class OllamaStore {

    public static final String PREFIX = "ollama:";
    public static final String MODEL_MEDIA_TYPE = "application/vnd.ollama.image.model";
    public static final String DEFAULT_HOST = "registry.ollama.ai";
    /** A system property that overrides {@code OLLAMA_MODELS} (for tests and embedded use). */
    public static final String STORE_PROPERTY = "groupthink.ollama.models";
    private static final Pattern PART = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]*");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]*(:[0-9]+)?");
    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");

    /** A parsed model name. */
    public record Name(String host, String namespace, String model, String tag) {

        /** Parses {@code [host/][namespace/]model[:tag]}; every part is checked, so no name can leave the store. */
        public static Name parse(String name) {
            String rest = name.strip();
            String tag = "latest";
            int colon = rest.lastIndexOf(':');
            if (colon > rest.lastIndexOf('/')) {
                tag = rest.substring(colon + 1);
                rest = rest.substring(0, colon);
            }
            String[] parts = rest.split("/", -1);
            if (parts.length > 3) {
                throw new IllegalArgumentException("Ollama model name '" + name
                        + "' has too many parts; expected [host/][namespace/]name[:tag]");
            }
            String host = parts.length == 3 ? parts[0] : DEFAULT_HOST;
            String ns = parts.length >= 2 ? parts[parts.length - 2] : "library";
            String model = parts[parts.length - 1];
            if (!HOST.matcher(host).matches() || !PART.matcher(ns).matches() || !PART.matcher(model).matches()
                    || !PART.matcher(tag).matches()) {
                throw new IllegalArgumentException("'" + name + "' is not a valid Ollama model name;"
                        + " expected [host/][namespace/]name[:tag] of letters, digits, '.', '_' and '-'");
            }
            return new Name(host, ns, model, tag);
        }

        /** The short form Ollama shows ({@code qwen2.5:3b}, {@code user/model:tag}). */
        @Override
        public String toString() {
            String base = host.equals(DEFAULT_HOST)
                    ? (namespace.equals("library") ? model : namespace + "/" + model)
                    : host + "/" + namespace + "/" + model;
            return base + ":" + tag;
        }
    }

    private final Path root;

    public OllamaStore(Path root) {
        this.root = root;
    }

    /** {@code $OLLAMA_MODELS} (or the system property {@value #STORE_PROPERTY}), else {@code ~/.ollama/models}. */
    public static OllamaStore fromEnvironment() {
        String env = System.getProperty(STORE_PROPERTY, System.getenv("OLLAMA_MODELS"));
        return new OllamaStore(env != null && !env.isBlank() ? Paths.get(env)
                : Paths.get(System.getProperty("user.home"), ".ollama", "models"));
    }

    /** A model argument: {@code ollama:NAME[:TAG]} resolves through the store, anything else is a path. */
    public static Path resolveArgument(String model) {
        return model.startsWith(PREFIX) ? fromEnvironment().resolve(model.substring(PREFIX.length()))
                : Paths.get(model);
    }

    public Path root() {
        return root;
    }

    /** The GGUF blob of a model; errors say what is missing and what the store has. */
    public Path resolve(String name) {
        if (!Files.isDirectory(root)) {
            throw new ModelLoadException(root, "Ollama model store does not exist (set OLLAMA_MODELS, or pull the model"
                    + " with 'ollama pull " + name + "')");
        }
        Name n;
        try {
            n = Name.parse(name);
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException(root, e.getMessage());
        }
        Path modelDir = root.resolve("manifests").resolve(n.host()).resolve(n.namespace()).resolve(n.model());
        Path manifest = modelDir.resolve(n.tag());
        if (!Files.isRegularFile(manifest)) {
            if (Files.isDirectory(modelDir)) {
                throw new ModelLoadException(manifest, "model '" + n.model() + "' has no tag '" + n.tag()
                        + "' in the Ollama store; tags there: " + String.join(", ", list(modelDir)));
            }
            List<String> models = models();
            throw new ModelLoadException(root, "no model '" + n + "' in the Ollama store; models there: "
                    + (models.isEmpty() ? "none" : String.join(", ", models)));
        }
        JsonNode json;
        try {
            json = new ObjectMapper().readTree(manifest.toFile());
        } catch (IOException e) {
            throw new ModelLoadException(manifest, "Ollama manifest of '" + n + "' is not valid JSON: " + e.getMessage(), e);
        }
        String digest = null;
        for (JsonNode layer : json == null ? List.<JsonNode>of() : json.path("layers")) {
            if (MODEL_MEDIA_TYPE.equals(layer.path("mediaType").asText())) {
                digest = layer.path("digest").asText();
                break;
            }
        }
        if (digest == null) {
            throw new ModelLoadException(manifest, "Ollama manifest of '" + n + "' has no layer of mediaType "
                    + MODEL_MEDIA_TYPE + " (a model without GGUF weights cannot be loaded)");
        }
        if (!DIGEST.matcher(digest).matches()) {
            throw new ModelLoadException(manifest, "Ollama manifest of '" + n + "' names the model blob by '" + digest
                    + "', not sha256:<64 hex digits>");
        }
        Path blob = root.resolve("blobs").resolve(digest.replace(':', '-'));
        if (!Files.isRegularFile(blob)) {
            throw new ModelLoadException(blob, "the model blob of '" + n + "' is missing from the Ollama store"
                    + " (pull it again with 'ollama pull " + n + "')");
        }
        return blob;
    }

    /** Every model:tag the store has manifests for, in Ollama's short form. */
    public List<String> models() {
        Path manifests = root.resolve("manifests");
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(manifests)) {
            return out;
        }
        try (Stream<Path> files = Files.walk(manifests, 4)) {
            files.filter(Files::isRegularFile).map(manifests::relativize).filter(p -> p.getNameCount() == 4)
                    .map(p -> new Name(p.getName(0).toString(), p.getName(1).toString(), p.getName(2).toString(),
                            p.getName(3).toString()).toString())
                    .sorted().forEach(out::add);
        } catch (IOException e) {
            throw new ModelLoadException(manifests, "cannot list the Ollama store: " + e.getMessage(), e);
        }
        return out;
    }

    private static List<String> list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
