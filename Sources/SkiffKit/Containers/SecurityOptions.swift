/// `--security-opt` and compose `security_opt:` as Docker's CLI reads them: `KEY=VALUE`, or `KEY:VALUE`.
/// Skiff applies no AppArmor profile and no SELinux label, so asking for none of them is what it does;
/// naming a profile or a label is refused, since nothing here would carry it out.
public enum SecurityOptions {
    /// What the options support, for the refusal of any other.
    static let supported =
        "no-new-privileges[=true|false], seccomp=unconfined, seccomp=builtin, seccomp=PROFILE.json, systempaths=unconfined, apparmor=unconfined and label=disable"

    /// Set on `options` what `texts` ask for. A seccomp profile's relative path is taken from `directory`
    /// (the CLI's working directory; a compose project's directory, as Compose reads it); `origin` names
    /// the flag or key in errors.
    public static func apply(
        _ texts: [String], to options: inout RunOptions, directory: String, origin: String
    ) throws(KitError) {
        for text in texts {
            let (key, value) = split(text)
            switch (key, value) {
            case ("no-new-privileges", nil), ("no-new-privileges", "true"): options.noNewPrivileges = true
            case ("no-new-privileges", "false"): options.noNewPrivileges = false
            case ("seccomp", "unconfined"): options.seccomp = .unconfined
            case ("seccomp", "builtin"): options.seccomp = .default
            case ("seccomp", let path?) where !path.isEmpty:
                options.seccomp = .profile(path: path.hasPrefix("/") ? path : directory + "/" + path)
            case ("systempaths", "unconfined"): options.unmaskSystemPaths = true
            case ("apparmor", "unconfined"), ("label", "disable"): break
            default:
                throw .usage("\(origin) \"\(text)\" is not supported: supported are \(supported)")
            }
            options.securityOpt.append(text)
        }
    }

    /// `KEY=VALUE`, else `KEY:VALUE` (Docker's older spelling), else a bare key.
    static func split(_ text: String) -> (String, String?) {
        for separator: Character in ["=", ":"] {
            if let i = text.firstIndex(of: separator) {
                return (String(text[..<i]), String(text[text.index(after: i)...]))
            }
        }
        return (text, nil)
    }
}
