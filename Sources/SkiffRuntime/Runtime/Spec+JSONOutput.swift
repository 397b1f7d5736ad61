import SkiffOCI
import SkiffSystem

// config.json written without Codable (`SpecFile.write`), as `JSONEncoder` writes it with sorted keys:
// each type writes its members in the order of their keys' UTF-8 bytes. SpecJSONOutputTests compares
// the bytes with JSONEncoder's for a spec that sets every field.

extension Spec: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("annotations", annotations)
            o.member("domainname", domainname)
            o.member("hooks", hooks)
            o.member("hostname", hostname)
            o.member("linux", linux)
            o.member("mounts", mounts)
            o.member("ociVersion", ociVersion)
            o.member("process", process)
            o.member("root", root)
        }
    }
}

extension Root: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("path", path)
            o.member("readonly", readonly)
        }
    }
}

extension Mount: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("destination", destination)
            o.member("options", options)
            o.member("source", source)
            o.member("type", type)
        }
    }
}

extension Hooks: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("createContainer", createContainer)
            o.member("createRuntime", createRuntime)
            o.member("poststart", poststart)
            o.member("poststop", poststop)
            o.member("prestart", prestart)
            o.member("startContainer", startContainer)
        }
    }
}

extension Hook: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("args", args)
            o.member("env", env)
            o.member("path", path)
            o.member("timeout", timeout)
        }
    }
}

extension Process: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("apparmorProfile", apparmorProfile)
            o.member("args", args)
            o.member("capabilities", capabilities)
            o.member("commandLine", commandLine)
            o.member("consoleSize", consoleSize)
            o.member("cwd", cwd)
            o.member("env", env)
            o.member("noNewPrivileges", noNewPrivileges)
            o.member("oomScoreAdj", oomScoreAdj)
            o.member("rlimits", rlimits)
            o.member("selinuxLabel", selinuxLabel)
            o.member("terminal", terminal)
            o.member("user", user)
        }
    }
}

extension ConsoleSize: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("height", height)
            o.member("width", width)
        }
    }
}

extension User: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("additionalGids", additionalGids)
            o.member("gid", gid)
            o.member("uid", uid)
            o.member("umask", umask)
            o.member("username", username)
        }
    }
}

extension LinuxCapabilities: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("ambient", ambient)
            o.member("bounding", bounding)
            o.member("effective", effective)
            o.member("inheritable", inheritable)
            o.member("permitted", permitted)
        }
    }
}

extension POSIXRlimit: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("hard", hard)
            o.member("soft", soft)
            o.member("type", type)
        }
    }
}

extension Linux: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("cgroupsPath", cgroupsPath)
            o.member("devices", devices)
            o.member("gidMappings", gidMappings)
            o.member("maskedPaths", maskedPaths)
            o.member("mountLabel", mountLabel)
            o.member("namespaces", namespaces)
            o.member("readonlyPaths", readonlyPaths)
            o.member("resources", resources)
            o.member("rootfsPropagation", rootfsPropagation)
            o.member("seccomp", seccomp)
            o.member("sysctl", sysctl)
            o.member("uidMappings", uidMappings)
        }
    }
}

extension LinuxNamespace: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("path", path)
            o.member("type", type)
        }
    }
}

extension LinuxIDMapping: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("containerID", containerID)
            o.member("hostID", hostID)
            o.member("size", size)
        }
    }
}

extension LinuxDevice: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("fileMode", fileMode)
            o.member("gid", gid)
            o.member("major", major)
            o.member("minor", minor)
            o.member("path", path)
            o.member("type", type)
            o.member("uid", uid)
        }
    }
}

extension LinuxResources: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("blockIO", blockIO)
            o.member("cpu", cpu)
            o.member("devices", devices)
            o.member("hugepageLimits", hugepageLimits)
            o.member("memory", memory)
            o.member("network", network)
            o.member("pids", pids)
            o.member("unified", unified)
        }
    }
}

extension LinuxBlockIO: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("leafWeight", leafWeight)
            o.member("throttleReadBpsDevice", throttleReadBpsDevice)
            o.member("throttleReadIOPSDevice", throttleReadIOPSDevice)
            o.member("throttleWriteBpsDevice", throttleWriteBpsDevice)
            o.member("throttleWriteIOPSDevice", throttleWriteIOPSDevice)
            o.member("weight", weight)
            o.member("weightDevice", weightDevice)
        }
    }
}

extension LinuxWeightDevice: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("leafWeight", leafWeight)
            o.member("major", major)
            o.member("minor", minor)
            o.member("weight", weight)
        }
    }
}

extension LinuxThrottleDevice: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("major", major)
            o.member("minor", minor)
            o.member("rate", rate)
        }
    }
}

extension LinuxHugepageLimit: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("limit", limit)
            o.member("pageSize", pageSize)
        }
    }
}

extension LinuxNetwork: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("classID", classID)
            o.member("priorities", priorities)
        }
    }
}

extension LinuxInterfacePriority: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("name", name)
            o.member("priority", priority)
        }
    }
}

extension LinuxDeviceCgroup: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("access", access)
            o.member("allow", allow)
            o.member("major", major)
            o.member("minor", minor)
            o.member("type", type)
        }
    }
}

extension LinuxMemory: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("disableOOMKiller", disableOOMKiller)
            o.member("kernelTCP", kernelTCP)
            o.member("limit", limit)
            o.member("reservation", reservation)
            o.member("swap", swap)
            o.member("swappiness", swappiness)
        }
    }
}

extension LinuxCPU: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("cpus", cpus)
            o.member("mems", mems)
            o.member("period", period)
            o.member("quota", quota)
            o.member("realtimePeriod", realtimePeriod)
            o.member("realtimeRuntime", realtimeRuntime)
            o.member("shares", shares)
        }
    }
}

extension LinuxPids: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.object { o in o.member("limit", limit) }
    }
}

/// A profile read without its rules (`rulesOmitted`) is never written: `SpecFile.write` refuses it first.
extension LinuxSeccomp: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("architectures", architectures)
            o.member("defaultAction", defaultAction)
            o.member("defaultErrnoRet", defaultErrnoRet)
            o.member("flags", flags)
            o.member("listenerMetadata", listenerMetadata)
            o.member("listenerPath", listenerPath)
            o.member("syscalls", syscalls)
        }
    }
}

extension LinuxSyscall: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("action", action)
            o.member("args", args)
            o.member("errnoRet", errnoRet)
            o.member("names", names)
        }
    }
}

extension LinuxSeccompArg: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("index", index)
            o.member("op", op)
            o.member("value", value)
            o.member("valueTwo", valueTwo)
        }
    }
}
