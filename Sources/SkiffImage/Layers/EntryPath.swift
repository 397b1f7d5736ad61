#if canImport(Glibc)
import Glibc
#endif

/// One tar entry path, normalized into a reusable buffer (no allocation per entry): components joined by
/// `/`, empty and `.` components dropped, a leading `./` dropped; split into a parent path and a name, each
/// a NUL-terminated C string inside the buffer.
///
/// Lexical checks only: an absolute path or a `..` component is refused here; symlinks on the way are
/// refused when the parent is opened (openat2 with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS).
struct EntryPath: ~Copyable {
    enum Outcome {
        case ok
        /// The path names the layer root itself (`./`, `.`): nothing to create.
        case root
        /// Absolute, or has a `..` component.
        case escapes
    }

    private(set) var buffer: UnsafeMutablePointer<CChar>
    private var capacity: Int
    /// Length of the parent path (0 for an entry at the top of the layer).
    private(set) var parentLength = 0
    /// Offset of the name in the buffer.
    private(set) var nameOffset = 0
    private(set) var nameLength = 0

    init(capacity: Int = 4096) {
        self.capacity = capacity
        buffer = .allocate(capacity: capacity)
        buffer[0] = 0
    }

    deinit {
        buffer.deallocate()
    }

    /// The parent, NUL-terminated ("" at the top).
    var parent: UnsafePointer<CChar> { UnsafePointer(buffer) }
    /// The last component, NUL-terminated.
    var name: UnsafePointer<CChar> { UnsafePointer(buffer + nameOffset) }

    /// The normalized path as text (for messages and deferred work).
    var string: String {
        if parentLength == 0 { return String(cString: name) }
        return String(cString: parent) + "/" + String(cString: name)
    }

    /// The normalized path as a NUL-terminated byte array.
    var bytes: [CChar] {
        var out: [CChar] = []
        out.reserveCapacity(parentLength + nameLength + 2)
        if parentLength > 0 {
            out.append(contentsOf: UnsafeBufferPointer(start: buffer, count: parentLength))
            out.append(47)
        }
        out.append(contentsOf: UnsafeBufferPointer(start: buffer + nameOffset, count: nameLength))
        out.append(0)
        return out
    }

    /// Does the name start with `prefix` (ASCII)?
    func nameHasPrefix(_ prefix: StaticString) -> Bool {
        let n = prefix.utf8CodeUnitCount
        if nameLength < n { return false }
        return memcmp(buffer + nameOffset, prefix.utf8Start, n) == 0
    }

    func nameEquals(_ other: StaticString) -> Bool {
        nameLength == other.utf8CodeUnitCount && memcmp(buffer + nameOffset, other.utf8Start, nameLength) == 0
    }

    /// Parse `raw` into the buffer.
    mutating func set(_ raw: UnsafePointer<CChar>) -> Outcome {
        let rawLength = strlen(raw)
        if rawLength + 2 > capacity {
            buffer.deallocate()
            capacity = rawLength + 2
            buffer = .allocate(capacity: capacity)
        }
        if raw[0] == 47 { return .escapes }  // '/'
        var out = 0  // write position
        var lastSlash = -1  // position of the separator before the last component
        var i = 0
        while i < rawLength {
            // One component: raw[i..<j].
            var j = i
            while j < rawLength && raw[j] != 47 { j += 1 }
            let count = j - i
            if count == 0 || (count == 1 && raw[i] == 46) {
                // empty or "."
            } else if count == 2 && raw[i] == 46 && raw[i + 1] == 46 {
                return .escapes
            } else {
                if out > 0 {
                    buffer[out] = 47
                    lastSlash = out
                    out += 1
                }
                (buffer + out).update(from: raw + i, count: count)
                out += count
            }
            i = j + 1
        }
        if out == 0 { return .root }
        buffer[out] = 0
        if lastSlash < 0 {
            // "name": empty parent. Keep the name at offset 1 so the parent can be the empty string at 0.
            (buffer + 1).update(from: buffer, count: out + 1)
            buffer[0] = 0
            parentLength = 0
            nameOffset = 1
            nameLength = out
        } else {
            buffer[lastSlash] = 0
            parentLength = lastSlash
            nameOffset = lastSlash + 1
            nameLength = out - lastSlash - 1
        }
        return .ok
    }
}
