import Foundation
import SkiffKit

/// Where the two helper binaries are: the monitor of every detached container (and, in reaper mode, the
/// session's reaper), and the `skiff` it runs (with `skiff-main` beside it, the program that launcher
/// runs). SkiffKit looks in $SKIFF_MONITOR / $SKIFF_BINARY, then beside the running executable (the
/// test bundle of a package that builds them). A package that only depends on Skiff may not have them
/// there: then $PATH (Scripts/install puts them in /usr/local/bin).
enum Tools {
    /// Make sure both are found; sets $SKIFF_BINARY / $SKIFF_MONITOR for SkiffKit when found on $PATH.
    static func locate() throws(SkiffTestingError) {
        for (name, variable) in [("skiff", "SKIFF_BINARY"), ("skiff-monitor", "SKIFF_MONITOR")] {
            let engineChoice = name == "skiff" ? Engine.skiffPath : Engine.monitorPath
            if FileManager.default.isExecutableFile(atPath: engineChoice) { continue }
            var looked = [engineChoice]
            let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
            var found: String?
            for dir in path.split(separator: ":") where !dir.isEmpty {
                let candidate = dir + "/" + name
                looked.append(candidate)
                if FileManager.default.isExecutableFile(atPath: candidate) { found = candidate; break }
            }
            guard let found else { throw .toolMissing(name, looked: looked) }
            setenv(variable, found, 1)
        }
        // `skiff` is a launcher of the program beside it (Sources/CSkiffSeal/launch.c).
        let program = (Engine.skiffPath as NSString).deletingLastPathComponent + "/skiff-main"
        if !FileManager.default.isExecutableFile(atPath: program) {
            throw .toolMissing("skiff-main", looked: [program])
        }
    }
}

/// SkiffKit's calls block (they wait for processes and locks); they run on their own threads, so the
/// cooperative pool of Swift concurrency keeps serving other tasks meanwhile.
func blocking<T: Sendable>(_ body: @escaping @Sendable () throws(SkiffTestingError) -> T)
    async throws(SkiffTestingError) -> T
{
    let result: Result<T, SkiffTestingError> = await withCheckedContinuation { continuation in
        Thread.detachNewThread {
            do throws(SkiffTestingError) { continuation.resume(returning: .success(try body())) } catch {
                continuation.resume(returning: .failure(error))
            }
        }
    }
    return try result.get()
}

/// Run a SkiffKit call, its error as SkiffTestingError.
func kit<T>(_ body: () throws(KitError) -> T) throws(SkiffTestingError) -> T {
    do { return try body() } catch { throw SkiffTestingError(error) }
}
