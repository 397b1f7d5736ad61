/// What `exec` reads of a container's record (issue 15): decoding these fields alone skips the first-use
/// work (generic metadata, conformance look-ups) of the record's sixty other fields and their types,
/// which `perf record` put at a tenth of an exec's CPU. The whole record is read when this is not enough
/// (see `ContainerStore.findSubject`).
package struct ExecSubject: Decodable, Sendable, Equatable {
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
}
