import SkiffOCI
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reading a bundle's config.json, with errors that name the file and the field.
public enum SpecFile {
    /// The bundle's spec. `omittingSeccompRules` leaves `linux.seccomp.syscalls` unread (see
    /// `LinuxSeccomp.omitsRules`), for a caller that has the container's compiled filter already.
    public static func load(bundle: String, omittingSeccompRules: Bool = false) throws(RuntimeError) -> Spec {
        let path = bundle + "/config.json"
        let bytes: [UInt8]
        do { bytes = try FileIO.read(path) } catch {
            throw .spec(.unreadable(path: path, reason: errnoText(error.errno)))
        }
        if let spec = Self.recent.withLock({ $0?.bytes == bytes ? $0?.spec : nil }) { return spec }
        do {
            let spec = try LinuxSeccomp.$omitsRules.withValue(omittingSeccompRules) {
                try JSONDecoder().decode(Spec.self, from: Data(bytes))
            }
            if !omittingSeccompRules { Self.recent.withLock { $0 = (bytes, spec) } }
            return spec
        } catch let error as DecodingError {
            throw .spec(.unreadable(path: path, reason: describe(error)))
        } catch {
            throw .spec(.unreadable(path: path, reason: "\(error)"))
        }
    }

    /// What an exec takes of the bundle's config.json, read without Codable (`ExecSpec(configJSON:)`), the
    /// seccomp rules left unread; nil when the file is unreadable or not read so, for `load` to report.
    public static func execParts(bundle: String) -> ExecSpec? {
        guard let bytes = try? FileIO.read(bundle + "/config.json") else { return nil }
        return ExecSpec(configJSON: bytes)
    }

    /// Write a bundle's config.json (pretty, as runc spec writes it), atomically. The bytes are
    /// `JSONEncoder`'s with sorted keys, written without it (`Spec+JSONOutput.swift`).
    public static func write(_ spec: Spec, bundle: String) throws(RuntimeError) {
        let path = bundle + "/config.json"
        if spec.linux?.seccomp?.rulesOmitted == true {
            throw .spec(
                .unreadable(
                    path: path, reason: "cannot encode: a seccomp profile decoded without its rules cannot be encoded"))
        }
        let bytes = JSONOutput.bytes(of: spec)
        do { try FileIO.writeAtomically(path, contents: bytes) } catch { throw .system(error) }
        recent.withLock { $0 = (bytes, spec) }
    }

    /// The spec this process last wrote or decoded, with its exact bytes: a detached start reads back the
    /// config.json its create has just written (in the same process, see SkiffKit's AdoptedStart), and
    /// the same bytes decode to the same spec, so it is not decoded again. Any other bytes are decoded.
    private static let recent = Mutex<(bytes: [UInt8], spec: Spec)?>(nil)

    /// "process.args: expected an array of strings" rather than Swift's debug dump.
    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
                .trimmingPrefix(".")
        }
        switch error {
        case .typeMismatch(let type, let ctx):
            return "\(path(ctx.codingPath)): expected \(type) — \(ctx.debugDescription)"
        case .valueNotFound(let type, let ctx):
            return "\(path(ctx.codingPath)): missing \(type)"
        case .keyNotFound(let key, let ctx):
            let parent = path(ctx.codingPath)
            return "\(parent.isEmpty ? "" : parent + ".")\(key.stringValue): required field is missing"
        case .dataCorrupted(let ctx):
            return "not valid JSON: \(ctx.debugDescription) \(ctx.underlyingError.map { "\($0)" } ?? "")"
        @unknown default:
            return "\(error)"
        }
    }
}

extension String {
    fileprivate func trimmingPrefix(_ prefix: String) -> String {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : self
    }
}
