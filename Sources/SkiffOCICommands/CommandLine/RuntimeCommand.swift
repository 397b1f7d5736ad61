/// A command of a table-driven command line (the runtime's, and skiff's internal helpers'): its spec,
/// and what it does with a command line parsed against it.
public protocol RuntimeCommand {
    static var spec: RuntimeCommandSpec { get }
    init(_ arguments: RuntimeArguments) throws
    func run() throws
}

/// Commands under one program name, dispatched by their first word with no reflection: the runtime's
/// (`skiff-oci`, `skiff oci`) and `skiff container-internal`, which the monitor starts for every
/// detached start, exit and healthcheck.
public struct CommandTable {
    public var program: String
    public var abstract: String
    public var commands: [any RuntimeCommand.Type]
    /// runc's global flags are listed in the top help.
    public var takesGlobalFlags: Bool

    public init(program: String, abstract: String, commands: [any RuntimeCommand.Type], takesGlobalFlags: Bool) {
        self.program = program
        self.abstract = abstract
        self.commands = commands
        self.takesGlobalFlags = takesGlobalFlags
    }

    public var specs: [RuntimeCommandSpec] { commands.map { $0.spec } }

    func command(named name: String) -> (any RuntimeCommand.Type)? {
        commands.first { $0.spec.name == name }
    }

    /// Run the command `words` name (help for `--help`, `help [COMMAND]`, or no words).
    public func dispatch(_ words: [String]) throws {
        guard let word = words.first, !["--help", "-h", "help"].contains(word) else {
            if words.first == "help", words.count > 1 {
                guard let command = command(named: words[1]) else { throw noHelpTopic(words[1]) }
                print(RuntimeHelp.command(command.spec, program: program), terminator: "")
                return
            }
            print(RuntimeHelp.top(self), terminator: "")
            return
        }
        guard let command = command(named: word) else {
            // runc: `runc foo -h` fails with "No help topic", and an unknown command fails.
            throw word.hasPrefix("-") ? CommandLineError("flag provided but not defined: \(word)") : noHelpTopic(word)
        }
        let parsed = try RuntimeArguments(Array(words.dropFirst()), for: command.spec)
        if parsed.wantsHelp {
            print(RuntimeHelp.command(command.spec, program: program), terminator: "")
            return
        }
        try command.init(parsed).run()
    }

    /// Tell `error` on stderr as runc does and return the exit status: a command's own status as it
    /// is, 1 for the rest (after the usage line for a command line that did not parse).
    public func report(_ error: any Error) -> Int32 {
        switch error {
        case let status as CommandExit:
            return status.code
        case let error as CommandLineError:
            var text = "Error: \(error.description)\n"
            if let name = error.command, let spec = command(named: name)?.spec {
                text += "Usage: \(RuntimeHelp.usage(spec, program: program))\nSee '\(program) \(name) --help'.\n"
            }
            StandardError.write(text)
            return 1
        default:
            // runc writes a failure to its log too, where containerd and CRI-O read it.
            if GlobalOptions.shared.logPath != nil { Logs.fatal("\(error)") }
            StandardError.write("Error: \(error)\n")
            return 1
        }
    }

    private func noHelpTopic(_ word: String) -> CommandLineError {
        CommandLineError("No help topic for '\(word)': there is no such command (see --help)")
    }
}
