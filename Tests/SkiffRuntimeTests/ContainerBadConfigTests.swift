import Foundation
import Glibc
import SkiffOCI
import Testing

@testable import SkiffRuntime

/// Configs that cannot run: a clear error naming what is wrong, and nothing left behind.
@Suite("Bad container configs (root, real kernel)", .enabled(if: BusyboxFixture.available, BusyboxFixture.skipReason))
struct ContainerBadConfigTests {
    /// Run `spec` expecting a failure; returns the error's text after checking nothing was left.
    func failure(_ spec: Spec, create: Bool = false) throws -> String {
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("bad")
            var message = ""
            do {
                if create {
                    let bundle = try sandbox.bundle(spec)
                    try sandbox.runtime.create(id: id, bundle: bundle, options: .init())
                } else {
                    let result = try sandbox.run(spec, id: id)
                    Issue.record("the container ran: \(result.status), stderr: \(result.stderr)")
                }
            } catch let error as RuntimeError {
                message = error.description
            }
            #expect(sandbox.leftovers(of: id).isEmpty, "left behind after a failed start")
            #expect(!FileManager.default.fileExists(atPath: sandbox.root + "/" + id))
            return message
        }
    }

    @Test(arguments: [false, true])
    func missingBinaryIsExecutableNotFound(create: Bool) throws {
        let message = try failure(try BusyboxFixture.spec(["/bin/no-such-program"]), create: create)
        #expect(message.contains("/bin/no-such-program"), "\(message)")
        #expect(message.contains("executable file not found"), "\(message)")
    }

    @Test func missingBinaryOnPathIsExecutableNotFound() throws {
        let message = try failure(try BusyboxFixture.spec(["no-such-program"]))
        #expect(message.contains("no-such-program") && message.contains("executable file not found"), "\(message)")
    }

    @Test func unknownNamespaceType() throws {
        var spec = try BusyboxFixture.spec(["/bin/true"])
        spec.linux?.namespaces?.append(LinuxNamespace(type: "bogus"))
        let message = try failure(spec)
        #expect(message.contains("unknown namespace type \"bogus\""), "\(message)")
    }

    @Test func missingRootfs() throws {
        var spec = try BusyboxFixture.spec(["/bin/true"])
        spec.root = Root(path: "/nonexistent/skiff-rootfs")
        let message = try failure(spec)
        #expect(message.contains("/nonexistent/skiff-rootfs"), "\(message)")
        #expect(message.contains("root.path"), "\(message)")
    }

    @Test func badMountFilesystemType() throws {
        var spec = try BusyboxFixture.spec(["/bin/true"])
        spec.mounts?.append(Mount(destination: "/mnt", type: "nosuchfs", source: "none"))
        let message = try failure(spec)
        #expect(message.contains("mount"), "\(message)")
        #expect(message.contains("/mnt"), "\(message)")
        #expect(message.contains("ENODEV") || message.contains("No such device"), "\(message)")
    }

    @Test func badBindMountSource() throws {
        var spec = try BusyboxFixture.spec(["/bin/true"])
        spec.mounts?.append(
            Mount(destination: "/mnt", type: "bind", source: "/nonexistent/skiff-src", options: ["rbind"]))
        let message = try failure(spec)
        #expect(message.contains("/nonexistent/skiff-src"), "\(message)")
    }

    @Test func userNamespaceWithoutMappings() throws {
        var spec = try BusyboxFixture.spec(["/bin/true"])
        spec.linux?.namespaces?.append(LinuxNamespace(type: "user"))
        let message = try failure(spec)
        #expect(message.contains("uidMappings"), "\(message)")
    }

    @Test func joiningAMissingNamespacePath() throws {
        var spec = try BusyboxFixture.spec(["/bin/true"])
        let namespaces = spec.linux?.namespaces?.map {
            $0.type == "network" ? LinuxNamespace(type: "network", path: "/proc/999999999/ns/net") : $0
        }
        spec.linux?.namespaces = namespaces
        let message = try failure(spec)
        #expect(message.contains("/proc/999999999/ns/net"), "\(message)")
    }

    @Test func unreadableConfig() throws {
        try ContainerSandbox.with { sandbox in
            let id = sandbox.newID("bad")
            let bundle = sandbox.directory + "/empty-bundle"
            try FileManager.default.createDirectory(atPath: bundle, withIntermediateDirectories: false)
            #expect {
                try sandbox.runtime.create(id: id, bundle: bundle, options: .init())
            } throws: { error in
                "\(error)".contains("config.json")
            }
            #expect(sandbox.leftovers(of: id).isEmpty)
        }
    }
}
