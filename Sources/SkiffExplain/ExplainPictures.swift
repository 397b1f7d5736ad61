/// The page's pictures, drawn as inline SVG from the events (a picture whose events are missing is left out).
public enum ExplainPictures {
    public struct Picture: Sendable {
        public var svg: String
        public var caption: String
    }

    static func text(
        _ x: Int, _ y: Int, _ s: String, size: Int = 13, anchor: String = "middle", weight: String = "normal",
        fill: String = "#1d2430"
    ) -> String {
        "<text x=\"\(x)\" y=\"\(y)\" font-size=\"\(size)\" text-anchor=\"\(anchor)\" font-weight=\"\(weight)\" fill=\"\(fill)\">"
            + ExplainPage.escape(s) + "</text>"
    }

    static func box(
        _ x: Int, _ y: Int, _ w: Int, _ h: Int, fill: String, stroke: String = "#4a5a70", radius: Int = 6,
        dashed: Bool = false
    ) -> String {
        "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(w)\" height=\"\(h)\" rx=\"\(radius)\" fill=\"\(fill)\" stroke=\"\(stroke)\""
            + (dashed ? " stroke-dasharray=\"6 4\"" : "") + "/>"
    }

    static func svg(_ w: Int, _ h: Int, _ label: String, _ parts: [String]) -> String {
        "<svg width=\"\(w)\" height=\"\(h)\" viewBox=\"0 0 \(w) \(h)\" role=\"img\" aria-label=\""
            + ExplainPage.escape(label) + "\">" + parts.joined() + "</svg>"
    }

    /// The overlay: the merged view on top, the upper dir, then the lower layers, top first.
    public static func layerStack(_ events: [ExplainEvent]) -> Picture? {
        var lowers: [String] = []
        var upper: String?
        var described: [String] = []
        for e in events {
            switch e.step {
            case .overlayMounted(_, let l, let u, _): lowers = l; upper = u
            case .imageResolved(_, _, let layers):
                described = layers.reversed().map {
                    Narrator.short($0.diffID) + ($0.createdBy.map { " " + Narrator.clip($0, 34) } ?? "")
                }
            default: break
            }
        }
        guard upper != nil || !described.isEmpty else { return nil }
        let rows = (upper != nil ? 1 : 0) + max(lowers.count, described.count)
        let w = 480, rowH = 34
        var parts = [
            box(10, 10, w - 20, rowH, fill: "#dcecc8"),
            text(w / 2, 32, "/ in the container: the merged view", weight: "bold"),
        ]
        var y = 10 + rowH + 12
        if let upper {
            parts += [
                box(30, y, w - 60, rowH, fill: "#fff2c6"),
                text(w / 2, y + 22, "upper (writable): " + Narrator.clip(upper, 44)),
            ]
            y += rowH + 6
        }
        let labels = described.isEmpty ? lowers : described
        for (i, l) in labels.enumerated() {
            parts += [
                box(30, y, w - 60, rowH, fill: "#e3ebf7"),
                text(w / 2, y + 22, "lower \(i + 1) (read-only): " + Narrator.clip(l, 40)),
            ]
            y += rowH + 6
        }
        _ = rows
        return Picture(svg: svg(w, y + 6, "layer stack", parts), caption: "The layer stack (overlayfs): top first")
    }

    /// The namespaces around the process, one ring each.
    public static func namespaces(_ events: [ExplainEvent]) -> Picture? {
        var rings: [String] = []
        var program = "process"
        var hostname: String?
        for e in events {
            switch e.step {
            case .namespaceCreated(let type, _): if !rings.contains(type) { rings.append(type) }
            case .namespaceJoined(let type, _):
                if !rings.contains(type + " (joined)") { rings.append(type + " (joined)") }
            case .execve(let argv, _): program = argv.first ?? program
            case .hostname(let h): hostname = h
            default: break
            }
        }
        guard !rings.isEmpty else { return nil }
        let step = 22, inner = 70
        let size = 2 * (rings.count * step) + 2 * inner + 20
        let colors = ["#e8f0fb", "#eaf6e4", "#fbf0e2", "#f4e6f4", "#e4f4f4", "#f8f4dc", "#f0e8e0", "#e6e6f6"]
        var parts: [String] = []
        for (i, ring) in rings.enumerated() {
            let o = 10 + i * step
            parts.append(box(o, o, size - 2 * o, size - 2 * o, fill: colors[i % colors.count], radius: 18))
            parts.append(text(o + 10, o + 15, ring + " namespace", size: 12, anchor: "start"))
        }
        let c = size / 2
        parts.append(
            "<circle cx=\"\(c)\" cy=\"\(c)\" r=\"\(inner - 10)\" fill=\"#ffffff\" stroke=\"#2c5a8c\" stroke-width=\"2\"/>"
        )
        parts.append(text(c, c - 4, Narrator.clip(program, 18), weight: "bold"))
        parts.append(text(c, c + 14, hostname.map { "host: " + Narrator.clip($0, 14) } ?? "pid 1", size: 11))
        return Picture(svg: svg(size, size, "namespaces", parts), caption: "The namespaces around the process")
    }

    /// The cgroup tree with the values written into the container's cgroup.
    public static func cgroupTree(_ events: [ExplainEvent]) -> Picture? {
        var joined: String?
        var created: String?
        var writes: [(String, String, String)] = []
        for e in events {
            switch e.step {
            case .cgroupCreated(let p): created = p
            case .cgroupJoined(_, let d): if joined == nil { joined = d }
            case .cgroupWrite(let d, let f, let v): writes.append((d, f, v.trimmed))
            default: break
            }
        }
        // The container's own cgroup: where its process went, else the deepest one made or written. With
        // cgroup v1 it has a directory in each controller's hierarchy: the writes of all of them are shown.
        guard let leaf = joined ?? created ?? writes.last?.0 else { return nil }
        let leafName = leaf.split(separator: "/").last.map(String.init) ?? leaf
        let leafWrites = writes.filter { $0.0.split(separator: "/").last.map(String.init) == leafName }.map { w in
            let parts = w.0.split(separator: "/").map(String.init)
            let hierarchy = parts.count > 5 && parts[0] == "sys" ? parts[3] + "/" : ""
            return (hierarchy + w.1, w.2)
        }
        let w = 520, lineH = 18
        let components = leaf.split(separator: "/").map(String.init)
        var parts: [String] = []
        var y = 14
        var x = 14
        parts.append(box(x, y, 200, 26, fill: "#eef1f5"))
        parts.append(text(x + 100, y + 18, "/sys/fs/cgroup (cgroupfs)", size: 12))
        for comp in components.suffix(2) {
            parts.append(
                "<line x1=\"\(x + 20)\" y1=\"\(y + 26)\" x2=\"\(x + 20)\" y2=\"\(y + 44)\" stroke=\"#4a5a70\"/>")
            y += 44
            x += 30
            parts.append(box(x, y, 260, 26, fill: "#e3ebf7"))
            parts.append(text(x + 130, y + 18, Narrator.clip(comp, 34), size: 12))
        }
        y += 36
        let shown = leafWrites.prefix(14)
        parts.append(box(x, y, w - x - 10, max(lineH * shown.count + 12, 30), fill: "#fff8e6", dashed: true))
        if shown.isEmpty { parts.append(text(x + 10, y + 20, "no limits written", size: 12, anchor: "start")) }
        for (i, (file, value)) in shown.enumerated() {
            let base = file.split(separator: "/").last.map(String.init) ?? file
            parts.append(
                text(
                    x + 10, y + 20 + i * lineH,
                    file + " = " + Narrator.clip(value, 30) + Narrator.unitNote(file: base, value: value),
                    size: 12, anchor: "start"))
        }
        return Picture(
            svg: svg(w, y + max(lineH * shown.count + 12, 30) + 10, "cgroup tree", parts),
            caption: "The container's cgroup and the limits written into it")
    }

    /// A published port's packet path: the host address, DNAT, the bridge, the veth pair, the process.
    public static func packetPath(_ events: [ExplainEvent]) -> Picture? {
        var port: (String, UInt16, String, String, UInt16)?
        var bridge = "bridge", hostVeth = "veth", inside = "eth0"
        var backend = "nftables"
        for e in events {
            switch e.step {
            case .portPublished(let hip, let hp, let proto, let cip, let cp):
                if port == nil { port = (hip, hp, proto, cip, cp) }
            case .veth(let h, let c, let b, _, _): hostVeth = h; inside = c; bridge = b
            case .firewall(let b, _, _, _): backend = b
            default: break
            }
        }
        guard let (hip, hp, proto, cip, cp) = port else { return nil }
        let client = (hip.isEmpty || hip == "0.0.0.0" ? "127.0.0.1" : hip) + ":\(hp)"
        let stops = [
            ("client", client + "/" + proto), (backend, "DNAT → \(cip):\(cp)"), ("bridge", bridge),
            ("host end", hostVeth), ("container end", "\(inside) \(cip)"), ("process", "listens on :\(cp)"),
        ]
        let bw = 150, gap = 28, h = 70
        let w = stops.count * bw + (stops.count - 1) * gap + 20
        var parts: [String] = [
            "<defs><marker id=\"arrow\" markerWidth=\"10\" markerHeight=\"8\" refX=\"9\" refY=\"4\" orient=\"auto\">"
                + "<path d=\"M0,0 L10,4 L0,8 z\" fill=\"#2c5a8c\"/></marker></defs>"
        ]
        for (i, stop) in stops.enumerated() {
            let x = 10 + i * (bw + gap)
            parts.append(box(x, 20, bw, h, fill: i >= 4 ? "#dcecc8" : "#e3ebf7"))
            parts.append(text(x + bw / 2, 45, stop.0, size: 12, weight: "bold"))
            parts.append(text(x + bw / 2, 68, Narrator.clip(stop.1, 22), size: 12))
            if i > 0 {
                parts.append(
                    "<line x1=\"\(x - gap + 2)\" y1=\"\(20 + h / 2)\" x2=\"\(x - 2)\" y2=\"\(20 + h / 2)\" stroke=\"#2c5a8c\" stroke-width=\"2\" marker-end=\"url(#arrow)\"/>"
                )
            }
        }
        parts.append(text(10, 112, "host network namespace", size: 11, anchor: "start", fill: "#666"))
        parts.append(text(w - 10, 112, "container network namespace", size: 11, anchor: "end", fill: "#666"))
        return Picture(svg: svg(w, 122, "packet path", parts), caption: "A connection to \(client), step by step")
    }
}
