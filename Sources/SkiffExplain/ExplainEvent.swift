/// One thing Skiff asked the kernel (or a host tool) to do, recorded by the code that did it, for
/// `--explain`. `source` is the Skiff file that did the step; the narrator turns a list of these into
/// text and pictures, and never says anything that is not in an event.
public struct ExplainEvent: Codable, Sendable, Equatable, CustomStringConvertible {
    public var step: Step
    public var source: String

    public init(_ step: Step, source: String) {
        self.step = step
        self.source = source
    }

    public var kind: Kind { step.kind }
    public var description: String { "\(kind.rawValue) \(source)" }

    /// A layer of an image, bottom first in `imageResolved`.
    public struct Layer: Codable, Sendable, Equatable {
        public var diffID: String
        public var directory: String
        public var createdBy: String?
        public init(diffID: String, directory: String, createdBy: String? = nil) {
            self.diffID = diffID
            self.directory = directory
            self.createdBy = createdBy
        }
    }

    public enum Step: Codable, Sendable, Equatable {
        // image
        case imageResolved(reference: String, id: String, layers: [Layer])
        case overlayMounted(target: String, lowerDirs: [String], upperDir: String, workDir: String)
        // isolation
        case namespaceCreated(type: String, flag: String)
        case namespaceJoined(type: String, path: String)
        case idMapWritten(file: String, value: String)
        case hostname(String)
        // filesystem
        case rootPropagation(flags: [String])
        case rootfsBound(path: String)
        case mount(source: String?, target: String, fstype: String?, flags: [String], data: String?)
        case deviceNode(path: String, type: String, major: UInt32, minor: UInt32)
        case symlink(target: String, link: String)
        case pivotRoot(newRoot: String, chroot: Bool)
        case maskedPath(String)
        case readonlyPath(String)
        case rootReadonly
        // limits
        case cgroupCreated(path: String)
        case cgroupWrite(directory: String, file: String, value: String)
        case cgroupJoined(pid: Int32, directory: String)
        case deviceFilterAttached(directory: String, instructions: Int)
        case rlimit(resource: String, soft: UInt64, hard: UInt64)
        // privileges
        case noNewPrivileges
        case capabilities(kept: [String], dropped: [String])
        case seccomp(defaultAction: String, allowed: Int, deniedNotable: [String], instructions: Int)
        case user(uid: UInt32, gid: UInt32, groups: [UInt32])
        // network
        case networkNamespaceFile(path: String)
        case loopbackUp
        case bridge(name: String, address: String, created: Bool)
        case veth(hostSide: String, containerSide: String, bridge: String, mtu: Int, mac: String)
        case address(interface: String, cidr: String, gateway: String?)
        case firewall(backend: String, table: String, rules: [String], applied: Bool)
        case portPublished(hostIP: String, hostPort: UInt16, proto: String, containerIP: String, containerPort: UInt16)
        case dns(nameservers: [String], forwardedTo: String?)
        case networkCreated(name: String, bridge: String, subnet: String, gateway: String)
        // volumes
        case volumeCreated(name: String, directory: String)
        case volumeMount(kind: String, name: String?, source: String, target: String, readOnly: Bool)
        case copyUp(imagePath: String, into: String)
        // build
        case buildStepStarted(number: Int, total: Int, instruction: String)
        case buildStepFinished(number: Int, cached: Bool, image: String, layerSize: UInt64?, missReason: String?)
        // process
        case sysctl(path: String, value: String)
        case workingDirectory(String)
        case execve(argv: [String], environmentCount: Int)
        case exited(code: Int32?, signal: Int32?, signalName: String?)

        public var kind: Kind {
            switch self {
            case .imageResolved: .imageResolved
            case .overlayMounted: .overlayMounted
            case .namespaceCreated: .namespaceCreated
            case .namespaceJoined: .namespaceJoined
            case .idMapWritten: .idMapWritten
            case .hostname: .hostname
            case .rootPropagation: .rootPropagation
            case .rootfsBound: .rootfsBound
            case .mount: .mount
            case .deviceNode: .deviceNode
            case .symlink: .symlink
            case .pivotRoot: .pivotRoot
            case .maskedPath: .maskedPath
            case .readonlyPath: .readonlyPath
            case .rootReadonly: .rootReadonly
            case .cgroupCreated: .cgroupCreated
            case .cgroupWrite: .cgroupWrite
            case .cgroupJoined: .cgroupJoined
            case .deviceFilterAttached: .deviceFilterAttached
            case .rlimit: .rlimit
            case .noNewPrivileges: .noNewPrivileges
            case .capabilities: .capabilities
            case .seccomp: .seccomp
            case .user: .user
            case .networkNamespaceFile: .networkNamespaceFile
            case .loopbackUp: .loopbackUp
            case .bridge: .bridge
            case .veth: .veth
            case .address: .address
            case .firewall: .firewall
            case .portPublished: .portPublished
            case .dns: .dns
            case .networkCreated: .networkCreated
            case .volumeCreated: .volumeCreated
            case .volumeMount: .volumeMount
            case .copyUp: .copyUp
            case .buildStepStarted: .buildStepStarted
            case .buildStepFinished: .buildStepFinished
            case .sysctl: .sysctl
            case .workingDirectory: .workingDirectory
            case .execve: .execve
            case .exited: .exited
            }
        }
    }

    /// Every kind of event; the narrator has an entry for each (a unit test enumerates them).
    public enum Kind: String, CaseIterable, Codable, Sendable {
        case imageResolved, overlayMounted
        case namespaceCreated, namespaceJoined, idMapWritten, hostname
        case rootPropagation, rootfsBound, mount, deviceNode, symlink, pivotRoot, maskedPath, readonlyPath, rootReadonly
        case cgroupCreated, cgroupWrite, cgroupJoined, deviceFilterAttached, rlimit
        case noNewPrivileges, capabilities, seccomp, user
        case networkNamespaceFile, loopbackUp, bridge, veth, address, firewall, portPublished, dns, networkCreated
        case volumeCreated, volumeMount, copyUp
        case buildStepStarted, buildStepFinished
        case sysctl, workingDirectory, execve, exited
    }
}
