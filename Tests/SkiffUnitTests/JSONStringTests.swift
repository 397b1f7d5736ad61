import Foundation
import SkiffSystem
import Testing

/// The one hand-written JSON string quoter (log lines, event records, compose config): what it writes
/// is what a JSON parser reads back, and with `escapeHTML`, Go's encoding/json bytes.
@Suite struct JSONStringTests {
    @Test func quotedTextReadsBack() throws {
        let text = "a \"quoted\" \\ path\nline\r\ttab \u{1} <b>&</b> é"
        let literal = JSONString.quote(text)
        #expect(literal == #""a \"quoted\" \\ path\nline\r\ttab \u0001 <b>&</b> é""#)
        let back = try JSONSerialization.jsonObject(with: Data(literal.utf8), options: .fragmentsAllowed) as? String
        #expect(back == text)
        #expect(JSONString.quote("<a&b>", escapeHTML: true) == #""\u003ca\u0026b\u003e""#)
    }
}
