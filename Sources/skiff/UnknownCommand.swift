import ArgumentParser
import SkiffKit

/// A mistyped command (`skiff rnu`, `skiff compose upp`) named, with the nearest real one, before the
/// parser's generic "Unexpected argument" (Docker: "docker: 'rnu' is not a docker command.").
enum UnknownCommand {
    /// The message for the first word of `arguments` that should name a subcommand and names none, or nil.
    static func message(for arguments: [String], root: ParsableCommand.Type) -> String? {
        var command = root
        var path = [root._commandName]
        var index = 0
        while index < arguments.count {
            let word = arguments[index]
            let subcommands = command.configuration.subcommands
            guard !subcommands.isEmpty, command.configuration.defaultSubcommand == nil else { return nil }
            if word.hasPrefix("-") {
                // Only compose has flags before its command; a valued one carries its value along.
                if word == "--" { return nil }
                if !word.contains("="), ComposeCommandLine.projectFlagsWithValues.contains(word) { index += 1 }
                index += 1
                continue
            }
            let names = subcommands.flatMap { [$0._commandName] + $0.configuration.aliases }
            guard
                let next = subcommands.first(where: {
                    $0._commandName == word || $0.configuration.aliases.contains(word)
                })
            else {
                if word == "help" { return nil }
                var text = "\(path.joined(separator: " ")): '\(word)' is not a \(path.joined(separator: " ")) command."
                if let near = NearestName.suggest(word, among: names) { text += "\nDid you mean '\(near)'?" }
                return text + "\nSee '\(path.joined(separator: " ")) --help'."
            }
            command = next
            path.append(word)
            index += 1
        }
        return nil
    }
}
