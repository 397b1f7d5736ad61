import Testing

@testable import SkiffKit

/// The attach socket's stdcopy frames, decoded from bytes that arrive in any pieces.
@Suite("attach stream frames")
struct AttachFrameDecoderTests {
    static func frame(_ stream: UInt8, _ text: String) -> [UInt8] {
        let data = Array(text.utf8)
        let n = UInt32(data.count)
        return [stream, 0, 0, 0, UInt8(n >> 24), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)] + data
    }

    @Test("whole frames, stdout and stderr, in order")
    func wholeFrames() {
        var decoder = AttachFrameDecoder()
        let frames = decoder.feed(Self.frame(1, "out\n") + Self.frame(2, "err\n") + Self.frame(1, ""))
        #expect(
            frames == [
                .init(stream: .stdout, data: Array("out\n".utf8)),
                .init(stream: .stderr, data: Array("err\n".utf8)),
                .init(stream: .stdout, data: []),
            ])
        #expect(decoder.bufferedCount == 0)
    }

    @Test("a frame split anywhere, one byte at a time included, comes out once complete")
    func splitFrames() {
        let bytes = Self.frame(2, "hello") + Self.frame(1, String(repeating: "x", count: 300))
        for cut in 0...bytes.count {
            var decoder = AttachFrameDecoder()
            let frames = decoder.feed(bytes[..<cut]) + decoder.feed(bytes[cut...])
            #expect(frames.map(\.stream) == [.stderr, .stdout])
            #expect(frames.last?.data.count == 300)
        }
        var decoder = AttachFrameDecoder()
        var frames: [AttachFrameDecoder.Frame] = []
        for b in bytes { frames += decoder.feed([b]) }
        #expect(frames.count == 2 && frames[0].data == Array("hello".utf8))
    }

    @Test("an unfinished frame is kept, not emitted")
    func unfinished() {
        var decoder = AttachFrameDecoder()
        #expect(decoder.feed(Self.frame(1, "abcdef").dropLast(2)).isEmpty)
        #expect(decoder.bufferedCount == 12)
        #expect(decoder.feed(Array("ef".utf8)) == [.init(stream: .stdout, data: Array("abcdef".utf8))])
    }

    @Test("the monitor's last frame carries the exit status: the code, or 128 + the signal")
    func exitFrame() {
        var decoder = AttachFrameDecoder()
        let frames = decoder.feed(Self.frame(1, "hi\n") + Self.frame(0x65, "3 0") + Self.frame(0x65, "-1 9"))
        #expect(frames.map(\.stream) == [.stdout, .exit, .exit])
        #expect(frames.map(\.exitStatus) == [nil, 3, 137])
    }
}
