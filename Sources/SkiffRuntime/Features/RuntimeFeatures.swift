import SkiffOCI

/// What `skiff-oci features` prints: runtime-spec's features.json (features.md, features-linux.md),
/// built from the tables the runtime itself uses, so it lists only what Skiff implements.
public struct RuntimeFeatures: Codable, Sendable, Equatable {
    public var ociVersionMin: String
    public var ociVersionMax: String
    public var hooks: [String]
    public var mountOptions: [String]
    public var linux: Linux
    public var annotations: [String: String]

    public struct Linux: Codable, Sendable, Equatable {
        public var namespaces: [String]
        public var capabilities: [String]
        public var cgroup: Cgroup
        public var seccomp: Seccomp
        public var apparmor: Enabled
        public var selinux: Enabled
        public var intelRdt: Enabled
        public var mountExtensions: MountExtensions
    }

    public struct Cgroup: Codable, Sendable, Equatable {
        public var v1: Bool
        public var v2: Bool
        public var systemd: Bool
        public var systemdUser: Bool
        public var rdma: Bool
    }

    public struct Seccomp: Codable, Sendable, Equatable {
        public var enabled: Bool
        public var actions: [String]
        public var operators: [String]
        public var archs: [String]
        public var knownFlags: [String]
        public var supportedFlags: [String]
    }

    public struct Enabled: Codable, Sendable, Equatable {
        public var enabled: Bool
    }

    public struct MountExtensions: Codable, Sendable, Equatable {
        public var idmap: Enabled
    }

    /// The architectures a filter made on this host can hold: libseccomp refuses to mix byte orders
    /// (seccomp_arch_add fails with EDOM), so a little-endian host lists the little-endian ones.
    static let seccompArchitectures: [String] = {
        #if _endian(little)
        return [
            "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32",
            "SCMP_ARCH_PPC64LE", "SCMP_ARCH_RISCV64", "SCMP_ARCH_X32", "SCMP_ARCH_X86", "SCMP_ARCH_X86_64",
        ]
        #else
        return [
            "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
            "SCMP_ARCH_S390", "SCMP_ARCH_S390X",
        ]
        #endif
    }()

    public static func current(version: String) -> RuntimeFeatures {
        let flags = SeccompCompiler.supportedFlags.map(\.0)
        return RuntimeFeatures(
            ociVersionMin: "1.0.0",
            ociVersionMax: Spec.version,
            hooks: ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"],
            mountOptions: MountOptions.recognizedNames,
            linux: Linux(
                namespaces: NamespaceKind.allCases.map(\.rawValue),
                capabilities: Capability.allCases.map(\.name),
                cgroup: Cgroup(v1: true, v2: true, systemd: false, systemdUser: false, rdma: false),
                seccomp: Seccomp(
                    enabled: true, actions: SeccompCompiler.supportedActions,
                    operators: SeccompCompiler.supportedOperators, archs: seccompArchitectures,
                    knownFlags: flags, supportedFlags: flags),
                apparmor: Enabled(enabled: false),
                selinux: Enabled(enabled: false),
                intelRdt: Enabled(enabled: false),
                mountExtensions: MountExtensions(idmap: Enabled(enabled: false))),
            annotations: ["io.github.skiff.version": version])
    }
}
