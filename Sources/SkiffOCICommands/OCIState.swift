import ArgumentParser
import SkiffRuntime

#if canImport(Glibc)
import Glibc
#endif

struct OCIState: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state", abstract: "Print a container's state as JSON.")
    @Argument(help: "The container id.") var id: String

    func run() throws {
        try OCIContext.printJSON(try OCIContext.runtime().state(id: id))
    }
}

struct OCIList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List containers.")
    @Option(name: [.short, .long], help: "table or json") var format: String = "table"
    @Flag(name: .shortAndLong, help: "Print only ids.") var quiet = false

    func run() throws {
        let states = OCIContext.runtime().list()
        if quiet { states.forEach { print($0.id) }; return }
        let owner = Self.owner(of: GlobalOptions.shared.ociRoot)
        switch format {
        case "json":
            try OCIContext.printJSON(
                states.map {
                    var s = $0; s.owner = owner; return s
                })
        case "table":
            // runc's table (a tabwriter: columns at least 12 wide, 3 spaces apart).
            let rows =
                [["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]]
                + states.map { [$0.id, "\($0.pid)", $0.status.rawValue, $0.bundle, $0.created, owner] }
            let widths = (0..<6).map { column in max(12, (rows.map { $0[column].count }.max() ?? 0) + 3) }
            for row in rows {
                print(
                    row.enumerated().map { cell in
                        cell.offset == 5
                            ? cell.element
                            : cell.element + String(repeating: " ", count: widths[cell.offset] - cell.element.count)
                    }.joined())
            }
        default: throw ValidationError("--format: expected table or json, got \"\(format)\"")
        }
    }
}

extension OCIList {
    /// The user owning the state root (runc lists the owner of each container's state directory).
    static func owner(of root: String) -> String {
        var st = stat()
        guard stat(root, &st) == 0 else { return "" }
        guard let pw = getpwuid(st.st_uid) else { return "#\(st.st_uid)" }
        return String(cString: pw.pointee.pw_name)
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
