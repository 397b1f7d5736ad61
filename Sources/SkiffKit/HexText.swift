/// Lower-case hex text, written without Foundation's `String(format:)` (which costs a start-up's worth
/// of type look-ups on first use: this is on the path of every exec and every bridged start).
enum HexText {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Two digits for a byte.
    static func byte(_ b: UInt8) -> String {
        String(decoding: [digits[Int(b >> 4)], digits[Int(b & 0xf)]], as: UTF8.self)
    }

    /// `count` random hex digits (SystemRandomNumberGenerator reads getrandom(2)).
    static func random(count: Int) -> String {
        String(decoding: (0..<count).map { _ in digits[Int.random(in: 0..<16)] }, as: UTF8.self)
    }
}
