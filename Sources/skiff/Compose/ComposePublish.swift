import ArgumentParser
import Foundation
import SkiffImage
import SkiffKit
import SkiffOCICommands

#if canImport(Glibc)
import Glibc
#endif

/// `skiff compose publish REPOSITORY[:TAG]`: Docker Compose's publish. The project's compose files, the
/// files they extend and (`--with-env`) their env files become the layers of an OCI artifact pushed
/// to a registry (ComposePublishLayers); `compose -f oci://…` reads it. What Compose refuses (local
/// includes, build-only services, environment values without --with-env) is refused; bind mounts,
/// secrets the detectors find and published environment values are confirmed first (`-y`), and
/// without a terminal to ask on, refused.
struct ComposePublish: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish", abstract: "Publish compose application.")
    @OptionGroup var own: ComposeOptions
    @ParentCommand var parent: ComposeCommand
    var compose: ComposeOptions { own.inheriting(parent.global) }
    @Flag(name: .customLong("with-env"), help: "Include environment variables in the published OCI artifact.")
    var withEnv = false
    @Flag(name: [.customShort("y"), .customLong("yes")], help: "Assume \"yes\" as answer to all prompts.")
    var yes = false
    @Flag(
        name: .customLong("resolve-image-digests"),
        help: "Pin image tags to digests (an image-digests.yaml layer).")
    var resolveImageDigests = false
    @Flag(name: .customLong("app"), help: "Published compose application (includes referenced images).")
    var app = false
    @Option(name: .customLong("oci-version"), help: "OCI image/artifact specification version (1.0 or 1.1).")
    var ociVersion: String?
    @Argument(help: "REPOSITORY[:TAG]") var repository: String

    func validate() throws {
        if let ociVersion, ComposeArtifact.OCIVersion(rawValue: ociVersion) == nil {
            throw ValidationError("--oci-version \(ociVersion): expected 1.0 or 1.1")
        }
    }

    func run() throws {
        var options = compose
        options.profiles = ["*"]
        let (project, variables) = try options.loadWithVariables()
        let reference = try composeStep { () throws(ComposeError) in try ComposeRemote.reference(repository) }
        for file in project.files {
            if file.hasPrefix(ComposeRemote.scheme) || file == "/dev/stdin" {
                FileHandleStderr.write("Error: \(file): only compose files on disk can be published\n")
                throw ExitCode(1)
            }
        }
        let includes = try composeStep { () throws(ComposeError) in
            var found: [String] = []
            for file in project.files { found += try ComposePublishLayers.localIncludes(file) }
            return found
        }
        if !includes.isEmpty {
            FileHandleStderr.write("Error: cannot publish compose file with local includes\n")
            throw ExitCode(1)
        }
        let checks = try composeStep { () throws(ComposeError) in
            try ComposePublishChecks.check(project, withEnvironment: withEnv)
        }
        if !checks.bindMounts.isEmpty {
            try confirm(
                "you are about to publish bind mounts declaration within your OCI artifact.\n"
                    + "only the bind mount declarations will be added to the OCI artifact (not content)\n"
                    + "please double check that you are not mounting potential user's sensitive directories or data\n"
                    + checks.bindMounts.joined(separator: "\n")
                    + "\nAre you ok to publish these bind mount declarations?")
        }
        let secrets = try composeStep { () throws(ComposeError) in try ComposeSensitiveData.scan(project) }
        if !secrets.isEmpty { try confirm(ComposeSensitiveData.question(secrets)) }
        if !checks.environment.isEmpty {
            try confirm(
                "you are about to publish environment variables within your OCI artifact.\n"
                    + "please double check that you are not leaking sensitive data\n"
                    + checks.environment.joined(separator: "\n")
                    + "\nAre you ok to publish these environment variables?")
        }
        var layers = try composeStep { () throws(ComposeError) in
            try ComposePublishLayers(variables: variables, projectDirectory: project.workingDirectory).layers(
                files: project.files, withEnvironment: withEnv)
        }
        // As Docker Compose: --app pins the images it copies.
        if resolveImageDigests || app {
            let pinned = try composeStep { () throws(ComposeError) in
                try project.withImagesResolved(ComposeProject.registryDigest)
            }
            layers.append(
                .init(kind: .composeFile, name: "image-digests.yaml", content: Array(pinned.imagesOnlyYAML().utf8)))
        }
        FileHandleStderr.write(" \(repository) Publishing\n")
        let created = ISO8601DateFormatter().string(from: Date())
        let version = "v" + SkiffVersion.number
        let (digest, descriptor) = try composeStep { () throws(ComposeError) in
            try ComposeRemote.publish(
                layers, to: reference, ociVersion: ociVersion.flatMap(ComposeArtifact.OCIVersion.init(rawValue:)),
                version: version, created: created)
        }
        if app {
            let scratch = SkiffContext.engine().images.content.root + "/ingest"
            try composeStep { () throws(ComposeError) in
                var images: [ComposeArtifact.Descriptor] = []
                for s in project.services.sorted(by: { $0.name < $1.name }) {
                    guard let image = s.image else {
                        throw .usage("publish --app requires service \"\(s.name)\" to define an image")
                    }
                    images.append(
                        try ComposeApplication.copy(try ComposeRemote.reference(image), to: reference, scratch: scratch)
                    )
                }
                try ComposeApplication.pushIndex(images: images, subject: descriptor, version: version, to: reference)
            }
        }
        FileHandleStderr.write(" \(repository) Published (\(digest))\n")
    }

    /// Compose's prompt, `[y/N]`: `-y` answers yes; without a terminal on stdin nobody can, so no.
    private func confirm(_ question: String) throws {
        if yes { return }
        guard isatty(STDIN_FILENO) == 1 else {
            FileHandleStderr.write(
                "Error: \(question)\nrefusing to publish without confirmation: stdin is not a terminal (pass -y to confirm)\n"
            )
            throw ExitCode(1)
        }
        FileHandleStderr.write(question + " [y/N] ")
        let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        guard answer == "y" || answer == "yes" else { throw ExitCode(0) }
    }
}
