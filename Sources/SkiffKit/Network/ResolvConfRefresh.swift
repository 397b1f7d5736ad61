import SkiffImage
import SkiffSystem

/// What a container's resolv.conf is made from, kept in its record (`Container.resolvConf`) so each
/// start can make it again. nil in the record: a file never remade (a `--network container:` joiner
/// keeps its donor's; records made before it).
public struct ResolvConfRecord: Codable, Sendable, Equatable {
    /// How the host's file becomes the container's.
    public enum Form: String, Codable, Sendable {
        /// `--network host` and `none`: the host's file as it is.
        case hostFile = "host-file"
        /// The default bridge: the host's servers without loopback ones (`HostNetwork.containerResolvConf`).
        case bridge
        /// A user-defined network: the embedded server (`HostNetwork.embeddedResolvConf`).
        case embedded
    }
    /// How it is made.
    public var form: Form
    /// The host file it is made from; nil: /etc/resolv.conf (tests name another).
    public var hostFile: String?
    /// The digest of the content Skiff last wrote: a file that no longer matches it is the user's.
    public var digest: String

    /// A record of `text`, as written from `hostFile` in `form`.
    public init(form: Form, hostFile: String?, written text: String) {
        self.form = form
        self.hostFile = hostFile == "/etc/resolv.conf" ? nil : hostFile
        self.digest = ResolvConfRefresh.digest(text)
    }
}

/// Docker rebuilds a container's resolv.conf from the host's current file at every start (libnetwork's
/// `setupDNS`), so a container started again after the host moved to another network gets its new
/// servers; since Docker 29 (moby PR 51507) it keeps a file the user changed in the container, known by
/// the hash of what the engine last wrote (`resolvconf.UserModified`).
package enum ResolvConfRefresh {
    /// The container's resolv.conf made from the host's `hostText` in `form`, with `names`'s `--dns`,
    /// `--dns-search` and `--dns-option` laid over it, as create makes it.
    package static func generate(
        hostText: String, form: ResolvConfRecord.Form, gateway: IPv4Address?, names: ContainerNameOptions
    ) -> String {
        let base: String
        switch form {
        case .hostFile: base = hostText
        case .bridge: base = HostNetwork.containerResolvConf(hostText: hostText, gateway: gateway).text
        case .embedded: base = HostNetwork.embeddedResolvConf(hostText: hostText)
        }
        return names.resolvConf(base: base)
    }

    /// What to write at a start: the file made anew, unless the container's `current` file is not what
    /// Skiff last wrote (`recordedDigest`: the user changed it, or nothing was recorded) or the new one
    /// is the same (nil: write nothing).
    package static func rewrite(
        hostText: String, form: ResolvConfRecord.Form, gateway: IPv4Address?, names: ContainerNameOptions,
        current: String?, recordedDigest: String?
    ) -> String? {
        guard let current, let recordedDigest, digest(current) == recordedDigest else { return nil }
        let text = generate(hostText: hostText, form: form, gateway: gateway, names: names)
        return text == current ? nil : text
    }

    /// The form a container's networks call for at a start: the host's file stays for `host` and
    /// `none`; with a user-defined network among them the embedded server answers (libnetwork starts its
    /// resolver for any such endpoint), else the default bridge's form. So `network connect` and
    /// `disconnect` of a stopped container change the file its next start writes.
    package static func form(recorded: ResolvConfRecord.Form, networks: [String]) -> ResolvConfRecord.Form {
        guard recorded != .hostFile, !networks.isEmpty else { return recorded }
        return networks.contains { $0 != NetworkConfig.defaultName } ? .embedded : .bridge
    }

    /// The SHA-256 of `text`, as `sha256:HEX`.
    package static func digest(_ text: String) -> String {
        SkiffImage.Digest.of(text.utf8).description
    }
}

extension Engine {
    /// At a start (or a `network connect` of a running container): the container's resolv.conf made again
    /// from the host's current file in the form its networks now call for, written in place (it is
    /// bind-mounted; no new inode) and recorded, when Skiff wrote the one there and it changes. True when
    /// it wrote.
    @discardableResult
    func refreshResolvConf(_ container: Container) throws(KitError) -> Bool {
        guard let record = container.resolvConf else { return false }
        let path = containers.directory(of: container.id) + "/resolv.conf"
        // Checked first: a file the user changed is kept, and nothing else need be read for it.
        guard let current = try? FileIO.readString(path), ResolvConfRefresh.digest(current) == record.digest else {
            return false
        }
        let attached = record.form == .hostFile ? [] : networkRequest(container.id)?.attachments.map(\.network) ?? []
        let form = ResolvConfRefresh.form(recorded: record.form, networks: attached)
        let gateway = form == .bridge ? networks.load(NetworkConfig.defaultName)?.gateway : nil
        var names = ContainerNameOptions()
        names.dns = container.hostConfig?.dns ?? []
        names.dnsSearch = container.hostConfig?.dnsSearch ?? []
        names.dnsOptions = container.hostConfig?.dnsOptions ?? []
        guard
            let text = ResolvConfRefresh.rewrite(
                hostText: (try? FileIO.readString(record.hostFile ?? "/etc/resolv.conf")) ?? "", form: form,
                gateway: gateway, names: names, current: current, recordedDigest: record.digest)
        else { return false }
        do { try FileIO.create(path, contents: Array(text.utf8)) } catch { throw .system(error) }
        try containers.update(id: container.id) { c throws(KitError) in
            c.resolvConf = ResolvConfRecord(form: form, hostFile: record.hostFile, written: text)
        }
        return true
    }
}
