import SkiffRuntime

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#endif

struct OCIState: RuntimeCommand {
    static let spec = RuntimeCommandSpec("state", "Print a container's state as JSON.", operands: [.containerID])
    let id: String

    init(_ a: RuntimeArguments) { id = a.operands[0] }

    func run() throws {
        try OCIContext.printJSON(try OCIContext.runtime().state(id: id))
    }
}

struct OCIList: RuntimeCommand {
    static let spec = RuntimeCommandSpec(
        "list", "List containers.",
        options: [
            .value("format", "f", placeholder: "table|json", help: "table or json"),
            .flag("quiet", "q", help: "Print only ids."),
        ])
    let format: String
    let quiet: Bool

    init(_ a: RuntimeArguments) {
        format = a.string("format") ?? "table"
        quiet = a.flag("quiet")
    }

    func run() throws {
        let states = OCIContext.runtime().list()
        if quiet { states.forEach { print($0.id) }; return }
        let owner = Self.owner(of: GlobalOptions.shared.ociRoot)
        switch format {
        case "json":
            // runc's one line (Go's json.Encoder) in its field order, which callers match on as text.
            print(
                "["
                    + (try states.map { s in
                        var s = s; s.owner = owner; return try Self.line(s)
                    }).joined(separator: ",") + "]")
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
        default: throw CommandLineError("--format: expected table or json, got \"\(format)\"")
        }
    }
}

extension OCIList {
    /// One state as runc's `list --format json` writes it: ociVersion, id, pid, status, bundle, rootfs,
    /// created, annotations (when there are any), owner.
    static func line(_ s: ContainerState) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        func json<V: Encodable>(_ value: V) throws -> String {
            String(decoding: try encoder.encode(value), as: UTF8.self)
        }
        var fields = [
            ("ociVersion", try json(s.ociVersion)), ("id", try json(s.id)), ("pid", String(s.pid)),
            ("status", try json(s.status.rawValue)), ("bundle", try json(s.bundle)), ("rootfs", try json(s.rootfs)),
            ("created", try json(s.created)),
        ]
        if let annotations = s.annotations, !annotations.isEmpty {
            fields.append(("annotations", try json(annotations)))
        }
        fields.append(("owner", try json(s.owner)))
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }

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
