/// Docker's create flags that map onto engine fields compose already fills (ContainerResourceOptions,
/// the log driver, storage options) and the ones Skiff refuses, as the text the command line gave:
/// `apply` checks each value, names its flag when it is bad, and sets the field. It lives here, not in
/// the CLI, so the mapping is unit-tested (Tests/SkiffUnitTests/CreateFlagMappingTests.swift).
public struct CreateFlagValues: Sendable, Equatable {
    /// --ulimit NAME=SOFT[:HARD].
    public var ulimit: [String] = []
    /// -c/--cpu-shares.
    public var cpuShares: String?
    /// --cpuset-cpus.
    public var cpusetCpus: String?
    /// --cpuset-mems.
    public var cpusetMems: String?
    /// --shm-size.
    public var shmSize: String?
    /// --memory-swap (-1: unlimited; 0: unset).
    public var memorySwap: String?
    /// --memory-reservation.
    public var memoryReservation: String?
    /// --oom-score-adj.
    public var oomScoreAdj: String?
    /// --domainname.
    public var domainname: String?
    /// --annotation KEY=VALUE.
    public var annotation: [String] = []
    /// --log-driver.
    public var logDriver: String?
    /// --userns.
    public var userns: String?
    /// --runtime.
    public var runtime: String?
    /// --storage-opt KEY=VALUE.
    public var storageOpt: [String] = []
    /// --gpus: refused (no GPU support).
    public var gpus: String?
    /// --ip6: the IPv6 address on a network with IPv6 (checked against the network at create).
    public var ip6: String?
    /// --link-local-ip: extra link-local addresses on the container's interface (169.254.0.0/16, fe80::/10).
    public var linkLocalIP: [String] = []

    /// No flags given.
    public init() {}

    /// Check the values and set them on `o`, after --memory (which --memory-swap and
    /// --memory-reservation are checked against, as Docker's daemon checks them).
    public func apply(to o: inout RunOptions) throws(KitError) {
        if let gpus {
            throw .unsupported(
                "--gpus \(gpus): skiff has no GPU support (no device driver for GPUs); remove the flag, or give a device node with --device"
            )
        }
        if let ip6 {
            guard IPv6Address(ip6) != nil else { throw .usage("--ip6 \(ip6): not an IPv6 address") }
            o.ip6 = ip6
        }
        for ip in linkLocalIP {
            switch EndpointOptions.linkLocal(ip) {
            case .success(let text): o.endpoint.linkLocalIPs.append(text)
            case .failure(let e): throw .usage("--link-local-ip \(ip): \(e.reason)")
            }
        }
        if let userns {
            try DaemonSettings.checkUserns(userns)
            o.userns = userns
        }
        if let runtime { try DaemonSettings.checkRuntime(runtime) }
        o.storageOptions = try StorageOptions.parse(storageOpt, origin: "--storage-opt")
        if let logDriver { o.logDriver = try LogDriver(parsing: logDriver, origin: "--log-driver") }

        var r = o.resources
        r.ulimits += try ulimit.map { text throws(KitError) in try ContainerResourceOptions.Ulimit(flag: text) }
        if let cpuShares {
            let n = try Self.integer(cpuShares, "--cpu-shares", in: 0...262_144)
            guard n != 1 else {
                throw .usage(Units.Invalid("the minimum is 2 (0: the default)").message("1", for: "--cpu-shares"))
            }
            r.cpuShares = n == 0 ? nil : UInt64(n)
        }
        for (text, flag) in [(cpusetCpus, "--cpuset-cpus"), (cpusetMems, "--cpuset-mems")] {
            if let text, !ContainerResourceOptions.isNumberList(text) {
                throw .usage(Units.Invalid("expected numbers such as 0-3 or 0,1").message(text, for: flag))
            }
        }
        if let cpusetCpus { r.cpusetCpus = cpusetCpus }
        if let cpusetMems { r.cpusetMems = cpusetMems }
        if let shmSize { r.shmSize = try Self.bytes(shmSize, "--shm-size") }
        if let memoryReservation { r.memoryReservation = try Self.bytes(memoryReservation, "--memory-reservation") }
        if let memorySwap, memorySwap != "0" {
            guard let memory = o.memory else {
                throw .usage(
                    "--memory-swap: you should always set the memory limit (-m) when using a memory-swap limit")
            }
            let swap = memorySwap == "-1" ? -1 : try Self.bytes(memorySwap, "--memory-swap")
            guard swap == -1 || swap >= memory else {
                throw .usage(
                    "--memory-swap \(memorySwap): the memory-swap limit must be at least the memory limit (-m)")
            }
            r.memorySwap = swap
        }
        if let reservation = r.memoryReservation, let memory = o.memory, reservation > memory {
            throw .usage("--memory-reservation: the memory limit (-m) cannot be less than the memory reservation")
        }
        if let oomScoreAdj { r.oomScoreAdj = Int(try Self.integer(oomScoreAdj, "--oom-score-adj", in: -1000...1000)) }
        if let domainname {
            guard domainname.utf8.count <= 64, !domainname.contains("\0") else {
                throw .usage(
                    Units.Invalid("a domain name has at most 64 bytes").message(domainname, for: "--domainname"))
            }
            r.domainname = domainname
        }
        for a in annotation {
            let kv = a.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard !kv[0].isEmpty else { throw .usage("--annotation \(a): an annotation needs a name before '='") }
            r.annotations[kv[0]] = kv.count > 1 ? kv[1] : ""
        }
        try r.validate()
        o.resources = r
    }

    static func integer(_ text: String, _ flag: String, in range: ClosedRange<Int64>) throws(KitError) -> Int64 {
        do { return try Units.parseInteger(text, in: range) } catch { throw .usage(error.message(text, for: flag)) }
    }

    static func bytes(_ text: String, _ flag: String) throws(KitError) -> Int64 {
        do { return try Units.parseBytes(text) } catch { throw .usage(error.message(text, for: flag)) }
    }
}

extension BuildOptions {
    /// `skiff build --add-host/--shm-size/--ulimit`, checked as `run`'s flags are.
    public mutating func setRunFlags(addHost: [String], shmSize: String?, ulimit: [String]) throws(KitError) {
        var names = ContainerNameOptions()
        names.extraHosts = addHost
        try names.validate()
        addHosts = addHost
        self.shmSize = try shmSize.map { text throws(KitError) in try CreateFlagValues.bytes(text, "--shm-size") }
        ulimits = try ulimit.map { text throws(KitError) in try ContainerResourceOptions.Ulimit(flag: text) }
    }
}

extension ContainerResourceOptions.Ulimit {
    /// Docker's `--ulimit NAME=SOFT[:HARD]` (HARD defaults to SOFT; -1 is unlimited).
    public init(flag text: String) throws(KitError) {
        let kv = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard kv.count == 2 else {
            throw .usage("--ulimit \(text): invalid ulimit argument (expected NAME=SOFT[:HARD])")
        }
        let limits = kv[1].split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard limits.count <= 2 else { throw .usage("--ulimit \(text): too many limit value arguments") }
        func value(_ t: String) throws(KitError) -> Int64 {
            do { return try Units.parseInteger(t, in: -1...Int64.max) } catch {
                throw .usage(error.message(t, for: "--ulimit \(kv[0])"))
            }
        }
        let soft = try value(limits[0])
        try self.init(
            checkedName: kv[0], soft: soft, hard: limits.count == 2 ? try value(limits[1]) : soft, origin: "--ulimit")
    }

    /// A limit on `name` from the numbers a flag or compose file gives (-1: unlimited), refused when the
    /// name is unknown (with the nearest one) or the soft limit is above the hard one. The error starts
    /// with "`origin` `name`: " when an origin (a flag) is given; a compose path names the key itself.
    public init(checkedName name: String, soft: Int64, hard: Int64, origin: String?) throws(KitError) {
        let prefix = origin.map { "\($0) \(name): " } ?? ""
        guard ContainerResourceOptions.ulimitNames.contains(name) else {
            let hint =
                NearestName.suggest(name, among: ContainerResourceOptions.ulimitNames.sorted()).map {
                    "; did you mean \($0)?"
                } ?? ""
            throw .usage("\(prefix)unknown ulimit\(hint)")
        }
        func limit(_ n: Int64) -> UInt64 { n < 0 ? UInt64.max : UInt64(n) }
        guard limit(soft) <= limit(hard) else {
            throw .usage("\(prefix)the soft limit \(soft) is above the hard limit \(hard)")
        }
        self.init(name: name, soft: limit(soft), hard: limit(hard))
    }
}
