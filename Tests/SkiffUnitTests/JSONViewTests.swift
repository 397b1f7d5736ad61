import Foundation
import SkiffSystem
import Testing

/// The JSON reader of the exec path: one pass refuses what is not RFC 8259 JSON (and what it chooses to
/// refuse: a key twice, nesting past `maxDepth`), then values are read in place. Foundation is the oracle
/// for what a string decodes to and for what is JSON at all.
@Suite("JSONView")
struct JSONViewTests {
    static func view(_ text: String) -> JSONView? { JSONView(Array(text.utf8)) }

    /// Foundation's reading of one JSON string literal.
    static func foundationString(_ literal: String) throws -> String {
        try #require(try JSONDecoder().decode([String].self, from: Data("[\(literal)]".utf8)).first)
    }

    // MARK: Reading valid documents

    @Test func membersComeInDocumentOrder() throws {
        let object = try #require(Self.view(#"{"b": 1, "a": [true], "c": {"d": "e"}, "": null}"#))
        let members = try #require(object.members)
        #expect(members.map(\.key) == ["b", "a", "c", ""])
        #expect(members.map(\.value.kind) == [.number, .array, .object, .null])
        #expect(members[2].value["d"]?.string == "e")
        #expect(Self.view("{}")?.members?.isEmpty == true)
    }

    @Test func subscriptFindsMembersByKey() throws {
        let object = try #require(Self.view(#"{"a": {"b": {"c": "deep"}}, "n": 5, "s": "x", "ab": 1}"#))
        #expect(object["a"]?["b"]?["c"]?.string == "deep")
        #expect(object["n"]?.int64 == 5)
        #expect(object["ab"]?.int64 == 1)
        #expect(object["s"]?.string == "x")
        #expect(object["missing"] == nil)
        #expect(object["A"] == nil)
        #expect(object["a"]?["c"] == nil)
        // Only an object has members.
        #expect(object["s"]?["x"] == nil)
        #expect(Self.view(#"[{"a": 1}]"#)?["a"] == nil)
        #expect(Self.view(#"[{"a": 1}]"#)?.members == nil)
        #expect(Self.view(#""a""#)?.members == nil)
    }

    @Test func objectFindsMembersAsSubscriptDoes() throws {
        let view = try #require(Self.view(#"{"a": 1, "c\u0077d": "/", "\u00e9": [2], "": null, "n": {"k": true}}"#))
        let object = try #require(view.object)
        for key in ["a", "cwd", "\u{E9}", "", "n", "missing", "A", "c\\u0077d"] {
            #expect(object[key]?.kind == view[key]?.kind, "\(key)")
        }
        #expect(object["a"]?.int64 == 1)
        #expect(object["cwd"]?.string == "/")
        #expect(object["\u{E9}"]?.elements?.first?.int64 == 2)
        #expect(object[""]?.isNull == true)
        #expect(object["n"]?.object?["k"]?.bool == true)
        #expect(object["missing"] == nil)
        #expect(Self.view("{}")?.object?["a"] == nil)
        for text in ["[]", #""{}""#, "1", "null", "true"] {
            #expect(Self.view(text)?.object == nil, "\(text)")
        }
    }

    @Test func elementsComeInOrder() throws {
        let array = try #require(Self.view(#"[1, "two", [3, [4]], {"five": 5}, null, true, false, -6.5e-1]"#))
        let elements = try #require(array.elements)
        #expect(elements.map(\.kind) == [.number, .string, .array, .object, .null, .bool, .bool, .number])
        #expect(elements[0].int64 == 1)
        #expect(elements[1].string == "two")
        #expect(elements[2].elements?.count == 2)
        #expect(elements[2].elements?[1].elements?.first?.int64 == 4)
        #expect(elements[3]["five"]?.int64 == 5)
        #expect(elements[5].bool == true)
        #expect(elements[6].bool == false)
        #expect(Self.view("[]")?.elements?.isEmpty == true)
        #expect(Self.view("{}")?.elements == nil)
        #expect(Self.view("7")?.elements == nil)
    }

    @Test(arguments: [
        ("true", JSONView.Kind.bool), ("false", .bool), ("null", .null), ("0", .number), ("-0", .number),
        ("-12.5E+10", .number), ("1e-7", .number), (#""s""#, .string), (#""""#, .string), ("[]", .array),
        ("{}", .object),
    ])
    func topLevelValuesOfEveryKind(text: String, kind: JSONView.Kind) throws {
        let value = try #require(Self.view(text))
        #expect(value.kind == kind)
        #expect(value.isNull == (kind == .null))
        #expect((value.bool != nil) == (kind == .bool))
        #expect((value.string != nil) == (kind == .string))
        #expect((value.members != nil) == (kind == .object))
        #expect((value.elements != nil) == (kind == .array))
    }

    @Test func scalarsReadBack() throws {
        #expect(Self.view("true")?.bool == true)
        #expect(Self.view("false")?.bool == false)
        #expect(Self.view("null")?.bool == nil)
        #expect(Self.view("null")?.isNull == true)
        #expect(Self.view("0")?.isNull == false)
        #expect(Self.view(#""null""#)?.isNull == false)
        #expect(Self.view(#""true""#)?.bool == nil)
        #expect(Self.view(#""text""#)?.string == "text")
        #expect(Self.view("42")?.int64 == 42)
        #expect(Self.view("42")?.uint64 == 42)
        #expect(Self.view("42")?.string == nil)
    }

    @Test func whitespaceAroundAndBetweenTokens() throws {
        let object = try #require(Self.view(" \t\r\n{ \"a\" :\n[ 1 ,\t2 ] ,\r\n\"b\" : true }\n\t "))
        #expect(object["a"]?.elements?.compactMap(\.int64) == [1, 2])
        #expect(object["b"]?.bool == true)
        #expect(Self.view("  7  ")?.int64 == 7)
        #expect(Self.view("\n\"x\"\n")?.string == "x")
    }

    @Test func numbersEndWhereTheirContainerGoesOn() throws {
        let array = try #require(Self.view("[12,-3,0 ,4\n]"))
        #expect(array.elements?.compactMap(\.int64) == [12, -3, 0, 4])
        let object = try #require(Self.view(#"{"a":7,"b":-8}"#))
        #expect(object["a"]?.int64 == 7)
        #expect(object["b"]?.int64 == -8)
    }

    // MARK: Strings

    static let stringLiterals: [String] = [
        #""plain""#, #""""#, #""\"""#, #""\\""#, #""\/""#, #""\b""#, #""\f""#, #""\n""#, #""\r""#, #""\t""#,
        #""\u0000\u0001\u001f""#, #""\u0041\u00e9\u00E9\u20ac\uFFFD\uffff""#, #""\ud83d\ude00""#,
        #""\uD83D\uDE00""#, #""\udbff\udfff""#, "\"h\u{E9}llo \u{2713} \u{1F600} \u{65E5}\u{672C}\"", "\"\u{7F}\"",
        #""\\u0041""#, #""\\\"""#, #""a\"b\\c\/d\u00e9\ud83d\ude00\n\tend""#,
        "\"raw \u{E9} then \\u00e9 and \u{1F600} then \\ud83d\\ude00\"",
    ]

    @Test(arguments: JSONViewTests.stringLiterals)
    func stringsDecodeAsFoundationDecodesThem(literal: String) throws {
        let expected = try Self.foundationString(literal)
        #expect(Self.view(literal)?.string == expected)
        #expect(Self.view("[\(literal)]")?.elements?.first?.string == expected)
        #expect(Self.view("{\"k\": \(literal)}")?["k"]?.string == expected)
    }

    @Test(arguments: JSONViewTests.stringLiterals)
    func keysDecodeAsFoundationDecodesThem(literal: String) throws {
        let key = try Self.foundationString(literal)
        let object = try #require(Self.view("{\"other\": 0, \(literal): 1}"))
        #expect(object.members?.last?.key == key)
        #expect(object[key]?.int64 == 1)
    }

    @Test func keysWrittenWithEscapesAreFoundByTheirValue() throws {
        let object = try #require(
            Self.view(#"{"c\u0077d": "/", "a\"b": 1, "tab\there": 2, "\u00e9": 3, "\ud83d\ude00": 4}"#))
        #expect(object["cwd"]?.string == "/")
        #expect(object["a\"b"]?.int64 == 1)
        #expect(object["tab\there"]?.int64 == 2)
        #expect(object["\u{E9}"]?.int64 == 3)
        #expect(object["\u{1F600}"]?.int64 == 4)
        #expect(object["c\\u0077d"] == nil)
        #expect(object.members?.map(\.key) == ["cwd", "a\"b", "tab\there", "\u{E9}", "\u{1F600}"])
    }

    // MARK: Refused documents

    @Test(arguments: [
        "", " ", " \n\t\r ", "{", "}", "[", "]", "[1", "{\"a\":1", "{} {}", "[] x", "1 2", "{}]", "[]}",
        "\"a\" \"b\"", "{\"a\":1,}", "[1,]", "[,1]", "[1,,2]", "{,}", "{\"a\" 1}", "{\"a\"::1}", "{\"a\":}",
        "{a:1}", "{'a':1}", "['a']", "{\"a\":1 \"b\":2}", "[1 2]", "{1:2}", "{null:1}", "tru", "nul", "truee",
        "True", "NULL", "undefined", "nan", "NaN", "Infinity", "-Infinity", "x", "[x]", "{\"a\":x}", "[true false]",
        "\u{FEFF}{}", "[1]\u{0}", "/* */ {}", "{} // x", "\u{B}{}", "\u{C}{}", "\u{A0}{}",
    ])
    func malformedDocumentsAreRefused(text: String) {
        #expect(Self.view(text) == nil)
    }

    @Test(arguments: [
        "01", "-01", "00", "1.", "-1.", ".5", "-.5", "-", "+1", "1e", "1E", "1e+", "1e-", "1.e5", "1.5e",
        "--1", "0x10", "1_000", "[01]", "[1.]", "{\"a\":-}", "[.5]", "1 .5", "0.5.5", "1e5.5", "\u{0661}",
    ])
    func malformedNumbersAreRefused(text: String) {
        #expect(Self.view(text) == nil)
    }

    @Test(arguments: [
        "\"\u{0}\"", "\"a\u{1}b\"", "\"line\nbreak\"", "\"tab\there\"", "\"\u{1F}\"", "\"\r\"", #""\x41""#,
        #""\u12G4""#, #""\u12""#, #""\u""#, #""\U0041""#, #""\a""#, #""\'""#, #""\0""#, #""\ ""#, #""\udc00""#,
        #""\uDFFF""#, #""\ud83d""#, #""\ud83dx""#, #""\ud83d\u0041""#, #""\ud83d\ud83d""#,
        #""\ud83d\n""#, #""\ude00\ud83d""#, #""unterminated"#, #""\""#, #""ends in a backslash\"#, "'single'",
        "{\"k\u{0}\":1}", #"{"\x":1}"#, #"{"\udc00":1}"#, "\"\\\u{A}\"",
    ])
    func badStringsAreRefused(text: String) {
        #expect(Self.view(text) == nil)
        #expect(Self.view("[\(text)]") == nil)
    }

    @Test(
        arguments: [
            [0xFF], [0xFE], [0x80], [0xBF], [0xC0, 0xAF], [0xC1, 0xBF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80],
            [0xED, 0xBF, 0xBF], [0xE2, 0x82], [0xF0, 0x9F, 0x98], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80],
            [0xC3, 0x28], [0x61, 0xE9, 0x62],
        ] as [[UInt8]])
    func invalidUTF8InAStringIsRefused(bad: [UInt8]) {
        let quote = UInt8(ascii: "\"")
        let escape = Array(#"\n"#.utf8)
        #expect(JSONView([quote] + bad + [quote]) == nil)
        #expect(JSONView(Array("[\"".utf8) + bad + Array("\"]".utf8)) == nil)
        // With an escape in the same string: the decoding path, not the plain validation.
        #expect(JSONView([quote] + escape + bad + [quote]) == nil)
        #expect(JSONView([quote] + bad + escape + [quote]) == nil)
        #expect(JSONView(Array("{\"".utf8) + bad + Array("\":1}".utf8)) == nil)
        #expect(JSONView(Array("{\"k\":\"".utf8) + bad + Array("\"}".utf8)) == nil)
    }

    @Test func validUTF8RawIsAccepted() throws {
        let bytes: [UInt8] = [0x22, 0xC3, 0xA9, 0xE2, 0x9C, 0x93, 0xF0, 0x9F, 0x98, 0x80, 0xF4, 0x8F, 0xBF, 0xBF, 0x22]
        #expect(JSONView(bytes)?.string == "\u{E9}\u{2713}\u{1F600}\u{10FFFF}")
    }

    @Test(arguments: [
        #"{"a":1,"a":2}"#, #"{"a":1,"a":1}"#, #"{"a":1,"b":2,"a":3}"#, #"{"a":1,"\u0061":2}"#, #"{"\u0061":1,"a":2}"#,
        #"{"\u0061":1,"\u0061":2}"#, #"{"a/b":1,"a\/b":2}"#, #"{"é":1,"\u00e9":2}"#, #"{"😀":1,"\ud83d\ude00":2}"#,
        #"{"":1,"":2}"#, #"{"x":{"k":1,"k":2}}"#, #"[{"k":1},{"k":1,"k":2}]"#, #"{"a":[],"b":{},"a":null}"#,
    ])
    func aKeyTwiceInOneObjectIsRefused(text: String) {
        #expect(Self.view(text) == nil)
    }

    /// Keys are their UTF-8 bytes once unescaped: canonically equivalent keys that Swift's `String ==`
    /// takes as one ("K" and the Kelvin sign, precomposed and combining é) are two keys, raw or escaped.
    @Test(arguments: [
        (#"{"K":1,"K":2}"#, "\u{212A}"), ("{\"K\":1,\"\u{212A}\":2}", "\u{212A}"),
        ("{\"\u{E9}\":1,\"e\u{301}\":2}", "e\u{301}"), (#"{"é":1,"é":2}"#, "e\u{301}"),
    ])
    func canonicallyEquivalentKeysAreDistinct(text: String, second: String) throws {
        let doc = try #require(Self.view(text))
        #expect(doc[second]?.int64 == 2)
        #expect(doc.object?[second]?.int64 == 2)
        #expect(doc.members?.map(\.value.int64) == [1, 2])
    }

    @Test func theSameKeyInDifferentObjectsIsAccepted() throws {
        let doc = try #require(Self.view(#"{"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}], "A": 3, "a ": 4, "\u0062b": 5}"#))
        #expect(doc["a"]?["a"]?.int64 == 1)
        #expect(doc["b"]?.elements?.compactMap { $0["a"]?.int64 } == [1, 2])
        #expect(doc["A"]?.int64 == 3)
        #expect(doc["bb"]?.int64 == 5)
    }

    @Test func nestingOfExactlyMaxDepthIsAcceptedAndRead() throws {
        let depth = JSONView.maxDepth
        let arrays = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        var innermost = try #require(Self.view(arrays))
        for _ in 1..<depth { innermost = try #require(innermost.elements?.first) }
        #expect(innermost.elements?.isEmpty == true)

        let objects = String(repeating: #"{"k":"#, count: depth - 1) + "{}" + String(repeating: "}", count: depth - 1)
        #expect(Self.view(objects) != nil)
        let mixed = String(repeating: #"[{"k":"#, count: depth / 2) + "0" + String(repeating: "}]", count: depth / 2)
        #expect(Self.view(mixed) != nil)
        // Depth counts, not how many containers there are: siblings each as deep as allowed.
        let shallower = String(repeating: "[", count: depth - 1) + String(repeating: "]", count: depth - 1)
        #expect(Self.view("[" + Array(repeating: shallower, count: 3).joined(separator: ",") + "]") != nil)
        #expect(Self.view("[" + Array(repeating: "[]", count: 2000).joined(separator: ",") + "]") != nil)
    }

    @Test func nestingPastMaxDepthIsRefused() {
        let depth = JSONView.maxDepth + 1
        #expect(Self.view(String(repeating: "[", count: depth) + String(repeating: "]", count: depth)) == nil)
        #expect(Self.view(String(repeating: "[", count: depth) + "1" + String(repeating: "]", count: depth)) == nil)
        let objects = String(repeating: #"{"k":"#, count: depth - 1) + "{}" + String(repeating: "}", count: depth - 1)
        #expect(Self.view(objects) == nil)
        let mixed = String(repeating: #"[{"k":"#, count: depth / 2) + "[]" + String(repeating: "}]", count: depth / 2)
        #expect(Self.view(mixed) == nil)
        // Deep in a later sibling, past a shallow one.
        let deep = String(repeating: "[", count: depth - 1) + String(repeating: "]", count: depth - 1)
        #expect(Self.view("[0, {\"a\": 1}, \(deep)]") == nil)
        // Far deeper still: refused, without exhausting the stack.
        #expect(Self.view(String(repeating: "[", count: 100_000)) == nil)
    }

    // MARK: Integers

    @Test func integersAtTheLimitsOfInt64AndUInt64() {
        #expect(Self.view("-9223372036854775808")?.int64 == Int64.min)
        #expect(Self.view("9223372036854775807")?.int64 == Int64.max)
        #expect(Self.view("9223372036854775807")?.uint64 == UInt64(Int64.max))
        #expect(Self.view("18446744073709551615")?.uint64 == UInt64.max)
        #expect(Self.view("0")?.int64 == 0)
        #expect(Self.view("0")?.uint64 == 0)
        #expect(Self.view("-1")?.int64 == -1)
    }

    @Test func narrowerIntegersAtTheirLimits() {
        #expect(Self.view("-2147483648")?.int32 == Int32.min)
        #expect(Self.view("2147483647")?.int32 == Int32.max)
        #expect(Self.view("-2147483649")?.int32 == nil)
        #expect(Self.view("2147483648")?.int32 == nil)
        #expect(Self.view("4294967295")?.uint32 == UInt32.max)
        #expect(Self.view("4294967296")?.uint32 == nil)
        #expect(Self.view("-1")?.uint32 == nil)
        #expect(Self.view("-0")?.uint32 == 0)
        #expect(Self.view("1.0")?.uint32 == nil)
        #expect(Self.view("-9223372036854775808")?.int == Int.min)
        #expect(Self.view("18446744073709551615")?.uint == UInt.max)
        #expect(Self.view("-1")?.uint == nil)
        #expect(Self.view("1e0")?.int == nil)
        #expect(Self.view(#""1""#)?.int32 == nil)
    }

    @Test func oneBeyondTheLimitsIsNil() throws {
        let belowInt64 = try #require(Self.view("-9223372036854775809"))
        #expect(belowInt64.int64 == nil)
        #expect(belowInt64.uint64 == nil)
        let aboveInt64 = try #require(Self.view("9223372036854775808"))
        #expect(aboveInt64.int64 == nil)
        #expect(aboveInt64.uint64 == 9_223_372_036_854_775_808)
        let aboveUInt64 = try #require(Self.view("18446744073709551616"))
        #expect(aboveUInt64.uint64 == nil)
        #expect(aboveUInt64.int64 == nil)
        let far = try #require(Self.view("184467440737095516150"))
        #expect(far.uint64 == nil)
        #expect(Self.view("-18446744073709551615")?.int64 == nil)
        #expect(Self.view("-18446744073709551616")?.int64 == nil)
    }

    @Test func negativeIsNotUnsignedButMinusZeroIsZero() {
        #expect(Self.view("-1")?.uint64 == nil)
        #expect(Self.view("-9223372036854775808")?.uint64 == nil)
        #expect(Self.view("-0")?.uint64 == 0)
        #expect(Self.view("-0")?.int64 == 0)
    }

    @Test(arguments: ["1.0", "1.5", "-1.0", "0.0", "-0.0", "1e0", "1E2", "1e+2", "10e-1", "0e0", "-2.5e3", "1.0E0"])
    func fractionsAndExponentsAreNotIntegers(text: String) throws {
        let number = try #require(Self.view(text))
        #expect(number.kind == .number)
        #expect(number.int64 == nil)
        #expect(number.uint64 == nil)
        #expect(Self.view("[\(text)]")?.elements?.first?.int64 == nil)
        #expect(Self.view("{\"n\":\(text)}")?["n"]?.uint64 == nil)
    }

    @Test(arguments: [#""1""#, #""-1""#, #""""#, "true", "false", "null", "[1]", "[]", #"{"a":1}"#, "{}"])
    func nonNumbersAreNotIntegers(text: String) throws {
        let value = try #require(Self.view(text))
        #expect(value.int64 == nil)
        #expect(value.uint64 == nil)
    }

    // MARK: Robustness

    /// A config.json as runtimes write them, with escapes, raw UTF-8, nulls, fractions and exponents.
    static let configDocument = #"""
        {
          "ociVersion": "1.2.0",
          "process": {
            "terminal": false,
            "consoleSize": {"height": 24, "width": 80},
            "user": {"uid": 1000, "gid": 1000, "additionalGids": [10, 20], "umask": 18},
            "args": ["sh", "-c", "echo \"hello\" \\ world\n"],
            "env": [
              "PATH=\/usr\/local\/bin:\/usr\/bin",
              "GREETING=h\u00e9llo \ud83d\ude00",
              "RAW=héllo ✓ 😀",
              "TAB=a\tb"
            ],
            "cwd": "/",
            "capabilities": {"bounding": ["CAP_CHOWN", "CAP_KILL"], "effective": ["CAP_CHOWN"], "ambient": null},
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
            "noNewPrivileges": true,
            "oomScoreAdj": -500
          },
          "root": {"path": "rootfs", "readonly": true},
          "hostname": "web",
          "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755"]}
          ],
          "annotations": {"org.example.note": "a \"quoted\" note", "empty": ""},
          "linux": {
            "namespaces": [{"type": "pid"}, {"type": "network", "path": "/var/run/netns/web"}, {"type": "mount"}],
            "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
            "resources": {"memory": {"limit": 536870912, "swappiness": 0}, "cpu": {"shares": 1.5, "weight": 1e2}},
            "seccomp": {
              "defaultAction": "SCMP_ACT_ERRNO",
              "defaultErrnoRet": 1,
              "architectures": ["SCMP_ARCH_X86_64"],
              "syscalls": [
                {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
                {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
                 "args": [{"index": 0, "value": 4294967295, "op": "SCMP_CMP_EQ"}]}
              ]
            },
            "maskedPaths": ["/proc/kcore"],
            "sysctl": null
          }
        }
        """#

    /// Bytes a mutation puts in: JSON's own, the edges of ASCII and UTF-8 lead and continuation bytes.
    static let mutationBytes: [UInt8] =
        Array(#"{}[]":,\-+.eE0123456789tfnu/ "#.utf8) + [
            0x00, 0x09, 0x0A, 0x1F, 0x7F, 0x80, 0xBF, 0xC3, 0xE2, 0xED, 0xF0, 0xFF,
        ]

    @Test func mutatedDocumentsNeverCrashAndAreAcceptedOnlyWhenJSON() throws {
        let original = Array(Self.configDocument.utf8)
        let base = try #require(JSONView(original))
        #expect(Self.mismatch(base, try JSONSerialization.jsonObject(with: Data(original))) == nil)
        // The comparison itself tells values apart.
        let sample = try #require(Self.view(#"{"a": ["x", 1, true, null]}"#))
        #expect(Self.mismatch(sample, ["a": ["x", 1, true, NSNull()]]) == nil)
        #expect(Self.mismatch(sample, ["a": ["y", 1, true, NSNull()]]) == "$.a[0]")
        #expect(Self.mismatch(sample, ["a": ["x", 2, true, NSNull()]]) == "$.a[1]")
        #expect(Self.mismatch(sample, ["a": ["x", 1, true]]) == "$.a")
        #expect(Self.mismatch(sample, ["b": ["x", 1, true, NSNull()]]) == "$.a")

        var random = SplitMix64(seed: 0x5EED_F00D)
        var accepted = 0
        var refused = 0
        var outOfDoubleRange = 0
        var failures: [String] = []
        for _ in 0..<2000 {
            var doc = original
            for _ in 0...random.below(3) { Self.mutate(&doc, &random) }
            guard let view = JSONView(doc) else {
                refused += 1
                continue
            }
            accepted += 1
            let text = String(decoding: doc, as: UTF8.self)
            guard let object = try? JSONSerialization.jsonObject(with: Data(doc), options: .fragmentsAllowed) else {
                // RFC 8259 leaves numbers' range to the reader; Foundation refuses one beyond Double's.
                if Self.hasNumberBeyondDouble(doc) {
                    outOfDoubleRange += 1
                } else {
                    failures.append("accepted, Foundation refuses: \(text)")
                }
                continue
            }
            if let difference = Self.mismatch(view, object) {
                failures.append("reads \(difference) unlike Foundation: \(text)")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) mutations, the first: \(failures.prefix(3))")
        // Neither outcome so rare that the test proves nothing.
        #expect(accepted > 200, "accepted \(accepted), refused \(refused), out of Double's range \(outOfDoubleRange)")
        #expect(refused > 200, "accepted \(accepted), refused \(refused), out of Double's range \(outOfDoubleRange)")
    }

    static func mutate(_ doc: inout [UInt8], _ random: inout SplitMix64) {
        let byte = mutationBytes[random.below(mutationBytes.count)]
        guard !doc.isEmpty else {
            doc.append(byte)
            return
        }
        let at = random.below(doc.count)
        switch random.below(6) {
        case 0: doc[at] ^= 1 << random.below(8)
        case 1: doc[at] = byte
        case 2: doc.insert(byte, at: at)
        case 3: doc.remove(at: at)
        case 4: doc.removeSubrange(at...)
        default:
            // A slice repeated: duplicate keys, deeper nesting, split escapes.
            let end = min(doc.count, at + random.below(40))
            doc.insert(contentsOf: doc[at..<end], at: at)
        }
    }

    /// Where `view` reads other than Foundation's `object` does, or nil; every accessor is used on every value.
    static func mismatch(_ view: JSONView, _ object: Any, path: String = "$") -> String? {
        _ = (view.isNull, view.bool, view.string, view.int64, view.uint64, view.members, view.elements, view.object)
        switch view.kind {
        case .object:
            guard let dictionary = object as? [String: Any], let members = view.members else { return path }
            guard members.count == dictionary.count else { return path + " (member count)" }
            for (key, value) in members {
                guard view[key] != nil, view.object?[key] != nil, let other = dictionary[key] else {
                    return path + "." + key
                }
                if let difference = mismatch(value, other, path: path + "." + key) { return difference }
            }
            return nil
        case .array:
            guard let array = object as? [Any], let elements = view.elements, elements.count == array.count else {
                return path
            }
            for (i, (element, other)) in zip(elements, array).enumerated() {
                if let difference = mismatch(element, other, path: path + "[\(i)]") { return difference }
            }
            return nil
        case .string:
            return view.string == (object as? String) ? nil : path
        case .bool:
            return view.bool == (object as? Bool) ? nil : path
        case .null:
            return object is NSNull ? nil : path
        case .number:
            guard let number = object as? NSNumber else { return path }
            if let value = view.int64, number.int64Value != value { return path }
            return nil
        }
    }

    /// Whether a number outside the document's strings is beyond Double's range (e.g. 1e400).
    static func hasNumberBeyondDouble(_ doc: [UInt8]) -> Bool {
        var inString = false
        var i = 0
        var token = ""
        while i < doc.count {
            let b = doc[i]
            if inString {
                if b == UInt8(ascii: "\\") { i += 1 } else if b == UInt8(ascii: "\"") { inString = false }
            } else if b == UInt8(ascii: "\"") {
                inString = true
            } else if "-+.eE0123456789".utf8.contains(b) {
                token.append(Character(Unicode.Scalar(b)))
                i += 1
                continue
            }
            if let value = Double(token), !value.isFinite { return true }
            token = ""
            i += 1
        }
        return Double(token).map { !$0.isFinite } ?? false
    }
}

extension JSONViewTests {
    /// A seeded generator, so the mutations are the same on every run.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        init(seed: UInt64) { state = seed }

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        /// A number in 0..<bound.
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    }
}
