#if canImport(Glibc)
import Glibc
#endif

/// Readable random names, as Docker gives a container run without `--name` ("brave_turing").
enum NameGenerator {
    static let adjectives = [
        "admiring", "agile", "amazing", "bold", "brave", "calm", "clever", "cool", "eager",
        "elegant", "epic", "focused", "gentle", "happy", "jolly", "keen", "kind", "lucid",
        "modest", "nifty", "quirky", "serene", "sharp", "stoic", "tender", "vibrant", "wizardly",
        "zealous",
    ]
    static let names = [
        "babbage", "bohr", "curie", "darwin", "dijkstra", "einstein", "euler", "fermi", "gauss",
        "hopper", "hypatia", "kepler", "knuth", "lamarr", "liskov", "lovelace", "meitner",
        "newton", "noether", "pascal", "ritchie", "shannon", "thompson", "turing", "wozniak",
    ]

    static func make(isTaken: (String) -> Bool) -> String {
        for _ in 0..<50 {
            let name = adjectives.randomElement()! + "_" + names.randomElement()!
            if !isTaken(name) { return name }
        }
        return adjectives.randomElement()! + "_" + names.randomElement()! + "\(Int.random(in: 10...99))"
    }

    /// A new container ID: 64 random hex digits.
    static func makeID() -> String {
        HexText.random(count: 64)
    }
}
