/// The words of `run`'s or `create`'s command line that `Skiff.main` spelled anew for ArgumentParser
/// (`GoBoolFlags.respelled`: `--disable-content-trust=false` as `--no-disable-content-trust`), by their
/// distance from the end. The image and its command are the line's last words, taken as they were typed.
enum RespelledWords {
    nonisolated(unsafe) static var replaced: [Int: String] = [:]

    /// The image and command as typed.
    static func operands(image: String, command: [String]) -> (image: String, command: [String]) {
        guard !replaced.isEmpty else { return (image, command) }
        var command = command
        for k in command.indices {
            if let word = replaced[command.count - k] { command[k] = word }
        }
        return (replaced[command.count + 1] ?? image, command)
    }
}
