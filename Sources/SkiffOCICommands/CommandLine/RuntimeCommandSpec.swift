/// What one runtime command accepts, as runc's command line spells it. The table is the single
/// definition: the parser reads it, `--help` prints it.
public struct RuntimeCommandSpec: Sendable {
    public var name: String
    public var abstract: String
    public var options: [RuntimeOption]
    public var operands: [RuntimeOperand]
    /// Every word after the operands, taken as it is (exec's COMMAND, ps's ps(1) options).
    public var rest: RuntimeOperand?

    public init(
        _ name: String, _ abstract: String, options: [RuntimeOption] = [], operands: [RuntimeOperand] = [],
        rest: RuntimeOperand? = nil
    ) {
        self.name = name
        self.abstract = abstract
        self.options = options
        self.operands = operands
        self.rest = rest
    }

    func option(named name: String) -> RuntimeOption? {
        options.first { $0.names.contains(name) }
    }
}

/// One option: `--name VALUE`, `--name=VALUE`, `-n VALUE` and Go's single-dash `-name VALUE` (runc
/// parses with Go's flag package); a switch takes no value (`--detach`, or `--detach=false`).
public struct RuntimeOption: Sendable {
    /// Names without dashes, the first one the key the command reads it by ("bundle", "b").
    public var names: [String]
    /// The value's placeholder in the help; nil for a switch.
    public var value: String?
    public var help: String
    /// The option may be given more than once (`--env A=1 --env B=2`).
    public var repeats: Bool

    public static func value(_ names: String..., placeholder: String, repeats: Bool = false, help: String) -> Self {
        RuntimeOption(names: names, value: placeholder, help: help, repeats: repeats)
    }

    public static func flag(_ names: String..., help: String) -> Self {
        RuntimeOption(names: names, value: nil, help: help, repeats: false)
    }

    var key: String { names[0] }

    var spelled: String {
        names.map { $0.count == 1 ? "-" + $0 : "--" + $0 }.joined(separator: ", ")
    }
}

/// A positional word (the container id, a signal).
public struct RuntimeOperand: Sendable {
    public var name: String
    public var required: Bool
    public var help: String

    public init(_ name: String, required: Bool = true, help: String) {
        self.name = name
        self.required = required
        self.help = help
    }

    public static let containerID = RuntimeOperand("container-id", help: "The container id.")
}
