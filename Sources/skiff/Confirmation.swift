import Foundation

/// Docker's question before a prune: the warning, then `[y/N]`, answered on stdin (`-f` skips it).
/// Anything but y or yes, or no answer at all (stdin closed), is no.
enum Confirmation {
    static func ask(_ warning: String) -> Bool {
        print("WARNING! \(warning)\nAre you sure you want to continue? [y/N] ", terminator: "")
        let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        if answer.isEmpty { print("") }
        return answer == "y" || answer == "yes"
    }
}
