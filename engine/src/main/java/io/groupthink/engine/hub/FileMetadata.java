package io.groupthink.engine.hub;

import java.net.URI;

/**
 * What the hub says about one file before it is downloaded (from a {@code HEAD} on its resolve URL, merged
 * with the repo's file list when there is one).
 *
 * @param repoId the repo
 * @param filename path inside the repo
 * @param url the resolve URL the content is fetched from ({@code {endpoint}/{repo}/resolve/{commit}/{file}})
 * @param commit the commit the file was resolved at ({@code X-Repo-Commit}), or null
 * @param etag the ETag without quotes ({@code X-Linked-Etag} for LFS files, the sha256 of the content), or
 *     null
 * @param size the content size in bytes, or -1 when unknown
 * @param sha256 the expected sha256 (lower-case hex) when the hub gives one (LFS files), else null
 */
public record FileMetadata(String repoId, String filename, URI url, String commit, String etag, long size,
        String sha256) {

    /** True when the content can be verified against a sha256 (LFS files). */
    public boolean verifiable() {
        return sha256 != null;
    }

    public FileMetadata withExpected(long newSize, String newSha256) {
        return new FileMetadata(repoId, filename, url, commit, etag, newSize, newSha256);
    }
}
