import Foundation
import SkiffOCI
import Testing

@testable import SkiffKit

/// `--mount` bind recursion, `bind-create-src` and `volume-opt`, and compose's `bind.recursive`, parsed
/// and planned as Docker 25+ (docker/cli's opts/mount.go, moby's WithMounts) does them. No root: the
/// kernel side is BindRecursionTests in SkiffKitTests.
@Suite("Bind recursion and volume options (parsing and planning)")
struct BindRecursionPlanTests {
    @Test(arguments: [
        ("readonly,bind-recursive=enabled", MountRequest.BindRecursion.enabled),
        ("bind-recursive=disabled", .disabled),
        ("readonly,bind-recursive=writable", .writable),
        ("readonly,bind-propagation=rprivate,bind-recursive=readonly", .readonly),
        ("bind-nonrecursive", .disabled),
        ("bind-nonrecursive=true", .disabled),
        ("bind-nonrecursive=false", .enabled),
        // NonRecursive wins over the newer key, as the engine takes BindOptions.
        ("readonly,bind-recursive=writable,bind-nonrecursive", .disabled),
        ("ro=true", .enabled),
    ])
    func recursionForms(_ options: String, _ expected: MountRequest.BindRecursion) throws {
        let r = try MountRequest.parseMount("type=bind,src=/srv,dst=/x," + options)
        #expect(r.recursion == expected)
        #expect(!r.createHostPath)
    }

    @Test func createSourceAndVolumeOptions() throws {
        #expect(try MountRequest.parseMount("type=bind,src=/srv/new,dst=/x,bind-create-src").createHostPath)
        #expect(try MountRequest.parseMount("type=bind,src=/srv/new,dst=/x,bind-create-src=true").createHostPath)
        #expect(!(try MountRequest.parseMount("type=bind,src=/srv/new,dst=/x,bind-create-src=0").createHostPath))
        let v = try MountRequest.parseMount(
            "type=volume,src=scratch,dst=/s,volume-opt=type=tmpfs,volume-opt=device=tmpfs,volume-opt=o=size=1m")
        #expect(v.volumeOptions == ["type": "tmpfs", "device": "tmpfs", "o": "size=1m"])
        // A bare volume-opt key is an empty value; `=x` (no key) is dropped, as docker/cli does.
        #expect(try MountRequest.parseMount("dst=/s,volume-opt=o,volume-opt==x").volumeOptions == ["o": ""])
    }

    @Test(arguments: [
        (
            "type=bind,src=/a,dst=/x,bind-recursive=writable",
            "option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction"
        ),
        (
            "type=bind,src=/a,dst=/x,bind-recursive=readonly",
            "option 'bind-recursive=readonly' requires 'readonly' to be specified in conjunction"
        ),
        (
            "type=bind,src=/a,dst=/x,readonly,bind-recursive=readonly",
            "option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction"
        ),
        (
            "type=bind,src=/a,dst=/x,readonly,bind-propagation=rslave,bind-recursive=readonly",
            "requires 'bind-propagation=rprivate'"
        ),
        (
            "type=bind,src=/a,dst=/x,bind-recursive=bogus",
            #"invalid value for bind-recursive: bogus (must be "enabled", "disabled", "writable", or "readonly")"#
        ),
        ("type=bind,src=/a,dst=/x,bind-recursive=Disabled", "invalid value for bind-recursive: Disabled"),
        ("type=bind,src=/a,dst=/x,bind-nonrecursive=maybe", "invalid value for bind-nonrecursive"),
        ("type=bind,src=/a,dst=/x,bind-create-src=maybe", "invalid value for bind-create-src"),
        ("type=volume,dst=/x,bind-recursive=disabled", "cannot mix 'bind-recursive' with mount type 'volume'"),
        ("type=tmpfs,dst=/x,bind-create-src", "cannot mix 'bind-create-src' with mount type 'tmpfs'"),
        ("type=bind,src=/a,dst=/x,volume-opt=type=tmpfs", "cannot mix 'volume-opt' with mount type 'bind'"),
        ("type=volume,dst=/x,volume-opt", "must be a key=value pair"),
    ])
    func refusedAsDockerRefusesThem(_ value: String, _ message: String) {
        #expect {
            try MountRequest.parseMount(value)
        } throws: { error in
            "\(error)".contains("--mount \(value)") && "\(error)".contains(message)
        }
    }

    /// HostConfig.Mounts: each `--mount` as docker/cli's opts/mount.go builds Docker's mount.Mount (a
    /// bind-* key other than bind-recursive=enabled makes BindOptions; a volume-* key VolumeOptions with
    /// a DriverConfig, empty or not; unset fields left out).
    @Test(arguments: [
        (
            "type=bind,src=/tmp,dst=/x,readonly,bind-recursive=writable",
            #"{"BindOptions":{"ReadOnlyNonRecursive":true},"ReadOnly":true,"Source":"/tmp","Target":"/x","Type":"bind"}"#
        ),
        ("type=bind,src=/tmp,dst=/x,bind-recursive=enabled", #"{"Source":"/tmp","Target":"/x","Type":"bind"}"#),
        (
            "type=bind,src=/tmp,dst=/x,ro,bind-propagation=rprivate,bind-recursive=readonly",
            #"{"BindOptions":{"Propagation":"rprivate","ReadOnlyForceRecursive":true},"ReadOnly":true,"Source":"/tmp","Target":"/x","Type":"bind"}"#
        ),
        (
            "type=bind,src=/tmp,dst=/x,bind-nonrecursive,bind-create-src",
            #"{"BindOptions":{"CreateMountpoint":true,"NonRecursive":true},"Source":"/tmp","Target":"/x","Type":"bind"}"#
        ),
        (
            "src=vol,dst=/v,volume-opt=type=tmpfs,volume-nocopy",
            #"{"Source":"vol","Target":"/v","Type":"volume","VolumeOptions":{"DriverConfig":{"Options":{"type":"tmpfs"}},"NoCopy":true}}"#
        ),
        (
            "type=volume,dst=/v,volume-label=a=b",
            #"{"Target":"/v","Type":"volume","VolumeOptions":{"DriverConfig":{},"Labels":{"a":"b"}}}"#
        ),
        (
            "type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=1770",
            #"{"Target":"/t","TmpfsOptions":{"Mode":1016,"SizeBytes":1048576},"Type":"tmpfs"}"#
        ),
    ])
    func hostConfigMounts(_ flag: String, _ json: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let spec = try #require(try MountRequest.parseMount(flag).flagSpec)
        #expect(String(decoding: try encoder.encode(spec), as: UTF8.self) == json)
        var options = RunOptions()
        options.mounts = [try MountRequest.parseVolume("/srv:/s"), try MountRequest.parseMount(flag)]
        #expect(HostConfigRecord(options: options).mounts == [spec])
    }

    /// What the runtime is handed: rro for a read-only bind or volume (from -v as from --mount), `ro` alone
    /// for `writable`, a plain `bind` for `disabled`.
    @Test func specOptions() throws {
        func options(_ m: MountPoint) -> [String] { Engine.specMount(m).options ?? [] }
        var bind = MountPoint(type: .bind, source: "/srv", destination: "/x", readOnly: true)
        #expect(options(bind) == ["rbind", "rprivate", "ro", "rro"])
        bind.recursion = .readonly
        #expect(options(bind) == ["rbind", "rprivate", "ro", "rro"])
        bind.recursion = .writable
        #expect(options(bind) == ["rbind", "rprivate", "ro"])
        bind.recursion = .disabled
        #expect(options(bind) == ["bind", "rprivate", "ro", "rro"])
        bind.readOnly = false
        #expect(options(bind) == ["bind", "rprivate", "rw"])
        bind.recursion = nil
        bind.propagation = "rslave"
        #expect(options(bind) == ["rbind", "rslave", "rw"])
        let volume = MountPoint(type: .volume, name: "v", source: "/vol/_data", destination: "/v", readOnly: true)
        #expect(options(volume) == ["rbind", "rprivate", "ro", "rro"])
        let v = try MountRequest.parseVolume("/srv:/x:ro")
        #expect(v.recursion == .enabled && v.readOnly)
    }

    /// Docker falls back to a top-only read-only before Linux 5.12 (no mount_setattr).
    @Test func kernelsWithRecursiveReadOnly() {
        #expect(RecursiveReadOnly.supported(release: "6.18.44"))
        #expect(RecursiveReadOnly.supported(release: "5.12.0"))
        #expect(RecursiveReadOnly.supported(release: "6.1.0-18-amd64"))
        #expect(!RecursiveReadOnly.supported(release: "5.11.22-generic"))
        #expect(!RecursiveReadOnly.supported(release: "4.19.0"))
        #expect(RecursiveReadOnly.supported(release: "unknown"))
    }

    /// Compose's long syntax: `bind.recursive`, `bind.create_host_path` and `bind.propagation` reach the
    /// request, and `compose config` writes them back.
    @Test func composeLongSyntax() throws {
        let yaml = """
            services:
              app:
                image: busybox
                volumes:
                  - type: bind
                    source: /srv/a
                    target: /a
                    read_only: true
                    bind:
                      recursive: writable
                  - type: bind
                    source: /srv/b
                    target: /b
                    bind:
                      recursive: disabled
                      create_host_path: true
                      propagation: rslave
                  - /srv/c:/c:ro,rshared
            """
        let (project, _) = try Self.load(yaml)
        let app = try #require(project.service("app"))
        let options = try ComposeWiring(project: project).runOptions(app, name: "p-app-1", number: 1, configHash: "H")
        let m = options.mounts
        #expect(m.count == 3)
        #expect(m[0].recursion == .writable && m[0].readOnly && !m[0].createHostPath)
        #expect(m[1].recursion == .disabled && m[1].createHostPath && m[1].propagation == "rslave")
        #expect(m[2].recursion == .enabled && m[2].readOnly && m[2].propagation == "rshared")
        let written = project.yaml()
        #expect(written.contains("recursive: writable") && written.contains("recursive: disabled"), "\(written)")
        #expect(written.contains("propagation: rslave") && written.contains("propagation: rshared"), "\(written)")
        // What config wrote loads to the same requests.
        let (again, _) = try Self.load(written)
        let app2 = try #require(again.service("app"))
        let options2 = try ComposeWiring(project: again).runOptions(app2, name: "p-app-1", number: 1, configHash: "H")
        #expect(options2.mounts.map(\.recursion) == m.map(\.recursion))
        #expect(options2.mounts.map(\.propagation) == m.map(\.propagation))
        #expect(options2.mounts.map(\.createHostPath) == m.map(\.createHostPath))
    }

    @Test(arguments: [
        ("recursive: readonly", "needs read_only: true"),
        ("recursive: writable", "needs read_only: true"),
        ("recursive: sideways", "expected enabled, disabled, writable or readonly"),
        ("propagation: upward", "expected rprivate"),
    ])
    func composeRefusals(_ line: String, _ message: String) {
        let yaml = """
            services:
              app:
                image: busybox
                volumes:
                  - type: bind
                    source: /srv/a
                    target: /a
                    bind:
                      \(line)
            """
        #expect {
            try Self.load(yaml)
        } throws: { error in
            "\(error)".contains("volumes[0].bind.") && "\(error)".contains(message)
        }
    }

    static func load(_ yaml: String) throws -> (ComposeProject, String) {
        let base = NSTemporaryDirectory() + "compose-bind-recursion-\(UUID().uuidString)"
        let dir = base + "/p"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        try yaml.write(toFile: dir + "/compose.yaml", atomically: true, encoding: .utf8)
        return (try ComposeLoader.load(ComposeLoadOptions(workingDirectory: dir, environment: [:])), dir)
    }
}
