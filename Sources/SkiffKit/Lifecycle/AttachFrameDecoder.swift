/// Docker's stdcopy frames, as the monitor's attach socket sends a container's output: one byte for the
/// stream (1 stdout, 2 stderr), three zero bytes, a big-endian 32-bit length, then that many bytes.
/// Bytes arrive in any pieces; the decoder keeps an unfinished frame until the rest comes. After the
/// container's process exits, the monitor sends one more frame, of stream 0x65: "CODE SIGNAL".
package struct AttachFrameDecoder: Sendable {
    package enum Stream: Sendable, Equatable {
        case stdout, stderr
        /// The exit status, once the process has exited (see `exitStatus`).
        case exit
    }

    package struct Frame: Sendable, Equatable {
        package var stream: Stream
        package var data: [UInt8]

        package init(stream: Stream, data: [UInt8]) {
            self.stream = stream
            self.data = data
        }

        /// An exit frame's status as Docker reports it: the code, or 128 + the signal that ended it.
        package var exitStatus: Int32? {
            guard stream == .exit else { return nil }
            let parts = String(decoding: data, as: UTF8.self).split(separator: " ").compactMap { Int32($0) }
            guard parts.count == 2 else { return nil }
            return parts[0] >= 0 ? parts[0] : 128 + parts[1]
        }
    }

    static let headerSize = 8
    static let exitStream: UInt8 = 0x65
    private var pending: [UInt8] = []

    package init() {}

    /// Bytes held for a frame not complete yet.
    package var bufferedCount: Int { pending.count }

    /// Add bytes read from the socket; the frames they complete, in order.
    package mutating func feed(_ bytes: some Sequence<UInt8>) -> [Frame] {
        pending.append(contentsOf: bytes)
        var frames: [Frame] = []
        var start = 0
        while pending.count - start >= Self.headerSize {
            let length = (start + 4..<start + 8).reduce(0) { $0 << 8 | Int(pending[$1]) }
            let end = start + Self.headerSize + length
            guard pending.count >= end else { break }
            let stream: Stream =
                switch pending[start] {
                case 2: .stderr
                case Self.exitStream: .exit
                default: .stdout
                }
            frames.append(Frame(stream: stream, data: Array(pending[(start + Self.headerSize)..<end])))
            start = end
        }
        pending.removeFirst(start)
        return frames
    }
}
