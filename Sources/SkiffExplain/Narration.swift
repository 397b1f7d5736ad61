/// A run told as chapters (one per build step, or one for a plain run), each a list of concept sections.
public struct Narration: Sendable, Equatable {
    public struct Item: Sendable, Equatable {
        public var kind: ExplainEvent.Kind
        public var text: String
        public var why: String?
        public var call: String
        public var manual: String
        public var source: String
    }

    public struct Section: Sendable, Equatable {
        public var concept: Concept
        public var items: [Item]
    }

    public struct Chapter: Sendable, Equatable {
        public var title: String?
        public var sections: [Section]
    }

    public var chapters: [Chapter]

    /// Every item, in chapter and section order.
    public var items: [Item] { chapters.flatMap { $0.sections.flatMap(\.items) } }
}
