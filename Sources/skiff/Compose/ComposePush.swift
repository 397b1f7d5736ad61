import ArgumentParser
import SkiffImage
import SkiffKit

/// `skiff compose push [--ignore-push-failures] [--include-deps] [-q] [SERVICE…]`: Docker Compose's
/// push, which pushes the images the project builds: services with both `build` and `image` (and their
/// `build.tags`); others are skipped. A failure stops it unless --ignore-push-failures.
struct ComposePush: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push", abstract: "Push service images.")
    @OptionGroup var own: ComposeOptions
    @ParentCommand var parent: ComposeCommand
    var compose: ComposeOptions { own.inheriting(parent.global) }
    @Flag(name: .customLong("ignore-push-failures"), help: "Push what can be pushed, ignoring failures.")
    var ignorePushFailures = false
    @Flag(name: .customLong("include-deps"), help: "Also push the images of the services they depend on.")
    var includeDeps = false
    @Flag(name: [.customShort("q"), .long], help: "Push without printing progress.") var quiet = false
    @Argument(help: "Services (default: all).") var services: [String] = []

    func run() throws {
        let project = try compose.load(quietWarnings: quiet)
        for s in services where project.service(s) == nil { throw ValidationError("no such service: \(s)") }
        let chosen = Self.selected(project, services, includeDeps: includeDeps)
        try Self.push(chosen, quiet: quiet, ignoreFailures: ignorePushFailures, dryRun: ComposeOutputSettings.dryRun)
    }

    /// Push the images of `services` that have both `build` and `image` (and their `build.tags`);
    /// also `compose build --push`'s last step. `dryRun`: each tag checked (a valid reference; with
    /// `builtOnPaper` false, an image here) and reported as pushed, no registry contacted, as Docker
    /// Compose's dry-run client answers ImagePush. `builtOnPaper`: the images come from a dry-run
    /// build, which made none.
    static func push(
        _ services: [ComposeService], quiet: Bool, ignoreFailures: Bool, dryRun: Bool = false,
        builtOnPaper: Bool = false
    ) throws {
        let store = SkiffContext.imageStore()
        var log: (@Sendable (String) -> Void)?
        if !quiet { log = { (line: String) in FileHandleStderr.write(line + "\n") } }
        let pusher = Pusher(store: store, log: log)
        func say(_ text: String) {
            if !quiet { FileHandleStderr.write((dryRun ? ComposeDryRun.line(text) : text) + "\n") }
        }
        for s in services {
            guard let image = s.image, let build = s.build else {
                say(" \(s.name) Skipped")
                continue
            }
            for tag in [image] + build.tags {
                say(" \(s.name) Pushing \(tag)")
                do {
                    if dryRun {
                        _ = try ImageReference(parsing: tag)
                        if !builtOnPaper { _ = try store.resolve(tag) }
                        say(" \(s.name) Pushed \(tag)")
                        continue
                    }
                    let stored = try store.resolve(tag)
                    let target = try ImageReference(parsing: tag)
                    _ = try ImagePush.push(stored, named: tag, to: target, with: pusher)
                    say(" \(s.name) Pushed \(tag)")
                } catch {
                    guard ignoreFailures else {
                        FileHandleStderr.write("Error: pushing \(tag) (service \(s.name)): \(error)\n")
                        throw ExitCode(1)
                    }
                    FileHandleStderr.write("Pushing \(s.name): \(error)\n")
                }
            }
        }
    }

    /// The named services (all when none), in the file's order; with `includeDeps`, what they depend on too.
    static func selected(_ project: ComposeProject, _ names: [String], includeDeps: Bool) -> [ComposeService] {
        guard !names.isEmpty else { return project.services }
        var wanted = Set(names)
        if includeDeps {
            var queue = names
            while let name = queue.popLast() {
                for d in project.service(name)?.dependsOn ?? [] where !wanted.contains(d.service) {
                    wanted.insert(d.service)
                    queue.append(d.service)
                }
            }
        }
        return project.services.filter { wanted.contains($0.name) }
    }
}
