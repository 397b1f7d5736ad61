import Foundation

/// Waiting for a condition in a test: poll it until it holds or the time is up.
public enum Poll {
    /// Whether `condition` held within `seconds`, checked every `interval` seconds (and once more at the end).
    @discardableResult
    public static func until(_ seconds: Double, interval: Double = 0.05, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(useconds_t(interval * 1_000_000))
        }
        return condition()
    }
}
