import Logging
import SkiffImage
import SkiffRuntime

/// The engine a program (or the CLI) calls: the stores under one state root, laid out as
/// docs/architecture.md describes.
public struct Engine: Sendable {
    public let root: String
    public let images: ImageStore
    public let layers: LayerStore
    public let containers: ContainerStore
    public var logger: Logger
    public var debug = false

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
