import Foundation
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// `compose watch`: the services' `develop.watch` paths polled; each batch of changes is carried out as
/// Docker Compose does: `sync` copies changed files into the service's running containers (and removes
/// deleted ones), `rebuild` builds the image and recreates the container, `restart` restarts it,
/// `sync+restart` and `sync+exec` sync then restart or run the rule's command.
extension ComposeRunner {
    /// `compose watch`'s flags.
    public struct WatchOptions: Sendable {
        /// The services to watch; empty: every active one with a `develop` section.
        public var services: [String] = []
        /// Profiles that activate services beyond the default ones.
        public var profiles: [String] = []
        /// --no-up: watch without bringing the services up first.
        public var noUp = false
        /// Time between polls.
        public var interval: Double = 0.3
        /// Every service, brought up first.
        public init() {}
    }

    /// One watched rule of one service, with what its path held at the last poll.
    struct WatchedRule {
        var rule: ComposeWatchRule
        var ignore: IgnoreRules
        var include: IgnoreRules
        var snapshot: WatchSnapshot
    }

    /// The services `watch` watches (the selected ones with `develop.watch` rules), checked as Docker
    /// Compose checks them: at least one, and a `rebuild` rule only where there is a `build:`.
    package func watchTargets(_ options: WatchOptions) throws(ComposeError) -> [ComposeService] {
        let selected = try project.selectServices(
            options.services, profiles: options.profiles, withDependencies: false)
        let watched = selected.filter { !($0.develop?.watch.isEmpty ?? true) }
        guard !watched.isEmpty else {
            throw .usage(
                "none of the selected services is configured for watch, consider setting a 'develop' section")
        }
        for s in watched where s.build == nil && s.develop?.watch.contains(where: { $0.action == .rebuild }) == true {
            throw .usage("service \"\(s.name)\" doesn't have a build section, can't apply 'rebuild' on watch")
        }
        return watched
    }

    /// Bring the services up (unless `noUp`), then watch until `stop` says so (checked at every poll).
    public func watch(_ options: WatchOptions, stop: () -> Bool) throws(ComposeError) {
        let watched = try watchTargets(options)
        if !options.noUp {
            var up = UpOptions()
            up.services = options.services
            up.profiles = options.profiles
            try self.up(up)
        }
        var state: [String: [WatchedRule]] = [:]
        for s in watched {
            var rules: [WatchedRule] = []
            for r in s.develop?.watch ?? [] {
                let ignore = try WatchSnapshot.ignoreRules(r)
                let include = try WatchSnapshot.includeRules(r)
                rules.append(
                    WatchedRule(
                        rule: r, ignore: ignore, include: include,
                        snapshot: WatchSnapshot.take(r.path, ignore: ignore, include: include)))
            }
            state[s.name] = rules
            // initial_sync: the whole path, as if every entry were new.
            var initial: [Int: WatchChanges] = [:]
            for (i, w) in rules.enumerated() where w.rule.initialSync && w.rule.action.syncs {
                initial[i] = WatchSnapshot().changes(to: w.snapshot)
            }
            if !initial.isEmpty {
                try carryOut(WatchPlan.make(rules.map(\.rule), changes: initial), service: s)
            }
        }
        progress("Watch enabled")
        while !stop() {
            usleep(useconds_t(options.interval * 1_000_000))
            for s in watched {
                guard var rules = state[s.name] else { continue }
                var changes: [Int: WatchChanges] = [:]
                for (i, w) in rules.enumerated() {
                    let now = WatchSnapshot.take(w.rule.path, ignore: w.ignore, include: w.include)
                    guard now != w.snapshot else { continue }
                    // A quiet moment before acting, so one save (or a checkout) is one batch.
                    usleep(useconds_t(options.interval * 1_000_000))
                    let settled = WatchSnapshot.take(w.rule.path, ignore: w.ignore, include: w.include)
                    changes[i] = w.snapshot.changes(to: settled)
                    rules[i].snapshot = settled
                }
                state[s.name] = rules
                let plan = WatchPlan.make(rules.map(\.rule), changes: changes)
                // A batch that fails (a build error, a path the container refuses) is reported and
                // the watch goes on, as Docker Compose's does.
                do { if !plan.isEmpty { try carryOut(plan, service: s) } } catch {
                    progress("Error: service \"\(s.name)\": \(error)")
                }
            }
        }
    }

    /// Carry out one batch for `service`'s containers.
    func carryOut(_ plan: WatchPlan, service s: ComposeService) throws(ComposeError) {
        if plan.rebuild {
            progress("Rebuilding service \"\(s.name)\" after changes were detected...")
            try build([s])
            var up = UpOptions()
            up.services = [s.name]
            up.noDeps = true
            try self.up(up)
            progress("service \"\(s.name)\" successfully built")
            return
        }
        let running = containers(of: s.name).filter { $0.status == .running }
        if !plan.copies.isEmpty || !plan.removals.isEmpty {
            progress("Syncing service \"\(s.name)\" after \(plan.changeCount) changes were detected")
            // A dry run copies nothing (Docker Compose's dry-run client fakes the copy into the container).
            // Each path on its own: one the container refuses (a link in the way) leaves the others synced.
            for c in running where !dryRun {
                for r in plan.removals {
                    do { try engine.removeInContainer(c.id, path: r) } catch {
                        progress("Error: sync \(r) in \(c.name): \(error)")
                    }
                }
                for copy in plan.copies {
                    do { try engine.syncIntoContainer(c.id, hostPath: copy.host, path: copy.container) } catch {
                        progress("Error: sync \(copy.host) to \(c.name):\(copy.container): \(error)")
                    }
                }
            }
        }
        if plan.restart {
            progress("Restarting service \"\(s.name)\" after changes were detected")
            try restart([s.name])
        }
        // Nor does it run the rule's command.
        for x in plan.execs where !dryRun {
            for c in running {
                let request = x.execRequest(callerEnvironment: callerEnvironment)
                try kit { () throws(KitError) in _ = try engine.exec(c.id, request) }
            }
        }
    }
}
