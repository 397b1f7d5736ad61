import SkiffImage
import SkiffOCI
import SkiffRuntime
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// A RUN step: a container of the current image (through `Engine.createContainer`/`runAttached`,
/// on the default bridge unless the step asks for none or host), whose overlay upper dir — what the command changed,
/// deletions as whiteouts — becomes the step's layer. The container is removed in every case.
struct RunStep {
    let engine: Engine
    let say: (String) -> Void
    let quiet: Bool
    let runOutput: Int32
    /// The default bridge; `RUN --network=none` a namespace with only loopback, `=host` the host's.
    var network: RunOptions.NetworkMode = .bridge
    /// `RUN --security=insecure`: every capability, no seccomp, no masked paths (RunOptions.privileged).
    var privileged = false
    /// The build's `--add-host`, `--shm-size` and `--ulimit` (BuildOptions).
    var addHosts: [String] = []
    var shmSize: Int64?
    var ulimits: [ContainerResourceOptions.Ulimit] = []
    /// The build's `--memory`: the step container's memory limit.
    var memory: Int64?
    /// The build's stop signal: the container is registered so a failing stage elsewhere can kill it.
    var control: BuildControl?
    /// While stages build at the same time: the command's output lines start with this (`[stage] `).
    var linePrefix: String?

    init(engine: Engine, say: @escaping (String) -> Void, quiet: Bool, runOutput: Int32) {
        self.engine = engine
        self.say = say
        self.quiet = quiet
        self.runOutput = runOutput
    }

    func run(argv: [String], env: [String], parent: StoredImage, mounts: [MountRequest] = []) throws(BuildError)
        -> StoredLayer
    {
        var options = RunOptions()
        options.command = argv
        options.entrypoint = ""
        options.env = env
        options.network = network
        options.privileged = privileged
        options.imageVolumes = false
        options.privilegedHostDevices = false
        options.mounts = mounts
        options.names.extraHosts = addHosts
        options.resources.shmSize = shmSize
        options.resources.ulimits = ulimits
        options.memory = memory
        let container: Container
        do {
            container = try engine.createContainer(from: parent, imageName: parent.id.short, options: options)
        } catch {
            throw .wrap(error)
        }
        defer { try? engine.removeContainer(container.id, force: true) }
        say(" ---> Running in \(container.id.prefix(12))")

        // -q keeps the output in a file, shown only if the command fails.
        var captured: (fd: Int32, path: String)?
        var out = runOutput
        if quiet {
            do { captured = try FileIO.makeTemporaryFile(in: "/tmp", prefix: "skiff-build-run-") } catch {
                throw .wrap(error)
            }
            out = captured!.fd
        }
        defer { if let captured { close(captured.fd); unlink(captured.path) } }
        var prefixer: PrefixedOutput?
        if !quiet, let linePrefix, let control {
            prefixer = try PrefixedOutput(
                prefix: linePrefix, to: runOutput >= 0 ? runOutput : STDOUT_FILENO, control: control)
            out = prefixer!.input
        }
        if let control, !control.started(container.id) {
            prefixer?.finish()
            throw .engine("stopped: another stage of the build failed")
        }
        let status: ExitStatus
        do {
            defer { control?.finished(container.id); prefixer?.finish() }
            status = try engine.runAttached(
                container, interactive: false, stdout: out, stderr: out, cancellable: true, keepsLog: false)
        } catch { throw .wrap(error) }
        if Cancellation.isCancelled { throw .wrap(SystemError.cancelled) }
        if status.shellStatus != 0, control?.isCancelled == true {
            throw .engine("stopped: another stage of the build failed")
        }
        if status.shellStatus != 0 {
            if let captured, let text = try? FileIO.read(captured.path) {
                text.withUnsafeBytes { _ = write(2, $0.baseAddress, $0.count) }
            }
            throw .runFailed(command: argv.joined(separator: " "), code: status.shellStatus)
        }
        let upper = engine.containers.directory(of: container.id) + "/upper"
        pruneMountpoints(upper: upper, parent: parent, mountTargets: mounts.map(\.target))
        let layer = try LayerBlob.pack(directory: upper, engine: engine, parent: parent, convertOverlayWhiteouts: true)
        say("Removing intermediate container \(container.id.prefix(12))")
        return layer
    }

    /// The runtime makes mount points for /etc/hosts, /etc/hostname and /etc/resolv.conf (and the
    /// directories of the standard mounts) when the image lacks them, and every container has an empty
    /// /.dockerenv; they are not the command's work.
    /// The upper layer is the command's: looked at through StagingDirectory, so a symlink it made
    /// (`/etc -> /somewhere`) is never followed to the host.
    /// So are the targets of RUN --mount (and the directories made on the way to them) when the
    /// image lacks them and the command left them empty, as BuildKit removes its mount stubs.
    func pruneMountpoints(upper: String, parent: StoredImage, mountTargets: [String] = []) {
        guard let fs = try? LayerBlob.filesystem(of: parent, engine: engine), let layer = try? StagingDirectory(upper)
        else { return }
        for target in mountTargets.sorted(by: { $0.count > $1.count }) {
            guard let inImage = InRootPath.join(target, entry: fs.inRootEntry) else { continue }
            var path = "/" + inImage
            while path != "/", fs.lookup(path) == .missing, let st = layer.lstat(path) {
                let kind = st.st_mode & S_IFMT
                if kind == S_IFDIR, layer.list(path).isEmpty, !ImageTree.isOpaque(upper + path) {
                    layer.remove(path, directory: true)
                } else if kind == S_IFREG, st.st_size == 0 {
                    layer.remove(path)
                } else {
                    break
                }
                path = InRootPath.clean(path + "/..")
            }
            // The first directory the image has: copied up only to hold the stub; dropped when it
            // is now empty and the same as the image's.
            if path != "/", case .directory(let lower) = fs.lookup(path), let st = layer.lstat(path),
                (st.st_mode & S_IFMT) == S_IFDIR, layer.list(path).isEmpty, !ImageTree.isOpaque(upper + path)
            {
                var ls = stat()
                if stat(lower, &ls) == 0, ls.st_mode == st.st_mode, ls.st_uid == st.st_uid, ls.st_gid == st.st_gid {
                    layer.remove(path, directory: true)
                }
            }
        }
        for file in ["/etc/hosts", "/etc/hostname", "/etc/resolv.conf", Engine.containerMarker] {
            if let st = layer.lstat(file), (st.st_mode & S_IFMT) == S_IFREG, st.st_size == 0,
                fs.lookup(file) == .missing
            {
                layer.remove(file)
            }
        }
        for dir in ["/etc", "/dev", "/proc", "/sys"] {
            guard let st = layer.lstat(dir), (st.st_mode & S_IFMT) == S_IFDIR, layer.list(dir).isEmpty,
                !ImageTree.isOpaque(upper + dir)
            else { continue }
            if case .directory(let lower) = fs.lookup(dir) {
                var ls = stat()
                if stat(lower, &ls) == 0, ls.st_mode == st.st_mode, ls.st_uid == st.st_uid, ls.st_gid == st.st_gid {
                    layer.remove(dir, directory: true)
                }
            } else if fs.lookup(dir) == .missing {
                layer.remove(dir, directory: true)
            }
        }
    }
}

/// A layer blob in the content store and its diff ID.
struct StoredLayer {
    var descriptor: Descriptor
    var diffID: String
}

enum LayerBlob {
    /// Pack a directory as a tar+gzip layer into the content store.
    static func pack(directory: String, engine: Engine, parent: StoredImage, convertOverlayWhiteouts: Bool)
        throws(BuildError) -> StoredLayer
    {
        let scratch = engine.root + "/build-cache"
        let path: String
        do {
            try FileIO.makeDirectories(scratch, mode: 0o700)
            let (fd, p) = try FileIO.makeTemporaryFile(in: scratch, prefix: ".layer-")
            close(fd)
            path = p
        } catch { throw .wrap(error) }
        defer { unlink(path) }
        let packed: PackedLayer
        do {
            packed = try LayerPacker().pack(
                directory: directory, to: path, convertOverlayWhiteouts: convertOverlayWhiteouts)
        } catch {
            throw .engine("pack layer from \(directory): \(error)")
        }
        do {
            let expected = try Digest(packed.digest)
            try engine.images.content.ingest(file: path, expected: expected, expectedSize: packed.size)
        } catch { throw .wrap(error) }
        let docker = parent.manifest.mediaType == MediaType.dockerManifest
        return StoredLayer(
            descriptor: Descriptor(
                mediaType: docker ? MediaType.dockerLayerGzip : MediaType.ociLayerGzip,
                digest: packed.digest, size: packed.size),
            diffID: packed.diffID)
    }

    /// An image's unpacked layers (unpacking what is missing) as a read-only merged view.
    static func filesystem(of image: StoredImage, engine: Engine) throws(BuildError) -> ImageFilesystem {
        let chains: [String]
        do { chains = try engine.layers.prepare(manifest: image.manifest, config: image.config) } catch {
            throw .wrap(error)
        }
        return ImageFilesystem(layersTopFirst: chains.reversed().map { engine.layers.diffPath(chainID: $0) })
    }

    /// A directory for one step's files, removed by the caller.
    static func stagingDirectory(engine: Engine) throws(BuildError) -> String {
        let scratch = engine.root + "/build-cache"
        do {
            try FileIO.makeDirectories(scratch, mode: 0o700)
            let dir = try FileIO.makeTemporaryDirectory(in: scratch, prefix: ".stage-")
            chmod(dir, 0o755)
            return dir
        } catch { throw .wrap(error) }
    }
}
