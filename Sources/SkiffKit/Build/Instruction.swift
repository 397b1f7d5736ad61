/// One Dockerfile instruction as written: its keyword, its `--flags`, its arguments and where it is.
///
/// Arguments keep their quotes: which words are expanded (and how) depends on the instruction and
/// happens at build time, when the ARG and ENV values are known (see `VariableExpander`).
package struct Instruction: Sendable, Equatable {
    package enum Keyword: String, Sendable, CaseIterable {
        case from = "FROM", run = "RUN", cmd = "CMD", entrypoint = "ENTRYPOINT", env = "ENV", arg = "ARG"
        case workdir = "WORKDIR", copy = "COPY", add = "ADD", user = "USER", expose = "EXPOSE", label = "LABEL"
        case volume = "VOLUME", healthcheck = "HEALTHCHECK", shell = "SHELL", stopsignal = "STOPSIGNAL"
        case onbuild = "ONBUILD", maintainer = "MAINTAINER"

        /// Flags each instruction accepts (`--name=value`); anything else is a Dockerfile error.
        var allowedFlags: Set<String> {
            switch self {
            case .from: return ["platform"]
            case .run: return ["network", "security", "mount"]
            case .copy: return ["from", "chown", "chmod", "link", "parents", "exclude"]
            case .add: return ["chown", "chmod", "link", "checksum", "keep-git-dir", "exclude"]
            case .healthcheck: return ["interval", "timeout", "start-period", "start-interval", "retries"]
            default: return []
            }
        }

        /// Flags Docker has that skiff build does not carry out yet: refused with a clear error rather
        /// than ignored. (`--link` is accepted: it changes how BuildKit caches, not what is built.)
        var unsupportedFlags: Set<String> {
            switch self {
            case .run: return []
            case .copy: return []
            case .add: return ["keep-git-dir"]
            default: return []
            }
        }

        /// Instructions whose arguments Docker expands with ARG/ENV values before use.
        var expandsVariables: Bool {
            switch self {
            case .from, .env, .arg, .workdir, .copy, .add, .user, .expose, .label, .volume, .stopsignal: return true
            default: return false
            }
        }
    }

    /// The arguments: a JSON array (exec form) or the rest of the line (shell form).
    package enum Arguments: Sendable, Equatable {
        case exec([String])
        case shell(String)
    }

    /// A here-document (`<<EOF` … `EOF`) that follows the instruction's line.
    package struct Heredoc: Sendable, Equatable {
        package var name: String
        package var content: String
        /// `<<"EOF"` or `<<'EOF'`: the body is not expanded.
        package var quoted: Bool
        /// `<<-EOF`: leading tabs were stripped.
        package var stripTabs: Bool

        package init(name: String, content: String, quoted: Bool, stripTabs: Bool) {
            self.name = name
            self.content = content
            self.quoted = quoted
            self.stripTabs = stripTabs
        }
    }

    package var keyword: Keyword
    package var flags: [(name: String, value: String?)]
    package var arguments: Arguments
    package var heredocs: [Heredoc]
    /// The line the instruction starts on (1-based).
    package var line: Int
    /// The instruction's text after the keyword, continuation lines joined (for ONBUILD and messages).
    package var original: String

    package init(
        keyword: Keyword, flags: [(name: String, value: String?)] = [], arguments: Arguments,
        heredocs: [Heredoc] = [], line: Int, original: String
    ) {
        self.keyword = keyword
        self.flags = flags
        self.arguments = arguments
        self.heredocs = heredocs
        self.line = line
        self.original = original
    }

    package func flag(_ name: String) -> String? {
        flags.last(where: { $0.name == name }).map { $0.value ?? "true" }
    }

    /// The shell-form text, or the exec-form words joined by spaces.
    package var text: String {
        switch arguments {
        case .shell(let s): return s
        case .exec(let words): return words.joined(separator: " ")
        }
    }

    package static func == (a: Instruction, b: Instruction) -> Bool {
        a.keyword == b.keyword && a.arguments == b.arguments && a.heredocs == b.heredocs && a.line == b.line
            && a.original == b.original && a.flags.map(\.name) == b.flags.map(\.name)
            && a.flags.map(\.value) == b.flags.map(\.value)
    }
}

/// A parsed Dockerfile: its parser directives and instructions in order.
package struct Dockerfile: Sendable, Equatable {
    /// The file name errors carry ("Dockerfile").
    package var name: String
    package var escape: Character
    package var syntax: String?
    package var instructions: [Instruction]

    func error(_ line: Int, _ message: String) -> BuildError {
        .dockerfile(file: name, line: line, message: message)
    }
}
