/// `compose up`'s attach and abort flags as Docker Compose v2 takes them: checked against each other
/// (its `validateFlags`), the services whose logs are shown (`--attach`, `--no-attach`,
/// `--attach-dependencies`, `attach: false`), and what happens when an attached container stops.
extension ComposeRunner {
    /// What attached `up` does when one of its containers stops.
    public enum Cascade: Sendable, Equatable {
        /// Nothing: `up` ends when every attached container has stopped.
        case ignore
        /// --abort-on-container-exit (or --exit-code-from): stop the project at the first stop.
        case stop
        /// --abort-on-container-failure: stop the project when a container exits with a non-zero code.
        case fail
    }

    /// The flags of `compose up` that decide whether it attaches and how it ends.
    public struct UpFlags: Sendable, Equatable {
        /// -d.
        public var detach = false
        /// --wait (implies -d).
        public var wait = false
        /// --abort-on-container-exit (implied by --exit-code-from).
        public var abortOnContainerExit = false
        /// --abort-on-container-failure.
        public var abortOnContainerFailure = false
        /// --exit-code-from SERVICE.
        public var exitCodeFrom: String?
        /// --attach SERVICE (repeatable).
        public var attach: [String] = []
        /// --no-attach SERVICE (repeatable).
        public var noAttach: [String] = []
        /// --attach-dependencies.
        public var attachDependencies = false
        /// --build.
        public var build = false
        /// --no-build.
        public var noBuild = false
        /// --force-recreate.
        public var forceRecreate = false
        /// --no-recreate.
        public var noRecreate = false
        /// --always-recreate-deps.
        public var alwaysRecreateDeps = false
        /// --pull; nil keeps each service's `pull_policy`.
        public var pull: String?
        /// -w/--watch: carry out the services' `develop.watch` rules while attached.
        public var watch = false
        /// No flag given.
        public init() {}

        /// The pull policies `--pull` takes (Compose's `isPullPolicyValid`).
        public static let pullPolicies = ["always", "missing", "never", "build", "if_not_present"]

        /// Compose's checks, in its order and words; sets what a flag implies (`--exit-code-from`:
        /// `--abort-on-container-exit` unless `--abort-on-container-failure`; `--wait`: `-d`).
        public mutating func validate() throws(ComposeError) {
            if exitCodeFrom != nil && !abortOnContainerFailure { abortOnContainerExit = true }
            if abortOnContainerExit && abortOnContainerFailure {
                throw .usage("--abort-on-container-failure cannot be combined with --abort-on-container-exit")
            }
            if wait {
                if attachDependencies || abortOnContainerExit || !attach.isEmpty {
                    throw .usage(
                        "--wait cannot be combined with --abort-on-container-exit, --attach or --attach-dependencies")
                }
                detach = true
            }
            if build && noBuild { throw .usage("--build and --no-build are incompatible") }
            if detach
                && (attachDependencies || abortOnContainerExit || abortOnContainerFailure || !attach.isEmpty || watch)
            {
                throw .usage(
                    "--detach cannot be combined with --abort-on-container-exit, --abort-on-container-failure, --attach, --attach-dependencies or --watch"
                )
            }
            if forceRecreate && noRecreate { throw .usage("--force-recreate and --no-recreate are incompatible") }
            if alwaysRecreateDeps && noRecreate {
                throw .usage("--always-recreate-deps and --no-recreate are incompatible")
            }
            if noBuild && watch { throw .usage("--no-build and --watch are incompatible") }
            if let pull, !Self.pullPolicies.contains(pull) { throw .usage("invalid --pull option \"\(pull)\"") }
            if !attach.isEmpty && attachDependencies {
                throw .usage("cannot combine --attach and --attach-dependencies")
            }
        }

        /// What a stop of an attached container does.
        public var cascade: Cascade {
            abortOnContainerExit ? .stop : abortOnContainerFailure ? .fail : .ignore
        }

        /// The services attached `up` shows the logs of. `named`: the services on the command line
        /// (empty: all); `selected`: those `up` brings up (the named ones and, without --no-deps, what
        /// they depend on). `--attach` names them outright (each must be one `up` brings up); otherwise
        /// the named services (with --attach-dependencies, and those they depend on) without
        /// `attach: false`. `--no-attach` removes from either.
        package func attachedServices(named: [String], selected: [ComposeService]) throws(ComposeError) -> Set<String> {
            let selectedNames = Set(selected.map(\.name))
            var attached: Set<String>
            if !attach.isEmpty {
                let unknown = Set(attach).subtracting(selectedNames)
                if !unknown.isEmpty {
                    throw .usage(
                        "cannot attach to services not included in up: \(unknown.sorted().joined(separator: ", "))")
                }
                attached = Set(attach)
            } else {
                var chosen = named.isEmpty ? selectedNames : Set(named)
                if attachDependencies {
                    var queue = Array(chosen)
                    while let n = queue.popLast() {
                        for d in selected.first(where: { $0.name == n })?.dependsOn ?? []
                        where selectedNames.contains(d.service) && chosen.insert(d.service).inserted {
                            queue.append(d.service)
                        }
                    }
                }
                attached = Set(selected.filter { chosen.contains($0.name) && $0.attach }.map(\.name))
            }
            attached.subtract(noAttach)
            return attached
        }
    }

    /// Attached `up`'s bookkeeping of container stops, as Docker Compose's log printer keeps it: when to
    /// abort, and `up`'s exit code (the first stopped service's with --abort-on-container-exit, the
    /// failed one's with --abort-on-container-failure, the named one's with --exit-code-from; else 0).
    public struct CascadeState: Sendable, Equatable {
        /// --abort-on-container-exit (stop) or --abort-on-container-failure (fail), or neither.
        public let cascade: Cascade
        /// The service whose code `up` exits with (set by the first stop, or a failure, when not given).
        public private(set) var exitCodeFrom: String?
        /// Set once the abort began: stops are no longer reported.
        public private(set) var aborting = false
        /// `up`'s exit code so far.
        public private(set) var exitCode: Int32 = 0

        /// Nothing stopped yet; `exitCodeFrom` as --exit-code-from gives it.
        public init(cascade: Cascade, exitCodeFrom: String?) {
            self.cascade = cascade
            self.exitCodeFrom = exitCodeFrom
        }

        /// A container of `service` stopped with `code`. Returns true when this stop begins the abort.
        public mutating func stopped(service: String, code: Int32) -> Bool {
            var abort = false
            if cascade == .stop && !aborting {
                aborting = true
                abort = true
            }
            if cascade == .fail && code != 0 {
                exitCodeFrom = service
                if !aborting {
                    aborting = true
                    abort = true
                }
            }
            if cascade == .stop && exitCodeFrom == nil { exitCodeFrom = service }
            if exitCodeFrom == service { exitCode = code }
            return abort
        }
    }
}
