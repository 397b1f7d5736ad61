import ArgumentParser
import Foundation
import SkiffKit
import SkiffPresentation
import SkiffSystem

/// `compose ps --format json|TEMPLATE`: Docker Compose's fields for each container.
enum ComposePsFormat {
    static func fields(_ c: Container, engine: Engine) -> [String: Any] {
        let f = engine.listFields(c, truncate: false)
        let ports = (try? engine.publishedPorts(c.id)) ?? []
        let publishers: [[String: Any]] = ports.map {
            [
                "URL": $0.hostIP.isEmpty ? "0.0.0.0" : $0.hostIP, "TargetPort": Int($0.containerPort),
                "PublishedPort": Int($0.hostPort), "Protocol": $0.proto,
            ]
        }
        let portsText = ports.map {
            "\($0.hostAddress):\($0.hostPort)->\($0.containerPort)/\($0.proto)"
        }
        .joined(separator: ", ")
        return [
            "ID": c.id, "Name": c.name, "Names": c.name, "Image": c.image, "Command": f["Command"] ?? "",
            "Project": c.composeProject ?? "", "Service": c.composeService ?? "",
            "Created": Int(Timestamp.parse(c.created) ?? 0),
            "CreatedAt": c.created, "RunningFor": f["RunningFor"] ?? "", "State": f["State"] ?? c.status.rawValue,
            "Status": f["Status"] ?? "",
            "Health": c.healthcheck == nil ? "" : (c.health?.status.rawValue ?? "starting"),
            "ExitCode": Int(c.exitCode ?? 0), "Publishers": publishers, "Ports": portsText,
            "Labels": f["Labels"] ?? "", "Networks": f["Networks"] ?? "", "Mounts": f["Mounts"] ?? "",
        ]
    }

    static func print(_ list: [Container], engine: Engine, format: String) throws {
        if format == "json" {
            // Docker Compose (2.21+) prints one object per line.
            for c in list {
                let data = try JSONSerialization.data(
                    withJSONObject: fields(c, engine: engine), options: [.sortedKeys, .withoutEscapingSlashes])
                Swift.print(String(decoding: data, as: UTF8.self))
            }
            return
        }
        let output = try ListFormat(
            format,
            defaultTable: "{{.Name}}\t{{.Image}}\t{{.Command}}\t{{.Service}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}",
            headers: [
                "ID": "CONTAINER ID", "Name": "NAME", "Names": "NAMES", "Image": "IMAGE",
                "Command": "COMMAND", "Service": "SERVICE", "Project": "PROJECT",
                "RunningFor": "CREATED", "CreatedAt": "CREATED AT", "Status": "STATUS",
                "State": "STATE", "Ports": "PORTS", "Health": "HEALTH", "ExitCode": "EXIT CODE",
            ])
        try output.print(list.map { fields($0, engine: engine) })
    }
}
