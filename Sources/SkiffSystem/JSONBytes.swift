/// The bytes of JSON's grammar, for `JSONView` and `JSONOutput`.
enum Byte {
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
    static let slash = UInt8(ascii: "/")
    static let colon = UInt8(ascii: ":")
    static let comma = UInt8(ascii: ",")
    static let minus = UInt8(ascii: "-")
    static let plus = UInt8(ascii: "+")
    static let dot = UInt8(ascii: ".")
    static let zero = UInt8(ascii: "0")
    static let nine = UInt8(ascii: "9")
    static let e = UInt8(ascii: "e")
    static let upperE = UInt8(ascii: "E")
    static let t = UInt8(ascii: "t")
    static let f = UInt8(ascii: "f")
    static let n = UInt8(ascii: "n")
    static let space = UInt8(ascii: " ")
    static let newline = UInt8(ascii: "\n")

    static func isDigit(_ b: UInt8) -> Bool { b >= zero && b <= nine }
    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }
    /// What may follow a number or literal: space, a comma, or the end of an array or object.
    static func endsScalar(_ b: UInt8) -> Bool {
        isSpace(b) || b == comma || b == closeBrace || b == closeBracket
    }
}
