import Crypto

/// `sha256:<hex>` text of a finished SHA-256, as OCI digests and diff IDs are written.
enum LayerDigest {
    static func string(_ hasher: SHA256) -> String {
        let digest = hasher.finalize()
        let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = Array("sha256:".utf8)
        out.reserveCapacity(7 + 64)
        for byte in digest {
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A display name for a blob path: `sha256:<hex>` when the file is named by its hex digest (as in the
    /// content store), else the path itself.
    static func displayName(forBlob path: String) -> String {
        let base = path.split(separator: "/").last.map(String.init) ?? path
        if base.utf8.count == 64, base.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) {
            return "sha256:" + base
        }
        return path
    }
}
