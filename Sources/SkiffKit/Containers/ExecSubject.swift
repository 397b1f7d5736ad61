import SkiffSystem

/// What `exec` reads of a container's record (issue 15), read from container.json with `JSONView` rather
/// than decoded: an exec that decodes no JSON at all skips Codable's first-use work in its process
/// (generic metadata and conformance look-ups for every type), which `perf record` put at a fifth of an
/// exec's CPU. The whole record is read when this is not enough (see `ContainerStore.findSubject`).
package struct ExecSubject: Sendable, Equatable {
    package let id: String
    package let name: String
    package let image: String
    package let labels: [String: String]
    package let status: Container.Status
    package let pid: Int32?
    package let pidStartTime: UInt64?
    package let defaultHome: String?

    /// The same fields of a record already read.
    package init(_ c: Container) {
        id = c.id
        name = c.name
        image = c.image
        labels = c.labels
        status = c.status
        pid = c.pid
        pidStartTime = c.pidStartTime
        defaultHome = c.defaultHome
    }

    /// The fields of a container.json, read as `Container`'s decoder reads them; nil when they are not
    /// there or not of their types (then the record is decoded, and its error names the field).
    package init?(recordJSON bytes: [UInt8]) {
        guard let r = JSONView(bytes)?.object else { return nil }
        do throws(JSONFieldMismatch) {
            id = try r.required("id", { $0.string })
            name = try r.required("name", { $0.string })
            image = try r.required("image", { $0.string })
            labels = try r.required("labels", { $0.stringMembers })
            status = try r.required("status") { $0.string.flatMap(Container.Status.init(rawValue:)) }
            pid = try r.optional("pid", { $0.int32 })
            pidStartTime = try r.optional("pidStartTime", { $0.uint64 })
            defaultHome = try r.string("defaultHome")
        } catch {
            return nil
        }
    }
}
