import SkiffOCICommands

#if canImport(Glibc)
import Glibc
#endif

/// Messages for the user that are not the command's output.
enum FileHandleStderr {
    static func write(_ text: String) { StandardError.write(text) }
}
