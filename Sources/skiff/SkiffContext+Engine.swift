import Logging
import SkiffKit
import SkiffOCICommands

extension SkiffContext {
    static func engine() -> Engine {
        var engine = Engine(root: stateRoot, logger: Logger(label: "skiff"))
        engine.debug = GlobalOptions.shared.debug
        return engine
    }
}
