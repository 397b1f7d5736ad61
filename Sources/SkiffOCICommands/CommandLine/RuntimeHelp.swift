/// `--help` of the runtime's commands, printed from their specs.
enum RuntimeHelp {
    static func usage(_ spec: RuntimeCommandSpec, program: String) -> String {
        var line = "\(program) \(spec.name)"
        if !spec.options.isEmpty { line += " [options]" }
        for operand in spec.operands { line += operand.required ? " <\(operand.name)>" : " [\(operand.name)]" }
        if let rest = spec.rest { line += " [\(rest.name)...]" }
        return line
    }

    static func command(_ spec: RuntimeCommandSpec, program: String) -> String {
        var text = "\(spec.abstract)\n\nUsage: \(usage(spec, program: program))\n"
        let operands = spec.operands + (spec.rest.map { [$0] } ?? [])
        if !operands.isEmpty {
            text += "\nArguments:\n" + columns(operands.map { ("<\($0.name)>", $0.help) })
        }
        let options = spec.options.map { o in (o.spelled + (o.value.map { " <\($0)>" } ?? ""), o.help) }
        text += "\nOptions:\n" + columns(options + [("-h, --help", "Show this help.")])
        return text
    }

    static func top(_ table: CommandTable) -> String {
        let program = table.program
        var text = "\(table.abstract)\n\nUsage: \(program)"
        text += table.takesGlobalFlags ? " [global options]" : ""
        text += " <command> [options] [arguments]\n\n"
        if table.takesGlobalFlags { text += "Global options (before the command):\n" + columns(globals) + "\n" }
        text += "Commands:\n" + columns(table.specs.map { ($0.name, $0.abstract) })
        return text + "\nSee '\(program) <command> --help' for a command's options.\n"
    }

    static let globals = [
        ("--root <dir>", "State directory (default $SKIFF_ROOT/oci, or /run/skiff/oci)."),
        ("--log <file>", "Write the log to this file instead of stderr."),
        ("--log-format <text|json>", "The log's format (json: runc's lines, which Podman and containerd read)."),
        ("--debug", "Log at debug level."),
        ("-v, --version", "Print the version."),
    ]

    private static func columns(_ rows: [(String, String)]) -> String {
        let width = min(34, (rows.map(\.0.count).max() ?? 0) + 2)
        return rows.map { left, right in
            let pad =
                left.count < width
                ? String(repeating: " ", count: width - left.count) : "\n  " + String(repeating: " ", count: width)
            return "  " + left + pad + right + "\n"
        }.joined()
    }
}
