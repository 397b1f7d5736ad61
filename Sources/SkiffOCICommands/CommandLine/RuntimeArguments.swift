/// A command line parsed against its `RuntimeCommandSpec`: options by key, operands in order, the rest.
public struct RuntimeArguments: Equatable, Sendable {
    public private(set) var command: String
    private var values: [String: [String]] = [:]
    public private(set) var operands: [String] = []
    public private(set) var rest: [String] = []
    /// `-h`/`--help` was given: print the command's help instead of running it.
    public private(set) var wantsHelp = false

    /// Parse `words` (what follows the command name) the way runc's command line does: options before,
    /// between or after the operands, each value the next word whatever it looks like (`--memory -1`),
    /// `--` ending the options, and once the operands are filled a command with a `rest` takes every
    /// remaining word as it is.
    public init(_ words: [String], for spec: RuntimeCommandSpec) throws {
        command = spec.name
        var index = 0
        func fail(_ message: String) -> CommandLineError { CommandLineError(message, command: spec.name) }
        while index < words.count {
            let word = words[index]
            index += 1
            let operandsFull = operands.count == spec.operands.count
            if operandsFull, spec.rest != nil, word != "--" || !rest.isEmpty {
                rest.append(word)
                rest.append(contentsOf: words[index...])
                break
            }
            if word == "--" {
                let tail = Array(words[index...])
                let room = spec.operands.count - operands.count
                operands += tail.prefix(room)
                rest += tail.dropFirst(room)
                if spec.rest == nil && !rest.isEmpty {
                    throw fail("unexpected argument \"\(rest[0])\"")
                }
                break
            }
            // A negative number is a value (the monitor's `exited ID -1 9 TIME`), not an option.
            let negativeNumber = word.count > 1 && word.dropFirst().allSatisfy(\.isNumber)
            guard word.hasPrefix("-"), word.count > 1, !negativeNumber else {
                guard !operandsFull else { throw fail("unexpected argument \"\(word)\"") }
                operands.append(word)
                continue
            }
            let bare = word.drop { $0 == "-" }
            let (name, inline): (Substring, String?) =
                bare.firstIndex(of: "=").map { (bare[..<$0], String(bare[bare.index(after: $0)...])) } ?? (bare, nil)
            if name == "h" || name == "help" {
                wantsHelp = true
                continue
            }
            guard let option = spec.option(named: String(name)) else {
                throw fail("flag provided but not defined: \(word)")
            }
            let value: String
            if option.value == nil {
                switch inline {
                case nil, "true", "1": value = "true"
                case "false", "0": value = "false"
                case let other?: throw fail("invalid boolean value \"\(other)\" for \(word.prefix { $0 != "=" })")
                }
            } else if let inline {
                value = inline
            } else {
                guard index < words.count else { throw fail("flag needs an argument: \(word)") }
                value = words[index]
                index += 1
            }
            if option.repeats {
                values[option.key, default: []].append(value)
            } else {
                values[option.key] = [value]
            }
        }
        if !wantsHelp, operands.count < spec.operands.count, spec.operands[operands.count].required {
            let needed = spec.operands.filter(\.required).count
            throw fail(
                "\"\(spec.name)\" requires \(needed == 1 ? "exactly" : "at least") \(needed) argument(s): "
                    + "missing \(spec.operands[operands.count].name)")
        }
    }

    /// The option's value (the last one given), or nil.
    public func string(_ key: String) -> String? { values[key]?.last }

    /// Every value of a repeated option, in order.
    public func strings(_ key: String) -> [String] { values[key] ?? [] }

    /// A switch: given (and not `=false`).
    public func flag(_ key: String) -> Bool { values[key]?.last == "true" }

    /// A whole number option, with an error naming the flag when it is not one.
    public func number<T: FixedWidthInteger>(_ key: String, as type: T.Type = T.self) throws -> T? {
        try string(key).map { try whole($0, key) }
    }

    /// Every value of a repeated whole number option.
    public func numbers<T: FixedWidthInteger>(_ key: String, as type: T.Type = T.self) throws -> [T] {
        try strings(key).map { try whole($0, key) }
    }

    private func whole<T: FixedWidthInteger>(_ text: String, _ key: String) throws -> T {
        guard let value = T(text) else {
            throw CommandLineError(
                "invalid value \"\(text)\" for flag --\(key): expected a whole number", command: command)
        }
        return value
    }

    /// The operand at `index`, or nil when an optional one was left out.
    public func operand(_ index: Int) -> String? { index < operands.count ? operands[index] : nil }
}
