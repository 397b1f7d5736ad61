/// `develop:` checked as Docker Compose checks it when loading (an action it does not know, a sync rule
/// without a target, a sync+exec rule without a command are errors naming the path).
extension ComposeParser {
    func develop(_ t: ComposeTree, _ p: String) throws(ComposeError) -> ComposeDevelop {
        var d = ComposeDevelop()
        _ = try mapping(t, p)
        guard let watch = t["watch"] else { return d }
        for (i, item) in try list(watch, p + ".watch").enumerated() {
            let ip = "\(p).watch[\(i)]"
            _ = try mapping(item, ip)
            guard let actionText = try optionalString(item["action"], ip + ".action") else {
                throw fail(ip, "action is required (sync, rebuild, restart, sync+restart or sync+exec)")
            }
            guard let action = ComposeWatchRule.Action(rawValue: actionText) else {
                throw fail(
                    ip + ".action",
                    "expected sync, rebuild, restart, sync+restart or sync+exec, got \"\(actionText)\"")
            }
            guard let path = try optionalString(item["path"], ip + ".path"), !path.isEmpty else {
                throw fail(ip, "path is required")
            }
            var rule = ComposeWatchRule(action: action, path: absolute(path))
            rule.target = try optionalString(item["target"], ip + ".target")
            if action.syncs {
                guard let target = rule.target, target.hasPrefix("/") else {
                    throw fail(
                        ip + ".target",
                        rule.target == nil
                            ? "a \(actionText) rule needs a target (the path in the container)"
                            : "must be an absolute path in the container, got \"\(rule.target!)\"")
                }
            }
            if let v = item["ignore"] { rule.ignore = try stringOrList(v, ip + ".ignore") }
            if let v = item["include"] { rule.include = try stringOrList(v, ip + ".include") }
            if let v = item["initial_sync"] { rule.initialSync = try bool(v, ip + ".initial_sync") }
            if let e = item["exec"] { rule.exec = try serviceHook(e, ip + ".exec") }
            if action == .syncExec && rule.exec == nil {
                throw fail(ip, "a sync+exec rule needs exec.command")
            }
            d.watch.append(rule)
        }
        return d
    }
}

extension ComposeParser {
    /// One command run in the container (`develop.watch[].exec`, a `post_start` or `pre_stop` entry):
    /// `command` (required, shell or exec form), `user`, `privileged`, `working_dir`, `environment`.
    func serviceHook(_ e: ComposeTree, _ ep: String) throws(ComposeError) -> ComposeServiceHook {
        _ = try mapping(e, ep)
        guard let c = e["command"], let command = try self.command(c, ep + ".command"), !command.isEmpty else {
            throw fail(ep, "command is required")
        }
        var x = ComposeServiceHook(command: command)
        x.user = try optionalString(e["user"], ep + ".user")
        if let v = e["privileged"] { x.privileged = try bool(v, ep + ".privileged") }
        x.workingDir = try optionalString(e["working_dir"], ep + ".working_dir")
        if let w = x.workingDir, !w.hasPrefix("/") {
            throw fail(ep + ".working_dir", "must be an absolute path in the container, got \"\(w)\"")
        }
        if let v = e["environment"] { x.environment = try keyValues(v, ep + ".environment") }
        return x
    }
}
