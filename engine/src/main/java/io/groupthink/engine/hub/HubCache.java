package io.groupthink.engine.hub;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The standard Hugging Face hub cache layout, shared with {@code huggingface_hub} and {@code transformers}:
 *
 * <pre>
 * &lt;cache&gt;/models--ORG--NAME/
 *     blobs/&lt;etag or sha256&gt;                  file contents, named by the hub's ETag
 *     blobs/&lt;etag or sha256&gt;.incomplete       a download in progress (resumable)
 *     refs/&lt;revision&gt;                          the commit sha the revision pointed at
 *     snapshots/&lt;commit&gt;/&lt;file&gt;              symlink to ../../blobs/&lt;id&gt; (hard link or copy where
 *                                              symlinks are not possible)
 * &lt;cache&gt;/.locks/models--ORG--NAME/&lt;id&gt;.lock  inter-process download locks
 * </pre>
 */
public final class HubCache {

    private static final Logger LOG = LoggerFactory.getLogger(HubCache.class);
    private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

    private final Path root;

    public HubCache(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** The hub cache folder. */
    public Path root() {
        return root;
    }

    public Path repoDir(String repoId) {
        return root.resolve(HubNames.repoFolderName(repoId));
    }

    public Path blobsDir(String repoId) {
        return repoDir(repoId).resolve("blobs");
    }

    public Path blobPath(String repoId, String blobId) {
        if (!HubNames.isSafeId(blobId)) {
            throw new HubException("refusing unsafe blob id '" + blobId + "'");
        }
        return blobsDir(repoId).resolve(blobId);
    }

    /** Where a blob is downloaded to before it is verified and renamed into place. */
    public Path incompletePath(String repoId, String blobId) {
        return blobPath(repoId, blobId).resolveSibling(blobId + ".incomplete");
    }

    public Path snapshotDir(String repoId, String commit) {
        if (!HubNames.isSafeId(commit)) {
            throw new HubException("refusing unsafe commit id '" + commit + "'");
        }
        return repoDir(repoId).resolve("snapshots").resolve(commit);
    }

    public Path snapshotFile(String repoId, String commit, String filename) {
        return snapshotDir(repoId, commit).resolve(HubNames.checkFilename(filename));
    }

    public Path refPath(String repoId, String revision) {
        return repoDir(repoId).resolve("refs").resolve(HubNames.checkRevision(revision));
    }

    /** The commit a cached ref points at, or the revision itself when it is a commit sha with a snapshot. */
    public Optional<String> resolveCommit(String repoId, String revision) {
        String rev = HubNames.checkRevision(revision);
        if (HubNames.isCommitSha(rev) && Files.isDirectory(snapshotDir(repoId, rev))) {
            return Optional.of(rev);
        }
        Path ref = refPath(repoId, rev);
        if (!Files.isRegularFile(ref)) {
            return Optional.empty();
        }
        try {
            String commit = Files.readString(ref, StandardCharsets.UTF_8).trim();
            return HubNames.isSafeId(commit) ? Optional.of(commit) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + ref, e);
        }
    }

    /** Records that {@code revision} points at {@code commit} (atomically; a no-op for a commit revision). */
    public void writeRef(String repoId, String revision, String commit) throws IOException {
        String rev = HubNames.checkRevision(revision);
        if (rev.equals(commit)) {
            return;
        }
        Path ref = refPath(repoId, rev);
        if (Files.isRegularFile(ref) && Files.readString(ref, StandardCharsets.UTF_8).trim().equals(commit)) {
            return;
        }
        Files.createDirectories(ref.getParent());
        Path tmp = Files.createTempFile(ref.getParent(), ".ref-", ".tmp");
        try {
            Files.writeString(tmp, commit, StandardCharsets.UTF_8);
            moveAtomically(tmp, ref);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Puts {@code snapshots/<commit>/<filename>} in place, pointing at the blob: a relative symlink where the
     * file system allows it, else a hard link, else a copy (written beside and renamed, so the snapshot never
     * holds a partial file).
     */
    public Path link(String repoId, String commit, String filename, String blobId) throws IOException {
        Path blob = blobPath(repoId, blobId);
        Path target = snapshotFile(repoId, commit, filename);
        Files.createDirectories(target.getParent());
        Files.deleteIfExists(target); // a dangling or stale link
        Path relative = target.getParent().relativize(blob);
        try {
            Files.createSymbolicLink(target, relative);
            return target;
        } catch (FileAlreadyExistsException e) {
            if (Files.isRegularFile(target)) {
                return target; // another process linked it meanwhile
            }
            throw e;
        } catch (UnsupportedOperationException | IOException | SecurityException e) {
            LOG.debug("symlink {} -> {} failed ({}); trying a hard link", target, relative, e.toString());
        }
        try {
            Files.createLink(target, blob);
            return target;
        } catch (UnsupportedOperationException | IOException | SecurityException e) {
            LOG.debug("hard link {} failed ({}); copying", target, e.toString());
        }
        Path tmp = target.resolveSibling("." + target.getFileName() + ".copying");
        try {
            Files.copy(blob, tmp, StandardCopyOption.REPLACE_EXISTING);
            moveAtomically(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return target;
    }

    /**
     * Holds the download lock of one blob, within this JVM and across processes (a file lock under
     * {@code .locks/}). Close to release.
     */
    public AutoCloseable lockBlob(String repoId, String blobId) throws IOException {
        Path lockFile = root.resolve(".locks").resolve(HubNames.repoFolderName(repoId))
                .resolve(blobPath(repoId, blobId).getFileName() + ".lock");
        Files.createDirectories(lockFile.getParent());
        ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(lockFile, k -> new ReentrantLock());
        jvmLock.lock();
        FileChannel channel = null;
        FileLock fileLock;
        try {
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            fileLock = channel.lock();
        } catch (IOException | RuntimeException e) {
            if (channel != null) {
                channel.close();
            }
            jvmLock.unlock();
            throw e;
        }
        FileChannel ch = channel;
        return () -> {
            try {
                fileLock.release();
                ch.close();
            } finally {
                jvmLock.unlock();
            }
        };
    }

    /** Renames {@code from} onto {@code to} atomically where the file system can, replacing {@code to}. */
    static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
