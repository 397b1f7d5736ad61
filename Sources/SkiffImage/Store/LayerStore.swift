import Crypto
import Dispatch
import SkiffOCI
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// Unpacked layers, each once, used as overlayfs lowerdirs: `<root>/<key>/diff`, where key is the first
/// 24 hex digits of the layer's chain ID (a short name keeps 100+ layers within the mount options
/// page; `chain-id` beside `diff` holds the full ID and is checked). A layer directory appears by
/// rename when it is complete, so a half-unpacked layer is never used.
public struct LayerStore: Sendable {
    public let root: String
    let content: ContentStore

    public init(root: String, content: ContentStore) {
        self.root = root
        self.content = content
    }

    /// chain(L0) = diffID0; chain(Ln) = sha256(chain(Ln-1) + " " + diffIDn)   (image-spec config.md)
    public static func chainIDs(diffIDs: [String]) -> [String] {
        var out: [String] = []
        for diffID in diffIDs {
            if let parent = out.last {
                out.append(Digest.of(Array((parent + " " + diffID).utf8)).description)
            } else {
                out.append(diffID)
            }
        }
        return out
    }

    public static func key(chainID: String) -> String {
        String(chainID.split(separator: ":").last.map(String.init)?.prefix(24) ?? "")
    }

    /// The lowerdir of a layer, relative to `root` ("<key>/diff").
    public static func relativeDiffPath(chainID: String) -> String { key(chainID: chainID) + "/diff" }

    public func diffPath(chainID: String) -> String { root + "/" + Self.relativeDiffPath(chainID: chainID) }

    public func isUnpacked(chainID: String) -> Bool {
        let dir = root + "/" + Self.key(chainID: chainID)
        guard let stored = try? FileIO.readString(dir + "/chain-id") else { return false }
        return stored == chainID && FileIO.isDirectory(dir + "/diff")
    }

    /// Unpack every layer of an image that is not unpacked yet, in parallel, verifying each diff ID
    /// against the config. Returns the chain IDs, bottom layer first.
    @discardableResult
    public func prepare(manifest: Manifest, config: ImageConfig) throws(ImageError) -> [String] {
        let diffIDs = config.rootfs.diffIDs
        guard diffIDs.count == manifest.layers.count else {
            throw .invalidContent("image config lists \(diffIDs.count) diff IDs for \(manifest.layers.count) layers")
        }
        let chains = Self.chainIDs(diffIDs: diffIDs)
        let missing = chains.indices.filter { !isUnpacked(chainID: chains[$0]) }
        if missing.isEmpty { return chains }
        do { try FileIO.makeDirectories(root, mode: 0o700) } catch { throw .system(error) }

        let failures = ErrorBox()
        DispatchQueue.concurrentPerform(iterations: missing.count) { n in
            let i = missing[n]
            do throws(ImageError) {
                try unpack(layer: manifest.layers[i], diffID: diffIDs[i], chainID: chains[i])
            } catch {
                failures.record(error)
            }
        }
        if let error = failures.first { throw error }
        return chains
    }

    func unpack(layer: Descriptor, diffID: String, chainID: String) throws(ImageError) {
        let digest = try Digest(layer.digest)
        guard content.contains(digest) else { throw .blobNotFound(digest) }
        let tmp: String
        do { tmp = try FileIO.makeTemporaryDirectory(in: root, prefix: ".unpack-") } catch { throw .system(error) }
        var keepTmp = false
        defer { if !keepTmp { FileIO.removeTree(tmp) } }
        if mkdir(tmp + "/diff", 0o755) != 0 { throw .system(SystemError("mkdir", path: tmp + "/diff")) }
        let result: LayerUnpackResult
        do {
            result = try LayerUnpacker().unpack(
                blob: content.path(of: digest), into: tmp + "/diff",
                layerName: digest.description)
        } catch {
            throw .invalidContent(error.description)
        }
        guard result.diffID == diffID else {
            throw .digestMismatch(expected: "diff ID \(diffID) of layer \(digest)", actual: result.diffID)
        }
        do { try FileIO.create(tmp + "/chain-id", contents: Array(chainID.utf8)) } catch { throw .system(error) }
        chmod(tmp, 0o700)
        let final = root + "/" + Self.key(chainID: chainID)
        if rename(tmp, final) != 0 {
            // Another process unpacked the same layer first: theirs is as good as ours.
            if errno == EEXIST || errno == ENOTEMPTY, isUnpacked(chainID: chainID) { return }
            throw .system(SystemError("rename layer into", path: final))
        }
        keepTmp = true
    }

    /// Remove unpacked layers whose chain ID is not in `live`.
    public func collectGarbage(live: Set<String>) {
        guard let dir = opendir(root) else { return }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        closedir(dir)
        let liveKeys = Set(live.map(Self.key(chainID:)))
        for name in names where !liveKeys.contains(name) && !name.hasPrefix(".") && name != "empty" {
            FileIO.removeTree(root + "/" + name)
        }
    }
}

/// The first error from parallel work.
final class ErrorBox: @unchecked Sendable {
    private let lock = NSLockLike()
    private(set) var first: ImageError?

    func record(_ error: ImageError) {
        lock.locked { if first == nil { first = error } }
    }
}

/// A pthread mutex (Foundation's NSLock without importing Foundation here).
final class NSLockLike: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return body()
    }
}
