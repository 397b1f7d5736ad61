// libyaml itself, as Yams builds it: its event stream is what the check below reads. Yams keeps its
// parser's events private, and a check on Yams' composed Node would come too late (composing already
// hashes mapping keys, and an aliased key is hashed expanded).
import CYaml

/// What a YAML document may cost before Yams composes it: the bytes of the file, how deep its
/// collections nest, and how many nodes it holds once every alias is expanded. Aliases are the
/// "billion laughs" attack: nine lines of `b: &b [*a,*a,…]` describe 10^9 nodes, and each layer
/// above (ComposeTree, interpolation, the printer) copies them out in full.
///
/// The check reads libyaml's events once, keeping for each anchor the size it expands to, so it
/// costs time and memory in proportion to the text, whatever the aliases describe.
package struct YAMLLimits: Sendable {
    package var maxBytes = 4 << 20
    package var maxDepth = 200
    package var maxNodes = 250_000

    package init() {}

    package static let standard = YAMLLimits()

    /// How a document overstepped; `line` is 1-based.
    package struct Exceeded: Error, Equatable, CustomStringConvertible {
        package var line: Int?
        package var reason: String
        package var description: String { line.map { "line \($0): \(reason)" } ?? reason }
        package init(line: Int?, reason: String) {
            self.line = line
            self.reason = reason
        }
    }

    /// The byte limit, for a file read before it is text.
    package func checkSize(_ count: Int) throws(Exceeded) {
        guard count <= maxBytes else {
            throw Exceeded(line: nil, reason: "the file is larger than the maximum of \(maxBytes >> 20) MiB")
        }
    }

    /// Check every document of `text`. Text libyaml cannot parse passes: Yams reports the error with
    /// more context, and everything before it has been checked here.
    package func check(_ text: String) throws(Exceeded) {
        try checkSize(text.utf8.count)
        var bytes = Array(text.utf8)
        var scan = Scan(limits: self)
        try bytes.withUnsafeMutableBufferPointer { (buffer) throws(Exceeded) in
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1 else { return }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { return }
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT { return }
                try scan.take(event)
            }
        }
    }

    /// The running count. Each alias adds its anchor's expanded size, so `nodes` is, at every step, the
    /// size of the document so far with aliases expanded: one budget bounds the whole output.
    struct Scan {
        let limits: YAMLLimits
        var nodes = 0
        /// Anchor name → expanded size and line. A later anchor of the same name shadows it (YAML says so).
        var anchors: [String: (size: Int, line: Int)] = [:]
        /// Open collections: their anchor and their expanded size so far.
        var open: [(anchor: String?, line: Int, size: Int)] = []

        mutating func take(_ event: yaml_event_t) throws(Exceeded) {
            let line = Int(event.start_mark.line) + 1
            switch event.type {
            case YAML_DOCUMENT_START_EVENT:
                anchors = [:]
            case YAML_SCALAR_EVENT:
                try add(1, line: line, alias: nil)
                if let a = name(event.data.scalar.anchor) { anchors[a] = (1, line) }
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                let anchor = name(
                    event.type == YAML_SEQUENCE_START_EVENT
                        ? event.data.sequence_start.anchor : event.data.mapping_start.anchor)
                // The collection's own node; its parent counts it (with its contents) when it closes.
                nodes += 1
                try checkTotal(line: line, alias: nil)
                open.append((anchor, line, 1))
                guard open.count <= limits.maxDepth else {
                    throw Exceeded(line: line, reason: "collections nest more than \(limits.maxDepth) deep")
                }
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let done = open.popLast() else { return }
                if let a = done.anchor { anchors[a] = (done.size, done.line) }
                if !open.isEmpty { open[open.count - 1].size += done.size }
            case YAML_ALIAS_EVENT:
                // An undefined alias counts as one node; Yams refuses it.
                let a = name(event.data.alias.anchor) ?? ""
                try add(anchors[a]?.size ?? 1, line: line, alias: a)
            default:
                break
            }
        }

        /// Count `size` nodes (a scalar, or an alias expanded) into the document and the innermost
        /// open collection. Every size is at most `nodes`, itself at most `maxNodes` until the check
        /// throws, so no sum can overflow.
        mutating func add(_ size: Int, line: Int, alias: String?) throws(Exceeded) {
            nodes += size
            if !open.isEmpty { open[open.count - 1].size += size }
            try checkTotal(line: line, alias: alias)
        }

        func checkTotal(line: Int, alias: String?) throws(Exceeded) {
            guard nodes > limits.maxNodes else { return }
            if let alias, let anchor = anchors[alias] {
                throw Exceeded(
                    line: line,
                    reason:
                        "the alias *\(alias) (of the anchor &\(alias) on line \(anchor.line), \(anchor.size) nodes) takes the document past \(limits.maxNodes) nodes once aliases are expanded: refusing excessive aliasing"
                )
            }
            throw Exceeded(line: line, reason: "the document holds more than \(limits.maxNodes) nodes")
        }

        func name(_ p: UnsafeMutablePointer<yaml_char_t>?) -> String? {
            guard let p else { return nil }
            return String(cString: p)
        }
    }
}
