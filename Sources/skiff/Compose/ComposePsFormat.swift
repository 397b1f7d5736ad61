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
            ["URL": $0.hostIP.isEmpty ? "0.0.0.0" : $0.hostIP, "TargetPort": Int($0.containerPort),
             "PublishedPort": Int($0.hostPort), "Protocol": $0.proto]
        }
        let portsText = ports.map { "\($0.hostIP.isEmpty ? "0.0.0.0" : $0.hostIP):\($0.hostPort)->\($0.containerPort)/\($0.proto)" }
            .joined(separator: ", ")
        return [
            "ID": c.id, "Name": c.name, "Names": c.name, "Image": c.image, "Command": f["Command"] ?? "",
            "Project": c.composeProject ?? "", "Service": c.composeService ?? "", "Created": Int(Timestamp.parse(c.created) ?? 0),
            "CreatedAt": c.created, "RunningFor": f["RunningFor"] ?? "", "State": f["State"] ?? c.status.rawValue,
            "Status": f["Status"] ?? "", "Health": c.healthcheck == nil ? "" : (c.health?.status.rawValue ?? "starting"),
            "ExitCode": Int(c.exitCode ?? 0), "Publishers": publishers, "Ports": portsText,
            "Labels": f["Labels"] ?? "", "Networks": f["Networks"] ?? "", "Mounts": f["Mounts"] ?? "",
        ]
    }

    static func print(_ list: [Container], engine: Engine, format: String) throws {
        if format == "json" {
            // Docker Compose (2.21+) prints one object per line.
            for c in list {
                let data = try JSONSerialization.data(withJSONObject: fields(c, engine: engine), options: [.sortedKeys, .withoutEscapingSlashes])
                Swift.print(String(decoding: data, as: UTF8.self))
            }
            return
        }
        var text = format
        let table = text.hasPrefix("table")
        if table { text = String(text.dropFirst(5)).trimmingPrefixSpaces() }
        let template = try FormatTemplate(text)
        var lines: [String] = []
        if table {
            var header: [String: Any] = [:]
            for f in template.fields { header[f] = f == "ID" ? "CONTAINER ID" : f.uppercased() }
            lines.append(try template.render(header))
        }
        for c in list { lines.append(try template.render(fields(c, engine: engine))) }
        if table { Swift.print(TableWriter.format(lines)) } else { for l in lines { Swift.print(l) } }
    }
}
