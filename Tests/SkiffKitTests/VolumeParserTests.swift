import Foundation
import SkiffKit
import SkiffSystem
import Testing

/// `-v`, `--mount` and `--tmpfs` values parsed with Docker's rules; malformed ones give errors that
/// name the flag and the value.
@Suite("Volume flags: -v, --mount, --tmpfs")
struct VolumeParserTests {
    @Test func volumeForms() throws {
        let named = try MountRequest.parseVolume("pgdata:/var/lib/postgresql/data")
        #expect(
            named.kind == .volume && named.source == "pgdata" && named.target == "/var/lib/postgresql/data"
                && !named.readOnly)
        let ro = try MountRequest.parseVolume("pgdata:/data:ro")
        #expect(ro.readOnly)
        let bind = try MountRequest.parseVolume("/srv/app/:/app:rw,z")
        #expect(
            bind.kind == .bind && bind.source == "/srv/app" && bind.target == "/app" && !bind.readOnly
                && bind.createHostPath)
        let anonymous = try MountRequest.parseVolume("/cache")
        #expect(anonymous.kind == .volume && anonymous.source == nil && anonymous.target == "/cache")
        let anonymousRO = try MountRequest.parseVolume("/cache:ro")
        #expect(anonymousRO.source == nil && anonymousRO.target == "/cache" && anonymousRO.readOnly)
        let nocopy = try MountRequest.parseVolume("v1:/x:nocopy")
        #expect(nocopy.noCopy)
        let slave = try MountRequest.parseVolume("/host:/x:ro,rslave")
        #expect(slave.propagation == "rslave" && slave.readOnly)
    }

    @Test(arguments: [
        ("./rel:/x", "includes invalid characters for a local volume name"),
        ("rel/dir:/x", "use absolute path"),
        ("v1:relative", "mount path must be absolute"),
        ("v1:/x:bogus", "invalid mode: bogus"),
        ("v1:/x:ro,rw", "invalid mode"),
        ("/a:/b:/c:/d", "invalid volume specification"),
        ("", "invalid volume specification"),
        ("v1:/", "destination can't be '/'"),
        ("v1:/x/../y", "must not contain '..'"),
        ("/host:/x:nocopy", "nocopy"),
    ])
    func malformedVolume(_ value: String, _ message: String) {
        #expect {
            try MountRequest.parseVolume(value)
        } throws: { error in
            let text = "\(error)"
            return text.contains("-v \(value)") && text.contains(message)
        }
    }

    @Test func mountForms() throws {
        let volume = try MountRequest.parseMount("type=volume,source=data,target=/data,readonly,volume-nocopy")
        #expect(
            volume.kind == .volume && volume.source == "data" && volume.target == "/data" && volume.readOnly
                && volume.noCopy)
        let anonymous = try MountRequest.parseMount("target=/cache")
        #expect(anonymous.kind == .volume && anonymous.source == nil)
        let bind = try MountRequest.parseMount("type=bind,src=/etc/hostname,dst=/h,ro=true,bind-propagation=rslave")
        #expect(
            bind.kind == .bind && bind.source == "/etc/hostname" && bind.target == "/h" && bind.readOnly
                && !bind.createHostPath)
        let tmpfs = try MountRequest.parseMount("type=tmpfs,destination=/run,tmpfs-size=64m,tmpfs-mode=1770")
        #expect(tmpfs.kind == .tmpfs && tmpfs.tmpfsOptions == ["size=67108864", "mode=1770"])
        let labelled = try MountRequest.parseMount("type=volume,source=v2,target=/v,volume-label=tier=db")
        #expect(labelled.volumeLabels == ["tier": "db"])
        let rw = try MountRequest.parseMount("type=volume,source=v2,target=/v,readonly=false")
        #expect(!rw.readOnly)
    }

    @Test(arguments: [
        ("type=bind,source=/x", "target is required"),
        ("type=bind,target=/x", "field Source must not be empty"),
        ("type=bind,source=rel,target=/x", "must be absolute"),
        ("type=tmpfs,source=x,target=/x", "field Source must not be specified"),
        ("type=nfs,target=/x", "invalid type"),
        ("type=volume,source=v1,target=/x,foo=bar", "unexpected key 'foo'"),
        ("type=bind,source=/x,target=/y,volume-nocopy", "cannot mix"),
        ("type=volume,target=/y,tmpfs-size=1m", "cannot mix"),
        ("type=tmpfs,target=/y,tmpfs-size=lots", "invalid value \"lots\" for tmpfs-size"),
        ("type=tmpfs,target=/y,tmpfs-mode=999", "invalid tmpfs-mode"),
        ("type=volume,source=./x,target=/y", "invalid characters"),
        ("type=volume,target=relative", "mount path must be absolute"),
        ("type=volume,,target=/y", "empty field"),
        ("type=volume,readonly=maybe,target=/y", "invalid value for readonly"),
        ("type=volume,source=,target=/y", "must be a key=value pair"),
    ])
    func malformedMount(_ value: String, _ message: String) {
        #expect {
            try MountRequest.parseMount(value)
        } throws: { error in
            let text = "\(error)"
            return text.contains("--mount \(value)") && text.contains(message)
        }
    }

    @Test func tmpfsForms() throws {
        let plain = try MountRequest.parseTmpfs("/run")
        #expect(plain.kind == .tmpfs && plain.target == "/run" && plain.tmpfsOptions.isEmpty)
        let opts = try MountRequest.parseTmpfs("/run:rw,size=64m,mode=1777,exec")
        #expect(opts.tmpfsOptions == ["size=64m", "mode=1777", "exec"] && !opts.readOnly)
        #expect { try MountRequest.parseTmpfs("run") } throws: {
            "\($0)".contains("--tmpfs run") && "\($0)".contains("absolute")
        }
        #expect { try MountRequest.parseTmpfs("/run:size=big") } throws: { "\($0)".contains("--tmpfs /run:size=big") }
    }
}

/// Paths resolved inside an image (for copy-up and the refusal of a target that leads to "/"): symlinks
/// followed through the layers, never above the root.
@Suite("Volume paths resolved inside an image")
struct VolumePathTests {
    @Test func symlinksStayInsideTheImage() throws {
        let top = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-vol-path-")
        let bottom = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-vol-path-")
        defer { FileIO.removeTree(top); FileIO.removeTree(bottom) }
        try FileIO.makeDirectories(bottom + "/b/c")
        try FileIO.makeDirectories(bottom + "/srv")
        #expect(symlink("/b/c", top + "/a") == 0)
        #expect(symlink("loop2", top + "/loop1") == 0)
        #expect(symlink("loop1", top + "/loop2") == 0)
        #expect(symlink("../../..", top + "/up") == 0)
        #expect(symlink("b", bottom + "/rel") == 0)
        #expect(symlink("../../../../etc", bottom + "/srv/data") == 0)
        let fs = ImageFilesystem(layersTopFirst: [top, bottom])
        #expect(fs.resolveInScope("/a/x") == "/b/c/x")
        #expect(fs.resolveInScope("/rel/c") == "/b/c")
        #expect(fs.resolveInScope("/up") == "/")
        #expect(fs.resolveInScope("/up/etc/passwd") == "/etc/passwd")
        #expect(fs.resolveInScope("/srv/data") == "/etc")
        #expect(fs.resolveInScope("/b/../../../c") == "/c")
        #expect(fs.resolveInScope("/loop1") == nil)
        #expect(fs.entries(of: "/") == ["a", "b", "loop1", "loop2", "rel", "srv", "up"])
        #expect(fs.entries(of: "/b") == ["c"])
    }
}
