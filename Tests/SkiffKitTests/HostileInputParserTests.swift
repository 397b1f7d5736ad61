import Foundation
import SkiffKit
import Testing

/// The checks under HostileInputTests, fast and without the CLI: the YAML limits on libyaml's events,
/// the shared checked parsers of sizes, durations, CPUs and counts, and interpolation's budget.
@Suite("hostile input parsers")
struct HostileInputParserTests {
    @Test func aliasExpansionIsCountedWithoutExpanding() throws {
        let bomb =
            "a: &a [x,x,x,x,x,x,x,x,x]\n"
            + ["b", "c", "d", "e", "f", "g", "h", "i"].enumerated().map { i, n in
                let prev = ["a", "b", "c", "d", "e", "f", "g", "h"][i]
                return "\(n): &\(n) [" + Array(repeating: "*" + prev, count: 9).joined(separator: ",") + "]\n"
            }.joined()
        let start = Date()
        #expect { try YAMLLimits.standard.check(bomb) } throws: { error in
            guard let e = error as? YAMLLimits.Exceeded else { return false }
            return e.line == 6 && e.reason.contains("the alias *e (of the anchor &e on line 5")
                && e.reason.contains("excessive aliasing")
        }
        #expect(Date().timeIntervalSince(start) < 1)
        // The same through ComposeTree: the error names the file and the line.
        #expect(
            throws: ComposeError.invalid(
                file: "bomb.yaml", path: "line 6",
                reason:
                    "the alias *e (of the anchor &e on line 5, 66430 nodes) takes the document past 250000 nodes once aliases are expanded: refusing excessive aliasing"
            )
        ) {
            try ComposeTree.parse(yaml: bomb, file: "bomb.yaml")
        }
        // An aliased mapping key is refused before Yams hashes it expanded.
        var keyed = YAMLLimits()
        keyed.maxNodes = 100
        #expect(throws: YAMLLimits.Exceeded.self) {
            try keyed.check("a: &a [" + Array(repeating: "x", count: 60).joined(separator: ",") + "]\n? *a\n: 1\n")
        }
    }

    @Test func ordinaryAliasesAndMergeKeysPass() throws {
        let text = """
            x-base: &base {image: busybox, environment: {A: "1"}}
            services:
              a: {<<: *base, command: ["true"]}
              b:
                <<: [*base, {labels: {x: y}}]
                image: busybox:1
            """
        try YAMLLimits.standard.check(text)
        let tree = try ComposeTree.parse(yaml: text, file: "c.yaml")
        #expect(tree["services"]?["a"]?["image"]?.scalarText == "busybox")
        #expect(tree["services"]?["b"]?["image"]?.scalarText == "busybox:1")
        #expect(tree["services"]?["b"]?["labels"]?["x"]?.scalarText == "y")
        // A key given explicitly wins over the same key merged in.
        let both = try ComposeTree.parse(yaml: "x: &x {image: a, user: u}\ny: {<<: *x, image: b}\n", file: "c.yaml")
        #expect(both["y"]?["image"]?.scalarText == "b" && both["y"]?["user"]?.scalarText == "u")
        #expect(both["y"]?.entries?.map(\.key) == ["image", "user"])
    }

    @Test func depthAndSizeAreLimited() {
        let deep = "a: " + String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        #expect(throws: YAMLLimits.Exceeded(line: 1, reason: "collections nest more than 200 deep")) {
            try YAMLLimits.standard.check(deep)
        }
        #expect(throws: YAMLLimits.Exceeded(line: nil, reason: "the file is larger than the maximum of 4 MiB")) {
            try YAMLLimits.standard.check("a: " + String(repeating: "x", count: 4 << 20))
        }
    }

    @Test func sizes() throws {
        #expect(try Units.parseBytes("512m") == 512 << 20)
        #expect(try Units.parseBytes("1.5g") == 3 << 29)
        #expect(try Units.parseBytes("1GiB") == 1 << 30)
        #expect(try Units.parseBytes("2048") == 2048)
        #expect(try Units.parseBytes("8191p") == 8191 << 50)
        #expect(throws: Units.Invalid("larger than the maximum (9223372036854775807 bytes, 8 EiB)")) {
            try Units.parseBytes("9000000000g")
        }
        #expect(throws: Units.Invalid("larger than the maximum (9223372036854775807 bytes, 8 EiB)")) {
            try Units.parseBytes("99999999999999999999")
        }
        #expect(throws: Units.Invalid("larger than the maximum (9223372036854775807 bytes, 8 EiB)")) {
            try Units.parseBytes("8192p")
        }
        #expect(throws: Units.Invalid("a size cannot be negative")) { try Units.parseBytes("-1") }
        #expect(throws: Units.Invalid("a size must be more than 0")) { try Units.parseBytes("0") }
        for bad in ["nan", "inf", "1e308", "", "m", "1.2.3g", "0x10", " 1g"] {
            #expect(throws: Units.Invalid.self, "\(bad)") { try Units.parseBytes(bad) }
        }
        #expect(
            Units.Invalid("x").message("9000000000g", for: "--memory")
                == "invalid value \"9000000000g\" for --memory: x")
    }

    @Test func durations() throws {
        #expect(try Units.parseDuration("1m30s") == 90_000_000_000)
        #expect(try Units.parseDuration("1.5s") == 1_500_000_000)
        #expect(try Units.parseDuration("500ms") == 500_000_000)
        #expect(try Units.parseDuration("0") == 0)
        #expect(try Units.parseDuration("30", bareNumberIsSeconds: true) == 30_000_000_000)
        #expect(try Units.parseDuration("2562047h47m16.854775807s") == Int64.max)
        #expect(throws: Units.Invalid("larger than the maximum (2562047h47m16.854775807s)")) {
            try Units.parseDuration("2562048h")
        }
        #expect(throws: Units.Invalid("larger than the maximum (2562047h47m16.854775807s)")) {
            try Units.parseDuration("9223372037", bareNumberIsSeconds: true)
        }
        #expect(throws: Units.Invalid("larger than the maximum (2562047h47m16.854775807s)")) {
            try Units.parseDuration("2562047h2562047h")
        }
        #expect(throws: Units.Invalid("a duration cannot be negative")) { try Units.parseDuration("-1s") }
        for bad in ["30", "1e308s", "nan", "inf", "s", "", "1x", "1.5.5s"] {
            #expect(throws: Units.Invalid.self, "\(bad)") { try Units.parseDuration(bad) }
        }
    }

    @Test func cpusAndIntegers() throws {
        #expect(try Units.parseCPUs("1.5") == 1.5)
        for bad in ["1e308", "inf", "-inf", "nan", "-1", "0", "0.001", "8193", "x"] {
            #expect(throws: Units.Invalid.self, "\(bad)") { try Units.parseCPUs(bad) }
        }
        #expect(try Units.parseInteger("-1", in: Int64.min...Int64.max) == -1)
        #expect(throws: Units.Invalid("larger than the maximum (9223372036854775807)")) {
            try Units.parseInteger("99999999999999999999", in: Int64.min...Int64.max)
        }
        #expect(throws: Units.Invalid("smaller than the minimum (1)")) { try Units.parseInteger("0", in: 1...10) }
        #expect(throws: Units.Invalid("expected a whole number")) { try Units.parseInteger("1e3", in: 1...10) }
    }

    @Test func interpolationStopsAtItsBudget() {
        var i = ComposeInterpolation(variables: ["A": String(repeating: "x", count: 1000)])
        i.maxOutputBytes = 10_000
        var unset: [String] = []
        let tree = ComposeTree.sequence(Array(repeating: .string("${A}"), count: 11))
        #expect(
            throws: ComposeError.invalid(
                file: "c.yaml", path: "[10]",
                reason: "interpolating variables makes the file's values larger than the maximum of 0 MiB")
        ) {
            try i.interpolate(tree, file: "c.yaml", unset: &unset)
        }
        var env = "V0=0123456789abcdef\n"
        for n in 1...40 { env += "V\(n)=${V\(n - 1)}${V\(n - 1)}\n" }
        #expect { try ComposeEnvFile.parse(env) } throws: { ($0 as? ComposeEnvFile.Failure)?.line == 21 }
    }
}
