import Foundation

/// Plain HTTP(S) downloads outside a registry (a Dockerfile's `ADD https://…`), on the same libcurl
/// transport as the registry client, streamed to a file.
public enum URLDownload {
    public struct Failure: Error, CustomStringConvertible {
        public var url: String
        public var detail: String
        public var description: String { "cannot download \(url): \(detail)" }
    }

    /// Download `url` to `path` (created or truncated). Redirects are followed; a non-2xx status is an
    /// error naming it. Returns the response's Last-Modified header, if any.
    @discardableResult
    public static func fetch(_ url: String, to path: String) throws(Failure) -> String? {
        guard let u = URL(string: url), let scheme = u.scheme, ["http", "https"].contains(scheme) else {
            throw Failure(url: url, detail: "only http and https URLs can be downloaded")
        }
        guard
            let out = FileHandle(forWritingAtPath: path)
                ?? {
                    _ = FileManager.default.createFile(atPath: path, contents: nil)
                    return FileHandle(forWritingAtPath: path)
                }()
        else {
            throw Failure(url: url, detail: "cannot write \(path)")
        }
        defer { try? out.close() }
        try? out.truncate(atOffset: 0)
        let response: HTTPResponse
        do {
            response = try HTTPTransport(lanes: 1).send(HTTPRequest(url: u), maxBody: 1 << 16) { data in
                try out.write(contentsOf: data)
            }
        } catch {
            throw Failure(url: url, detail: "\(error)")
        }
        guard response.isSuccess else {
            throw Failure(url: url, detail: "the server answered HTTP \(response.status)")
        }
        return response.header("last-modified")
    }
}
