import Foundation

/// What a build did, counted: how many images it wrote and how many config and cache-entry bytes it
/// encoded or read. A build's cost must grow linearly with its steps (issue 15): these counts let a test
/// check that without a clock (a step that re-encoded or re-read the whole config would make the bytes
/// grow with the square of the steps). Shared by the stages of one build, which may run on several threads.
public final class BuildWork: @unchecked Sendable {
    /// The counts at one moment.
    public struct Counts: Sendable, Equatable {
        /// Images (config + manifest) written to the content store.
        public var imagesWritten = 0
        /// Bytes of image config encoded and written.
        public var configBytesWritten = 0
        /// Bytes of image config read back: images the cache answered with.
        public var configBytesRead = 0
        /// Build cache entries read.
        public var cacheEntriesRead = 0
        /// Bytes of the build cache entries read.
        public var cacheEntryBytesRead = 0
    }

    private let lock = NSLock()
    private var counts = Counts()

    /// Counters at zero, for one build.
    public init() {}

    /// The counts so far.
    public var snapshot: Counts { locked { counts } }

    func wroteImage(configBytes: Int) {
        locked {
            counts.imagesWritten += 1
            counts.configBytesWritten += configBytes
        }
    }

    func readImage(configBytes: Int) {
        locked { counts.configBytesRead += configBytes }
    }

    func readCacheEntry(bytes: Int) {
        locked {
            counts.cacheEntriesRead += 1
            counts.cacheEntryBytesRead += bytes
        }
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
