import SkiffKit
import SkiffPresentation

/// Volumes as `volume ls` (and `compose volumes`) print them: the names alone with -q, else Docker's
/// volume formatter through `--format` (Labels as "k=v,…"; usage is not computed by a listing: "N/A").
enum VolumeTable {
    static func print(_ volumes: [Volume], quiet: Bool, format: String?) throws {
        if quiet {
            for v in volumes { Swift.print(v.Name) }
            return
        }
        let output = try ListFormat(
            format, defaultTable: "{{.Driver}}\t{{.Name}}",
            headers: [
                "Driver": "DRIVER", "Name": "VOLUME NAME", "Scope": "SCOPE", "Mountpoint": "MOUNTPOINT",
                "Labels": "LABELS", "Links": "LINKS", "Size": "SIZE",
            ])
        try output.print(
            volumes.map { v in
                [
                    "Name": v.Name, "Driver": v.Driver, "Scope": v.Scope, "Mountpoint": v.Mountpoint,
                    "Labels": v.Labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(
                        separator: ","),
                    "Links": "N/A", "Size": "N/A", "Availability": "N/A", "Group": "N/A", "Status": "N/A",
                ] as [String: Any]
            })
    }
}
