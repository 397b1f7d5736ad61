/// The flags before a command's first operand, read from a small table without ArgumentParser, whose
/// reflection over a command's properties is a large part of a short command's start (issue 15). Only
/// forms whose meaning is beyond doubt are read: a table flag (`--tty`, or its letter alone or grouped
/// with other flag letters: `-it`, `-dit`), a table option with its value as the next word (`-e A=1`,
/// `--env A=1`) or after `=` in the long form (`--env=A=1`). Anything else is nil and goes to
/// ArgumentParser, which accepts or refuses it as it always has: help, an unknown flag, `--`, a value
/// that is empty or looks like a flag, a repeated flag or single-valued option, an option's letter in a
/// group, a missing value.
package struct LeadingFlags {
    /// A flag (no value): its long name, and its letter if it has one.
    package struct Flag: Sendable {
        package var long: String
        package var letter: Character?
        package init(_ long: String, _ letter: Character? = nil) {
            self.long = long
            self.letter = letter
        }
    }

    /// An option (a value): its long name, its letter if it has one, and whether it may be repeated.
    package struct Option: Sendable {
        package var long: String
        package var letter: Character?
        package var repeatable: Bool
        package init(_ long: String, _ letter: Character? = nil, repeatable: Bool = false) {
            self.long = long
            self.letter = letter
            self.repeatable = repeatable
        }
    }

    /// What one command line gave: the flags set and the options' values (both by long name, values in
    /// command-line order), then the operands (the words from the first one that is not a flag on).
    package struct Reading: Equatable, Sendable {
        package var flags: Set<String> = []
        package var values: [String: [String]] = [:]
        package var operands: [String] = []

        package func value(_ long: String) -> String? { values[long]?.last }
        package func list(_ long: String) -> [String] { values[long] ?? [] }
    }

    package var flags: [Flag]
    package var options: [Option]

    package init(flags: [Flag], options: [Option]) {
        self.flags = flags
        self.options = options
    }

    /// `words` read, or nil: leave them to ArgumentParser.
    package func read(_ words: [String]) -> Reading? {
        var reading = Reading()
        var index = 0
        func take(_ option: Option, _ value: String) -> Bool {
            guard !value.isEmpty, !value.hasPrefix("-") else { return false }
            guard option.repeatable || reading.values[option.long] == nil else { return false }
            reading.values[option.long, default: []].append(value)
            return true
        }
        while index < words.count, words[index].hasPrefix("-") {
            let word = words[index]
            if word.hasPrefix("--") {
                let name = String(word.dropFirst(2))
                if let flag = flags.first(where: { $0.long == name }) {
                    guard reading.flags.insert(flag.long).inserted else { return nil }
                } else if let option = options.first(where: { $0.long == name }) {
                    guard index + 1 < words.count, take(option, words[index + 1]) else { return nil }
                    index += 1
                } else if let equals = name.firstIndex(of: "="),
                    let option = options.first(where: { $0.long == name[..<equals] })
                {
                    guard take(option, String(name[name.index(after: equals)...])) else { return nil }
                } else {
                    return nil
                }
            } else {
                let letters = word.dropFirst()
                guard !letters.isEmpty else { return nil }
                if letters.count == 1, let option = options.first(where: { $0.letter == letters.first }) {
                    guard index + 1 < words.count, take(option, words[index + 1]) else { return nil }
                    index += 1
                } else {
                    for letter in letters {
                        guard let flag = flags.first(where: { $0.letter == letter }),
                            reading.flags.insert(flag.long).inserted
                        else { return nil }
                    }
                }
            }
            index += 1
        }
        reading.operands = Array(words[index...])
        return reading
    }
}
