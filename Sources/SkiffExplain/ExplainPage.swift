/// The narration as one self-contained HTML page: inline CSS and inline SVG pictures, no scripts and
/// nothing fetched, so it opens anywhere (a talk's laptop offline included).
public enum ExplainPage {
    public static func render(_ events: [ExplainEvent], title: String) -> String {
        let narration = Narrator.narrate(events)
        var body =
            "<h1>\(escape(title))</h1>\n<p class=\"lede\">Everything below comes from the events this run recorded, in order.</p>\n"
        let pictures = [
            ExplainPictures.layerStack(events), ExplainPictures.namespaces(events),
            ExplainPictures.cgroupTree(events), ExplainPictures.packetPath(events),
        ].compactMap { $0 }
        if !pictures.isEmpty {
            body +=
                "<div class=\"pictures\">\n"
                + pictures.map { "<figure>\($0.svg)<figcaption>\(escape($0.caption))</figcaption></figure>" }
                .joined(separator: "\n") + "\n</div>\n"
        }
        for chapter in narration.chapters {
            body += "<section class=\"chapter\">\n"
            if let t = chapter.title { body += "<h2>\(escape(t))</h2>\n" }
            for section in chapter.sections {
                body += "<h3>\(escape(section.concept.title))</h3>\n<ol>\n"
                for item in section.items {
                    body += "<li><div class=\"what\">\(escape(item.text))</div>"
                    if let why = item.why, !why.isEmpty { body += "<div class=\"why\">\(escape(why))</div>" }
                    body +=
                        "<div class=\"how\"><code>\(escape(item.call))</code> · man \(escape(item.manual)) · <code>\(escape(item.source))</code></div></li>\n"
                }
                body += "</ol>\n"
            }
            body += "</section>\n"
        }
        if narration.chapters.isEmpty { body += "<p>No steps were recorded.</p>\n" }
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>\(escape(title))</title>
            <style>
            body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #1d2430; background: #fbfaf7; }
            h1 { font-size: 1.6em; } h2 { margin-top: 1.6em; border-bottom: 2px solid #c9d3e0; } h3 { color: #2c5a8c; margin-bottom: .3em; }
            .lede { color: #555; }
            .pictures { display: flex; flex-wrap: wrap; gap: 1.2em; align-items: flex-start; }
            figure { margin: 0; background: #fff; border: 1px solid #d8dde5; border-radius: 8px; padding: .6em; }
            figcaption { font-size: .85em; color: #555; text-align: center; }
            ol { padding-left: 1.4em; } li { margin: .45em 0; }
            .what { white-space: pre-wrap; } .why { color: #3d6b35; font-size: .92em; }
            .how { color: #666; font-size: .82em; } code { background: #eef1f5; padding: 0 .25em; border-radius: 3px; }
            svg text { font-family: system-ui, sans-serif; }
            </style>
            </head>
            <body>
            \(body)</body>
            </html>

            """
    }

    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for ch in s {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }
}
