/// `develop:` (Compose Spec "Develop"): what `compose watch` does when files under a path change.
/// `up` ignores it, as Docker Compose does; only `compose watch` reads it.
package struct ComposeDevelop: Sendable, Equatable {
    package var watch: [ComposeWatchRule] = []
}

/// One `develop.watch[]` rule.
package struct ComposeWatchRule: Sendable, Equatable {
    package enum Action: String, Sendable, CaseIterable {
        case sync
        case rebuild
        case restart
        case syncRestart = "sync+restart"
        case syncExec = "sync+exec"

        /// Whether changed files are copied into the container.
        package var syncs: Bool { self == .sync || self == .syncRestart || self == .syncExec }
    }

    package var action: Action
    /// The watched host path, absolute.
    package var path: String
    /// Where `path` is copied to in the container (sync actions).
    package var target: String?
    /// Patterns (.dockerignore syntax) of paths under `path` not to watch.
    package var ignore: [String] = []
    /// Patterns of the only paths under `path` to watch (empty: all).
    package var include: [String] = []
    /// Copy the whole path into the container when watching starts.
    package var initialSync = false
    /// `sync+exec`: the command run in the container after each sync.
    package var exec: ComposeWatchExec?

    package init(action: Action, path: String) {
        self.action = action
        self.path = path
    }
}

/// A command run in the service's container, as `exec`: `develop.watch[].exec` (sync+exec), and the
/// lifecycle hooks `post_start` and `pre_stop` (the Compose Spec's ServiceHook, the same keys).
package typealias ComposeServiceHook = ComposeWatchExec

/// `develop.watch[].exec`: a command run in the service's container (sync+exec).
package struct ComposeWatchExec: Sendable, Equatable {
    package var command: [String]
    package var user: String?
    package var privileged = false
    package var workingDir: String?
    package var environment: [ComposeEnvVar] = []

    package init(command: [String]) { self.command = command }

    /// The `exec` this command is, with the caller's environment for `KEY`-only entries.
    func execRequest(callerEnvironment: [String: String]) -> ExecRequest {
        var request = ExecRequest(command: command)
        request.user = user
        request.privileged = privileged
        request.workdir = workingDir
        request.env = environment.map { e in e.value.map { "\(e.name)=\($0)" } ?? e.name }
        request.callerEnvironment = callerEnvironment
        return request
    }
}
