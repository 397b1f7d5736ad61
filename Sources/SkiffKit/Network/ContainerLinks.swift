/// `--link NAME[:ALIAS]` (and compose's `external_links`), as Docker carries links out without the
/// legacy environment variables: the container reaches the linked one as ALIAS. On the default bridge,
/// where containers have no names for each other, Docker writes `IP ALIAS HOSTNAME NAME` into the
/// linking container's /etc/hosts; on a user-defined network the link is an alias only the linking
/// container sees. Skiff's names on every network come from /etc/hosts, so both are a line of the
/// linking container's hosts file, rewritten whenever the linked container's address changes.
extension ContainerNetworkRequest.Link {
    /// Parse `NAME[:ALIAS]`; also the `/NAME:/CONTAINER/ALIAS` form inspect shows (Docker's ParseLink).
    package static func parse(_ text: String, origin: String) throws(KitError) -> Self {
        var parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        if parts.count == 2, parts[0].hasPrefix("/") {
            parts = [String(parts[0].dropFirst()), parts[1].split(separator: "/").last.map(String.init) ?? ""]
        } else if parts.count == 1, parts[0].hasPrefix("/") {
            parts = [String(parts[0].dropFirst())]
        }
        guard parts.count <= 2, !parts.contains(where: \.isEmpty) else {
            throw .usage("\(origin) \(text): expected NAME or NAME:ALIAS")
        }
        let alias = parts.count == 2 ? parts[1] : parts[0]
        guard alias.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" }) else {
            throw .usage("\(origin) \(text): the alias \(alias) is not a valid host name")
        }
        return Self(name: parts[0], alias: alias)
    }
}

extension Engine {
    /// The links of a new container, each naming a container that exists (by its name, so a linked
    /// container made again under the same name, as compose recreates one, is still found).
    func checkedLinks(_ texts: [String]) throws(KitError) -> [ContainerNetworkRequest.Link]? {
        guard !texts.isEmpty else { return nil }
        var links: [ContainerNetworkRequest.Link] = []
        for text in texts {
            var link = try ContainerNetworkRequest.Link.parse(text, origin: "--link")
            guard let target = try? container(link.name) else {
                throw .notFound("--link \(text): no such container: \(link.name)")
            }
            link.name = target.name
            links.append(link)
        }
        return links
    }

    /// At start: every linked container runs and shares a network with this one (the default bridge,
    /// when this one is on it), as Docker requires. Caller holds `networks.lock()`.
    func checkLinksLocked(_ request: ContainerNetworkRequest, of record: Container) throws(KitError) {
        for link in request.links ?? [] {
            guard let target = try? container(link.name) else {
                throw .notFound("cannot link to \(link.name) (as \(link.alias)): no such container")
            }
            guard target.id != record.id else { throw .usage("cannot link \(record.name) to itself") }
            guard target.status == .running || target.status == .restarting else {
                throw .usage(
                    "cannot link to a non running container: \(link.name) (as \(link.alias)); start it first")
            }
            let mine = request.attachments.map(\.network)
            let shared = mine.contains { n in networks.leases(n).contains { $0.containerID == target.id } }
            guard shared else {
                if request.mode == "bridge" {
                    throw .usage(
                        "cannot link to \(link.name), as it does not belong to the default network (bridge)")
                }
                throw .usage(
                    "cannot link to \(link.name): it shares no network with \(record.name) (\(mine.joined(separator: ", ")))"
                )
            }
        }
    }

    /// The /etc/hosts lines of `links`: the linked container's address on the first network both are on,
    /// then the alias, its host name and its name (Docker's order on the default bridge).
    func linkLines(
        _ links: [ContainerNetworkRequest.Link], mine: [(NetworkConfig, NetworkLease)],
        leasesByNet: [String: [NetworkLease]]
    ) -> [String] {
        var lines: [String] = []
        let ordered = mine.sorted { $0.1.order < $1.1.order }
        for link in links {
            for (n, _) in ordered {
                guard let other = leasesByNet[n.name]?.first(where: { $0.name == link.name }) else { continue }
                lines.append(
                    "\(other.primaryAddress)\t\(unique([link.alias, other.hostname, other.name]).joined(separator: " "))\n"
                )
                break
            }
        }
        return lines
    }
}

extension Engine {
    /// `rm --link /PARENT/ALIAS`: the link goes from PARENT (its /etc/hosts line too, at once when it
    /// runs); both containers stay. As Docker's rmLink, a name without a parent is the container's own
    /// name, which is not a link.
    public func removeLink(_ text: String) throws(KitError) {
        let name = "/" + text.split(separator: "/").joined(separator: "/")
        guard let slash = name.lastIndex(of: "/"), slash != name.startIndex else {
            throw .usage("Conflict, cannot remove the default link name of the container")
        }
        let parentName = String(name[name.index(after: name.startIndex)..<slash])
        let alias = String(name[name.index(after: slash)...])
        guard let parent = try? container(parentName) else {
            throw .notFound("Cannot get parent \(parentName) for link name \(name)")
        }
        let lock = try networks.lock()
        defer { lock.unlock() }
        guard var request = networkRequest(parent.id), let links = request.links,
            links.contains(where: { $0.alias == alias })
        else { throw .notFound("No such container: \(name)") }
        let kept = links.filter { $0.alias != alias }
        request.links = kept.isEmpty ? nil : kept
        try saveNetworkRequest(parent.id, request)
        refreshHosts(networks: [], also: parent.id)
    }
}
