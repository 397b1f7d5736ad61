import Logging
import SkiffImage
import SkiffRuntime

/// The engine a program (or the CLI) calls: the stores under one state root, laid out as
/// docs/architecture.md describes.
public struct Engine: Sendable {
    /// The state root (`SKIFF_ROOT`, `--root`): images, layers, containers, volumes and networks live under it.
    public let root: String
    /// The image store: references, manifests, configs and blobs.
    public let images: ImageStore
    /// Unpacked layers, by chain ID, shared by the containers' overlay mounts.
    public let layers: LayerStore
    /// The container records (`containers/<id>/container.json`) and their directories.
    public let containers: ContainerStore
    /// Where the engine logs (and, with --explain, records what it does).
    public var logger: Logger
    /// Pass --debug on to the runtime: each step of a container's start is logged.
    public var debug = false

    /// An engine on the state root `root`; nothing is created until something is stored.
    public init(root: String, logger: Logger = Logger(label: "skiff")) {
        self.root = root
        self.images = ImageStore(root: root)
        self.layers = LayerStore(root: root + "/layers", content: images.content)
        self.containers = ContainerStore(root: root + "/containers")
        self.logger = logger
    }

    /// The OCI runtime that runs this engine's containers (its state: `<root>/run`).
    public var runtime: OCIRuntime { OCIRuntime(root: root + "/run", logger: logger, debug: debug) }
}
