import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What went wrong running a credential helper, as a sentence naming the program.
public struct CredentialHelperError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) { self.description = description }
}

/// One of Docker's credential helpers: the program `docker-credential-NAME`, spoken to as
/// github.com/docker/docker-credential-helpers defines it. The action is the only argument:
///
/// - `get` reads a server URL on stdin and prints `{"ServerURL":…,"Username":…,"Secret":…}`, or prints
///   `credentials not found in native keychain` and exits non-zero when it has none;
/// - `store` reads `{"ServerURL":…,"Username":…,"Secret":…}` on stdin;
/// - `erase` reads a server URL on stdin.
///
/// Helpers report errors on stdout (the protocol's channel) and some on stderr; both are shown.
/// The helper runs with this process's environment (pass, secretservice and friends need HOME, DBUS…).
public struct CredentialHelper: Sendable {
    /// What a helper prints (on stdout, exiting non-zero) when it has no credential for a server.
    public static let notFoundMessage = "credentials not found in native keychain"
    /// The user name with which a helper hands back an identity token instead of a password.
    public static let identityTokenUsername = "<token>"
    public static let programPrefix = "docker-credential-"

    /// The suffix config.json names (`pass` for docker-credential-pass).
    public let name: String
    /// The program's path.
    public let program: String

    public var programName: String { Self.programPrefix + name }

    public init(name: String, program: String) {
        self.name = name
        self.program = program
    }

    /// docker-credential-`name` in the directories of `searchPath` (":"-separated, like $PATH; an empty
    /// entry is the current directory); nil when none of them has it as an executable file.
    public static func find(_ name: String, searchPath: String) -> CredentialHelper? {
        guard !name.isEmpty, !name.contains("/") else { return nil }
        let file = programPrefix + name
        for dir in searchPath.split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (dir.isEmpty ? "." : String(dir)) + "/" + file
            var st = stat()
            if stat(candidate, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, access(candidate, X_OK) == 0 {
                return CredentialHelper(name: name, program: candidate)
            }
        }
        return nil
    }

    /// The user name and secret the helper holds for `serverURL`; nil when it has none. A user name of
    /// `<token>` means the secret is an identity token (the caller decides what to do with it).
    public func get(_ serverURL: String) throws(CredentialHelperError) -> (username: String, secret: String)? {
        let result = try run("get", input: Array(serverURL.utf8))
        if result.status != 0 {
            if result.stdoutText == Self.notFoundMessage { return nil }
            throw failure("get", result)
        }
        struct Answer: Decodable {
            var username: String?
            var secret: String?
            enum CodingKeys: String, CodingKey { case username = "Username", secret = "Secret" }
        }
        guard let answer = try? JSONDecoder().decode(Answer.self, from: Data(result.stdout)) else {
            throw CredentialHelperError(
                "\(programName) get: the answer is not a {\"Username\",\"Secret\"} JSON object: \(result.stdoutText)")
        }
        let username = answer.username ?? "", secret = answer.secret ?? ""
        if username.isEmpty && secret.isEmpty { return nil }
        return (username, secret)
    }

    /// Keep `username` and `secret` for `serverURL`.
    public func store(_ serverURL: String, username: String, secret: String) throws(CredentialHelperError) {
        struct Request: Encodable {
            var serverURL: String
            var username: String
            var secret: String
            enum CodingKeys: String, CodingKey {
                case serverURL = "ServerURL", username = "Username", secret = "Secret"
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let input: Data
        do { input = try encoder.encode(Request(serverURL: serverURL, username: username, secret: secret)) } catch {
            throw CredentialHelperError("\(programName) store: cannot encode the request: \(error)")
        }
        let result = try run("store", input: Array(input) + [10])
        if result.status != 0 { throw failure("store", result) }
    }

    /// Forget the credential for `serverURL`.
    public func erase(_ serverURL: String) throws(CredentialHelperError) {
        let result = try run("erase", input: Array(serverURL.utf8))
        if result.status != 0 { throw failure("erase", result) }
    }

    // MARK: - Running the program

    struct Result {
        /// The wait status, as waitpid gives it.
        var status: Int32
        var stdout: [UInt8]
        var stderr: [UInt8]

        var stdoutText: String {
            String(decoding: stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var stderrText: String {
            String(decoding: stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    private func failure(_ action: String, _ result: Result) -> CredentialHelperError {
        let how: String
        if result.status & 0x7f == 0 {
            how = "exit status \((result.status >> 8) & 0xff)"
        } else {
            how = "killed by signal \(result.status & 0x7f)"
        }
        let said = [result.stdoutText, result.stderrText].filter { !$0.isEmpty }.joined(separator: "; ")
        return CredentialHelperError("\(programName) \(action) failed (\(how))" + (said.isEmpty ? "" : ": \(said)"))
    }

    /// Run `program action` with `input` on stdin, collecting stdout and stderr (Subprocess.run).
    func run(_ action: String, input: [UInt8]) throws(CredentialHelperError) -> Result {
        do {
            let out = try Subprocess.run([program, action], input: input)
            return Result(status: out.status.raw, stdout: out.stdout, stderr: out.stderr)
        } catch {
            throw CredentialHelperError("\(programName) \(action): \(error)")
        }
    }
}
