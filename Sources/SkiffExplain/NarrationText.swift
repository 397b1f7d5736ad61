/// The narration as text for stderr.
public enum NarrationText {
    public static func render(_ narration: Narration, heading: String = "What Skiff asked the kernel to do") -> String {
        var out = "\n=== skiff --explain: \(heading) ===\n"
        if narration.chapters.isEmpty { out += "(no steps were recorded)\n" }
        for chapter in narration.chapters {
            if let title = chapter.title { out += "\n## \(title)\n" }
            for section in chapter.sections {
                out += "\n-- \(section.concept.title) --\n"
                // A reason or a how already given in this section is not repeated for the next steps of its kind.
                var told = Set<String>()
                for item in section.items {
                    out += "  * \(item.text)\n"
                    if let why = item.why, !why.isEmpty, told.insert("why " + why).inserted {
                        out += "      why: \(why)\n"
                    }
                    let how = "\(item.call) · man \(item.manual) · \(item.source)"
                    if told.insert("how " + how).inserted { out += "      how: \(how)\n" }
                }
            }
        }
        return out
    }
}
