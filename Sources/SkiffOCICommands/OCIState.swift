import ArgumentParser
import SkiffRuntime

struct OCIState: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "state", abstract: "Print a container's state as JSON.")
    @Argument(help: "The container id.") var id: String

    func run() throws {
        try OCIContext.printJSON(try OCIContext.runtime().state(id: id))
    }
}

struct OCIList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List containers.")
    @Option(name: [.short, .long], help: "table or json") var format: String = "table"
    @Flag(name: .shortAndLong, help: "Print only ids.") var quiet = false

    func run() throws {
        let states = OCIContext.runtime().list()
        if quiet { states.forEach { print($0.id) }; return }
        switch format {
        case "json": try OCIContext.printJSON(states)
        case "table":
            print("ID".padding(20) + "PID".padding(10) + "STATUS".padding(10) + "BUNDLE".padding(40) + "CREATED")
            for s in states {
                print(s.id.padding(20) + "\(s.pid)".padding(10) + s.status.rawValue.padding(10) + s.bundle.padding(40) + s.created)
            }
        default: throw ValidationError("--format: expected table or json, got \"\(format)\"")
        }
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
