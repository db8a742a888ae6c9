package io.groupthink.engine.hub;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * Checks on names that come from users or from the hub before they become URL or file-system paths:
 * repo ids, revisions, file names (which may come from a remote shard index), commit shas and blob ids.
 */
public final class HubNames {

    private static final Pattern REPO_SEGMENT = Pattern.compile("[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-fA-F]{40}");
    private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private HubNames() {}

    /** A repo id: {@code name} or {@code org/name}, word characters, dots and dashes, no {@code --} or {@code ..}. */
    public static String checkRepoId(String repoId) {
        if (repoId == null || repoId.isBlank()) {
            throw new IllegalArgumentException("model id is empty; expected something like 'Qwen/Qwen2.5-0.5B-Instruct'");
        }
        String id = repoId.trim();
        String[] parts = id.split("/", -1);
        boolean ok = parts.length <= 2 && id.length() <= 96 && !id.contains("--") && !id.contains("..");
        for (String p : parts) {
            ok &= REPO_SEGMENT.matcher(p).matches();
        }
        if (!ok) {
            throw new IllegalArgumentException("'" + repoId + "' is not a valid model id; expected 'org/name'"
                    + " (letters, digits, '_', '-', '.'), e.g. 'Qwen/Qwen2.5-0.5B-Instruct'");
        }
        return id;
    }

    /** A branch, tag or commit; may contain {@code /} (e.g. {@code refs/pr/1}) but no empty, "." or ".." part. */
    public static String checkRevision(String revision) {
        if (revision == null || revision.isBlank()) {
            return "main";
        }
        String r = revision.trim();
        if (r.length() > 256 || !isSafeRelativePath(r)) {
            throw new IllegalArgumentException("'" + revision + "' is not a valid revision (branch, tag or commit)");
        }
        return r;
    }

    /**
     * A file name inside a repo ({@code a/b.json}); rejects absolute paths, backslashes, empty, "." and ".."
     * parts and control characters, so a hostile shard index cannot write outside the snapshot.
     */
    public static String checkFilename(String filename) {
        if (filename == null || filename.length() > 1024 || !isSafeRelativePath(filename)) {
            throw new HubException("refusing unsafe file name from the hub: '" + filename + "'");
        }
        return filename;
    }

    /** True for a full 40-hex commit sha. */
    public static boolean isCommitSha(String s) {
        return s != null && COMMIT.matcher(s).matches();
    }

    /** True for a lower-case 64-hex sha256 digest. */
    public static boolean isSha256(String s) {
        return s != null && SHA256.matcher(s).matches();
    }

    /** True for something usable as one file name: word characters, dots and dashes, not starting with a dot. */
    public static boolean isSafeId(String s) {
        return s != null && SAFE_ID.matcher(s).matches();
    }

    /** The cache folder name: {@code models--ORG--NAME}. */
    public static String repoFolderName(String repoId) {
        return "models--" + checkRepoId(repoId).replace("/", "--");
    }

    /** An ETag without {@code W/} and quotes; null stays null. */
    public static String cleanEtag(String etag) {
        if (etag == null) {
            return null;
        }
        String e = etag.trim();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        if (e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")) {
            e = e.substring(1, e.length() - 1);
        }
        return e.isEmpty() ? null : e;
    }

    /** One URL path segment, percent-encoded (so {@code refs/pr/1} becomes {@code refs%2Fpr%2F1}). */
    static String encodeSegment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** A path of segments, each percent-encoded, slashes kept. */
    static String encodePath(String path) {
        String[] parts = path.split("/", -1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                sb.append('/');
            }
            sb.append(encodeSegment(parts[i]));
        }
        return sb.toString();
    }

    private static boolean isSafeRelativePath(String p) {
        if (p.isEmpty() || p.startsWith("/") || p.endsWith("/") || p.indexOf('\\') >= 0 || p.indexOf(':') >= 0) {
            return false;
        }
        for (int i = 0; i < p.length(); i++) {
            if (Character.isISOControl(p.charAt(i))) {
                return false;
            }
        }
        for (String part : p.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                return false;
            }
        }
        return true;
    }
}
