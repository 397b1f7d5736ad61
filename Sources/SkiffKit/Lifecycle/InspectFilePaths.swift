extension ContainerInspect {
    /// The paths inspect shows for the container's /etc files and log.
    package struct FilePaths: Equatable, Sendable {
        package var resolvConf, hostname, hosts, log: String
    }

    /// Docker sets these paths when the container first starts, so a created container shows `""` for each
    /// (Skiff has made the files already; the keys say what Docker's do). `LogPath` names a file only for
    /// json-file: Docker keeps the local driver's file out of its API, and none has no file.
    package static func filePaths(directory dir: String, started: Bool, logDriver: LogDriver?) -> FilePaths {
        guard started else { return FilePaths(resolvConf: "", hostname: "", hosts: "", log: "") }
        let log = (logDriver ?? .jsonFile) == .jsonFile ? dir + "/log.jsonl" : ""
        return FilePaths(
            resolvConf: dir + "/resolv.conf", hostname: dir + "/hostname", hosts: dir + "/hosts", log: log)
    }
}
