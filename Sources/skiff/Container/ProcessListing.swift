import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// `top`'s table: the host's `ps` over a container's processes, as Docker runs it (default `-f`), writing
/// straight to our stdout. Shared by `skiff top` and `skiff compose top`.
enum ProcessListing {
    static func show(_ pids: [Int32], psOptions: [String] = []) throws {
        let options = psOptions.first == "--" ? Array(psOptions.dropFirst()) : psOptions
        let argv =
            ["/bin/ps"] + (options.isEmpty ? ["-f"] : options) + ["-p", pids.map(String.init).joined(separator: ",")]
        fflush(nil)  // flush every stream: what we printed before (compose top's container name) comes first
        _ = try Subprocess.wait(try Subprocess.spawn(argv))
    }
}
