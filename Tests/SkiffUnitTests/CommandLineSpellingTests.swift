import SkiffKit
import Testing

struct CommandLineSpellingTests {
    @Test(arguments: [
        ("rnu", "run"), ("imgaes", "images"), ("prots", "ports"), ("comopse", "compose"), ("exce", "exec"),
        ("RUN", "run"),
    ])
    func nearestNameFindsTheIntendedWord(typed: String, intended: String) {
        let words = ["run", "images", "ports", "compose", "exec", "expose", "create", "ps"]
        #expect(NearestName.suggest(typed, among: words) == intended)
    }

    @Test func farOffWordsGetNoSuggestion() {
        #expect(NearestName.suggest("kubernetes", among: ["run", "ps", "images"]) == nil)
        #expect(NearestName.suggest("xyz", among: ["run", "ps"]) == nil)
    }

    @Test(arguments: [
        (["compose", "-f", "a.yml", "up"], ["compose", "--file", "a.yml", "up"]),
        (["compose", "-fa.yml", "-p", "demo", "up", "-d"], ["compose", "--file=a.yml", "-p", "demo", "up", "-d"]),
        (["compose", "-f=a.yml", "logs", "-f"], ["compose", "--file=a.yml", "logs", "-f"]),
        (
            ["--root", "/r", "compose", "-f", "a.yml", "-f", "b.yml", "rm", "-f"],
            ["--root", "/r", "compose", "--file", "a.yml", "--file", "b.yml", "rm", "-f"]
        ),
        // A value that looks like a flag stays a value; flags after the command are the command's.
        (["compose", "-p", "-f", "ps"], ["compose", "-p", "-f", "ps"]),
        (["compose", "logs", "-f"], ["compose", "logs", "-f"]),
        (["run", "-f", "x"], ["run", "-f", "x"]),
    ])
    func composeFileFlagBeforeTheCommandIsTheFile(given: [String], expected: [String]) {
        #expect(ComposeCommandLine.normalized(given) == expected)
    }
}
