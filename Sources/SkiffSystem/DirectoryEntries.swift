#if canImport(Glibc)
import Glibc
#endif

extension FileIO {
    /// The names in a directory that do not start with "." (in directory order); none when it cannot
    /// be opened (a store not made yet).
    public static func visibleEntries(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if !name.hasPrefix(".") { names.append(name) }
        }
        return names
    }
}
