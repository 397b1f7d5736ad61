import Foundation
import SkiffImage
import SkiffRuntime

#if canImport(Glibc)
import Glibc
#endif

/// `down`, and the networks and volumes a project makes for itself.
extension ComposeRunner {
    // MARK: down

    /// `compose down`'s flags.
    public struct DownOptions: Sendable {
        /// -v: also remove the project's named volumes and the containers' anonymous ones.
        public var removeVolumes = false
        /// "all" or "local".
        public var removeImages: String?
        /// --remove-orphans: also remove containers of services no longer in the files.
        public var removeOrphans = false
        /// -t: seconds each container gets to stop before SIGKILL (its own stop timeout when nil).
        public var timeout: Int?
        /// Containers and networks only.
        public init() {}
    }

    /// Stop and remove the project's containers (dependents first), and with the options its volumes,
    /// images and orphans.
    public func down(_ options: DownOptions) throws(ComposeError) {
        let ordered = try ComposeOrder.stopOrder(project.services)
        var containers: [Container] = []
        for s in ordered { containers += self.containers(of: s.name) }
        containers += projectContainers(includeOneOff: true).filter { c in
            c.isComposeOneOff && !containers.contains { $0.id == c.id }
        }
        if options.removeOrphans {
            containers += orphans().filter { o in !containers.contains { $0.id == o.id } }
        } else if !orphans().isEmpty {
            progress(
                " Found orphan containers (\(orphans().map(\.name).joined(separator: ", "))) for this project; --remove-orphans removes them."
            )
        }
        for c in containers { try stopContainer(c, timeout: options.timeout) }
        for c in containers { try removeContainer(c, anonymousVolumes: options.removeVolumes) }
        if let rmi = options.removeImages {
            guard rmi == "all" || rmi == "local" else { throw .usage("--rmi \(rmi): expected all or local") }
            for s in project.services where rmi == "all" || s.image == nil {
                let name = s.imageName(project: project.name)
                guard (try? engine.images.resolve(name)) != nil else { continue }
                progress(" Image \(name)  Removing")
                if dryRun { continue }
                do { _ = try engine.removeImage(name, force: false) } catch { progress(" Image \(name)  \(error)") }
            }
        }
        if !dryRun { removeSecretFiles() }
        try removeNetworks()
        if options.removeVolumes { try removeVolumes() }
    }

    /// The networks the services join: made (labelled with the project) when missing; an external one
    /// must exist.
    func ensureNetworks(_ services: [ComposeService]) throws(ComposeError) {
        var keys: [String] = []
        for s in services where s.networkMode == nil {
            for n in s.networkNames where !keys.contains(n) { keys.append(n) }
        }
        for key in keys {
            let real = wiring.realNetworkName(key)
            if (try? engine.network(real)) != nil { continue }
            let declared = project.network(key)
            if declared?.external == true {
                throw .usage(
                    "network \(real) declared as external, but could not be found (create it with `skiff network create \(real)`)"
                )
            }
            var labels = declared?.labels ?? [:]
            labels[ComposeLabels.project] = project.name
            labels["com.docker.compose.network"] = key
            progress(" Network \(real)  Creating")
            if dryRun {
                progress(" Network \(real)  Created")
                continue
            }
            do {
                _ = try engine.createNetwork(
                    name: real, subnet: declared?.subnet, gateway: declared?.gateway, ipRange: declared?.ipRange,
                    bridgeOptions: declared?.bridgeOptions ?? NetworkBridgeOptions(),
                    isInternal: declared?.isInternal ?? false, labels: labels, ipv6: declared?.enableIPv6 ?? false,
                    subnet6: declared?.subnet6, gateway6: declared?.gateway6,
                    auxAddresses: declared?.auxAddresses ?? [:], ipamOptions: declared?.ipamOptions ?? [:],
                    ipv4: declared?.enableIPv4 ?? true)
            } catch {
                throw .usage("network \(real): \(error)")
            }
            progress(" Network \(real)  Created")
        }
    }

    /// The project's own networks (not external ones), once no container uses them.
    func removeNetworks() throws(ComposeError) {
        var keys = ["default"] + project.networks.map(\.name)
        keys = keys.enumerated().filter { keys.firstIndex(of: $0.element) == $0.offset }.map(\.element)
        for key in keys where project.network(key)?.external != true {
            let real = wiring.realNetworkName(key)
            guard let n = try? engine.network(real), n.labels[ComposeLabels.project] == project.name else { continue }
            progress(" Network \(real)  Removing")
            if dryRun {
                progress(" Network \(real)  Removed")
                continue
            }
            do { try engine.removeNetwork(real) } catch { throw .usage("\(error)") }
            progress(" Network \(real)  Removed")
        }
    }

    /// The project's named (not external) volumes.
    func removeVolumes() throws(ComposeError) {
        for v in project.volumes where !v.external {
            guard (try? engine.volume(v.realName)) != nil else { continue }
            progress(" Volume \(v.realName)  Removing")
            if dryRun {
                progress(" Volume \(v.realName)  Removed")
                continue
            }
            do { try engine.removeVolume(v.realName, force: true) } catch { throw .usage("\(error)") }
            progress(" Volume \(v.realName)  Removed")
        }
    }

    /// The named volumes the services mount: made (labelled with the project) when missing; an
    /// external one must exist.
    func ensureVolumes(_ services: [ComposeService]) throws(ComposeError) {
        let used = Set(services.flatMap { $0.volumes.compactMap { $0.type == .volume ? $0.source : nil } })
        for v in project.volumes where used.contains(v.name) {
            if (try? engine.volume(v.realName)) != nil { continue }
            if v.external {
                throw .usage(
                    "external volume \"\(v.realName)\" not found (create it with `skiff volume create \(v.realName)`)")
            }
            var labels = v.labels
            labels[ComposeLabels.project] = project.name
            labels["com.docker.compose.volume"] = v.name
            progress(" Volume \(v.realName)  Creating")
            if dryRun {
                progress(" Volume \(v.realName)  Created")
                continue
            }
            do { _ = try engine.createVolume(v.realName, labels: labels, options: v.driverOptions) } catch {
                throw .usage("\(error)")
            }
            progress(" Volume \(v.realName)  Created")
        }
    }
}
