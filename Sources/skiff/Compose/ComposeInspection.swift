import ArgumentParser
import Foundation
import SkiffKit

/// `skiff compose top [SERVICE…]`: each running container's processes, as `ps -f` shows them.
struct ComposeTop: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "top", abstract: "Show the processes of the services' containers.")
    @OptionGroup var own: ComposeOptions
    @ParentCommand var parent: ComposeCommand
    var compose: ComposeOptions { own.inheriting(parent.global) }
    @Argument(help: "Services (default: all).") var services: [String] = []

    func run() throws {
        let runner = compose.runner(try compose.load(quietWarnings: true, allowMissingFile: true), quiet: true)
        for n in services where runner.project.service(n) == nil {
            try composeStep { () throws(ComposeError) in throw .usage("no such service: \(n)") }
        }
        let list = runner.projectContainers().filter {
            $0.status == .running && (services.isEmpty || services.contains($0.composeService ?? ""))
        }
        for (i, c) in list.enumerated() {
            guard let pids = try? runner.engine.processes(c.id), !pids.isEmpty else { continue }
            print((i > 0 ? "\n" : "") + c.name)
            try ProcessListing.show(pids)
        }
    }
}

/// `skiff compose port [--protocol P] [--index N] SERVICE PRIVATE_PORT`: the host address it is published on.
struct ComposePort: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "port", abstract: "Print the public address of a service's port.")
    @OptionGroup var own: ComposeOptions
    @ParentCommand var parent: ComposeCommand
    var compose: ComposeOptions { own.inheriting(parent.global) }
    @Option(name: .long, help: "tcp or udp.") var `protocol` = "tcp"
    @Option(name: .long, help: "Which container of the service (1-based).") var index = 1
    @Argument(help: "The service.") var service: String
    @Argument(help: "The container port.") var privatePort: UInt16

    func run() throws {
        let runner = compose.runner(try compose.load(quietWarnings: true, allowMissingFile: true), quiet: true)
        let c = try composeStep { () throws(ComposeError) in try runner.container(of: service, index: index) }
        let ports = (try? runner.engine.publishedPorts(c.id)) ?? []
        guard let m = ports.first(where: { $0.containerPort == privatePort && $0.proto == `protocol` }) else {
            try composeStep { () throws(ComposeError) in
                throw .usage("no port \(privatePort)/\(`protocol`) for container \(c.name): not published")
            }
            return
        }
        print("\(m.hostIP.isEmpty ? "0.0.0.0" : m.hostIP):\(m.hostPort)")
    }
}

/// `skiff compose cp [--index N] SERVICE:PATH HOSTPATH` (or the other way): as `skiff cp` for the
/// service's container.
struct ComposeCopy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cp", abstract: "Copy files between a service's container and the host.")
    @OptionGroup var own: ComposeOptions
    @ParentCommand var parent: ComposeCommand
    var compose: ComposeOptions { own.inheriting(parent.global) }
    @Option(
        name: .long,
        help:
            "Which container of the service (from 1). 0, the default: into every container of the service, out of the first."
    )
    var index = 0
    @Flag(name: .long, help: "Also the service's one-off containers (`run`), when copying into every container.")
    var all = false
    @Argument(help: "SERVICE:PATH or a host path.") var source: String
    @Argument(help: "SERVICE:PATH or a host path.") var destination: String

    func run() throws {
        let runner = compose.runner(try compose.load(quietWarnings: true, allowMissingFile: true), quiet: true)
        func split(_ s: String) -> (String, String)? {
            guard !s.hasPrefix("/"), !s.hasPrefix("."), let colon = s.firstIndex(of: ":") else { return nil }
            return (String(s[..<colon]), String(s[s.index(after: colon)...]))
        }
        let engine = runner.engine
        // Docker Compose's lines for each container; a dry run checks both sides as the copy would and
        // copies nothing (its dry-run client fakes CopyToContainer and CopyFromContainer).
        var options = CopyOptions()
        options.dryRun = runner.dryRun
        switch (split(source), split(destination)) {
        case (let (service, path)?, nil):
            // Out of the first one (or the one --index names).
            let c = try composeStep { () throws(ComposeError) in try targets(runner, service)[0] }
            ComposeOutputSettings.progressLine(" Container \(c.name)  Copying")
            try engine.copyFromContainer(c.id, path: path.isEmpty ? "/" : path, to: destination, options: options)
            ComposeOutputSettings.progressLine(" Container \(c.name)  Copied")
        case (nil, let (service, path)?):
            // As Compose's: into every container of the service unless --index names one.
            for c in try composeStep({ () throws(ComposeError) in try targets(runner, service) }) {
                ComposeOutputSettings.progressLine(" Container \(c.name)  Copying")
                try engine.copyToContainer(c.id, hostPath: source, path: path.isEmpty ? "/" : path, options: options)
                ComposeOutputSettings.progressLine(" Container \(c.name)  Copied")
            }
        case (nil, nil):
            throw ValidationError("cp: one side must be SERVICE:PATH")
        default:
            throw ValidationError("cp: copying between two services is not supported; copy through the host")
        }
    }

    /// The containers `cp` works on: the one `--index` names, else every one of the service (with
    /// --all, one-off ones too), in number order.
    func targets(_ runner: ComposeRunner, _ service: String) throws(ComposeError) -> [Container] {
        if index > 0 { return [try runner.container(of: service, index: index)] }
        let list = runner.projectContainers(includeOneOff: all).filter { $0.composeService == service }
            .sorted { ($0.isComposeOneOff ? 1 : 0, $0.composeNumber) < ($1.isComposeOneOff ? 1 : 0, $1.composeNumber) }
        guard !list.isEmpty else { throw .usage("no container found for service \"\(service)\"") }
        return list
    }
}
