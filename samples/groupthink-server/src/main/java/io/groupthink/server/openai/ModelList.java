package io.groupthink.server.openai;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** {@code GET /v1/models}: the one model this replica serves. */
public record ModelList(String object, List<Model> data) {

    public record Model(String id, String object, long created, @JsonProperty("owned_by") String ownedBy) {}

    public static ModelList of(Model model) {
        return new ModelList("list", List.of(model));
    }
}
