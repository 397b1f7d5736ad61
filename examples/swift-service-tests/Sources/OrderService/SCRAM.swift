import Crypto
import Foundation

/// SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL uses it: no channel binding, the user name left empty
/// (the server takes the start-up message's).
final class SCRAM {
    private let password: String
    private let nonce: String
    private var authMessage = ""
    private var saltedPassword: [UInt8] = []

    init(password: String) {
        self.password = password
        self.nonce = Data((0..<18).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
    }

    var clientFirstBare: String { "n=,r=\(nonce)" }
    var clientFirst: String { "n,," + clientFirstBare }

    func clientFinal(serverFirst: String) throws -> String {
        var fields: [Character: String] = [:]
        for part in serverFirst.split(separator: ",") where part.count >= 2 {
            fields[part.first!] = String(part.dropFirst(2))
        }
        guard let serverNonce = fields["r"], serverNonce.hasPrefix(nonce), let saltText = fields["s"],
              let salt = Data(base64Encoded: saltText), let iterations = fields["i"].flatMap(Int.init), iterations > 0 else {
            throw PostgresConnection.Error("a SCRAM server-first message this client cannot read: \(serverFirst)")
        }
        saltedPassword = Self.pbkdf2(password: Array(password.utf8), salt: Array(salt), iterations: iterations)
        let withoutProof = "c=biws,r=\(serverNonce)"
        authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof
        let clientKey = Self.hmac(saltedPassword, Array("Client Key".utf8))
        let storedKey = Array(SHA256.hash(data: clientKey))
        let signature = Self.hmac(storedKey, Array(authMessage.utf8))
        let proof = zip(clientKey, signature).map { $0 ^ $1 }
        return withoutProof + ",p=" + Data(proof).base64EncodedString()
    }

    func verify(serverFinal: String) -> Bool {
        guard serverFinal.hasPrefix("v="), let got = Data(base64Encoded: String(serverFinal.dropFirst(2))) else { return false }
        let serverKey = Self.hmac(saltedPassword, Array("Server Key".utf8))
        return Array(got) == Self.hmac(serverKey, Array(authMessage.utf8))
    }

    static func hmac(_ key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }

    /// PBKDF2-HMAC-SHA256, one block (32 bytes: SHA-256's output, what SCRAM needs).
    static func pbkdf2(password: [UInt8], salt: [UInt8], iterations: Int) -> [UInt8] {
        var u = hmac(password, salt + [0, 0, 0, 1])
        var result = u
        for _ in 1..<iterations {
            u = hmac(password, u)
            for i in result.indices { result[i] ^= u[i] }
        }
        return result
    }
}
