package io.groupthink.engine.hub;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What {@code GET /api/models/{repo}/revision/{revision}?blobs=true} says about a repo.
 *
 * @param id the repo id as the hub spells it (may be null if the answer has none)
 * @param sha the commit sha the revision resolved to
 * @param siblings the repo's files, or null when the answer carried no file list
 */
public record RepoInfo(String id, String sha, List<Sibling> siblings) {

    /**
     * One file of the repo.
     *
     * @param filename path inside the repo ({@code rfilename})
     * @param size size in bytes, or -1 when not given
     * @param blobId the git blob id, or null
     * @param lfsSha256 for LFS files the sha256 of the content, else null
     * @param lfsSize for LFS files the content size, else -1
     */
    public record Sibling(String filename, long size, String blobId, String lfsSha256, long lfsSize) {

        public boolean isLfs() {
            return lfsSha256 != null;
        }

        /** The content size: the LFS size for LFS files, else the plain size; -1 when unknown. */
        public long contentSize() {
            return lfsSize >= 0 ? lfsSize : size;
        }
    }

    public boolean hasFileList() {
        return siblings != null;
    }

    public Optional<Sibling> sibling(String filename) {
        if (siblings == null) {
            return Optional.empty();
        }
        return siblings.stream().filter(s -> s.filename().equals(filename)).findFirst();
    }

    /** Siblings by file name (empty when there is no file list). */
    public Map<String, Sibling> siblingsByName() {
        if (siblings == null) {
            return Map.of();
        }
        return siblings.stream().collect(Collectors.toMap(Sibling::filename, Function.identity(), (a, b) -> a));
    }
}
