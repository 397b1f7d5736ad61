import CCurl
import Foundation
import SkiffSystem

/// A request to the registry: the subset of URLRequest the client uses.
struct HTTPRequest: Sendable {
    var url: URL
    var httpMethod = "GET"
    private(set) var headers: [(String, String)] = []

    init(url: URL) {
        self.url = url
    }

    mutating func setValue(_ value: String?, forHTTPHeaderField name: String) {
        headers.removeAll { $0.0.lowercased() == name.lowercased() }
        if let value { headers.append((name, value)) }
    }
}

/// A response from the registry. Header names are lowercased.
struct HTTPResponse: Sendable {
    var status: Int
    var headers: [String: String]
    /// The body when it was not streamed to a sink (small documents and error bodies only).
    var body: [UInt8]
    var url: URL?

    func header(_ name: String) -> String? { headers[name.lowercased()] }
    var isSuccess: Bool { (200..<300).contains(status) }
}

/// What a request sends.
enum HTTPBody: Sendable {
    case none
    case bytes([UInt8])
    /// A file, streamed from disk (never read whole into memory).
    case file(String)
}

/// Why a request produced no HTTP response at all.
struct TransportError: Error, CustomStringConvertible {
    enum Kind { case dns, connect, timeout, tls, other }
    var detail: String
    var kind: Kind = .other
    var description: String { detail }

    init(detail: String, kind: Kind = .other) {
        self.detail = detail
        self.kind = kind
    }

    init(detail: String, failure: Int32) {
        let kinds: [Int32: Kind] = [
            Int32(CCURL_FAILURE_DNS.rawValue): .dns, Int32(CCURL_FAILURE_CONNECT.rawValue): .connect,
            Int32(CCURL_FAILURE_TIMEOUT.rawValue): .timeout, Int32(CCURL_FAILURE_TLS.rawValue): .tls,
        ]
        self.init(detail: detail, kind: kinds[failure] ?? .other)
    }
}

/// A blocking, streaming HTTP client on libcurl (CCurl loads it on first use): a pool of connection
/// handles, one transfer at a time on each, so parallel transfers each keep their own connection and a
/// response body reaches its sink chunk by chunk, in order. Blob downloads follow redirects to storage;
/// libcurl does not send the Authorization header to another host.
final class HTTPTransport: @unchecked Sendable {
    private let handles: [UnsafeMutableRawPointer?]
    private let free: DispatchSemaphore
    private let lock = NSLock()
    private var busy: [Bool]
    private let verifyTLS: Bool

    /// With `verifyTLS` false, https certificates are not checked (Docker's insecure registries).
    init(lanes count: Int = 4, verifyTLS: Bool = true) {
        self.verifyTLS = verifyTLS
        let n = max(1, count)
        handles = (0..<n).map { _ in ccurl_handle_new() }
        busy = Array(repeating: false, count: n)
        free = DispatchSemaphore(value: n)
    }

    deinit {
        for h in handles { ccurl_handle_free(h) }
    }

    /// Send a request and wait for its response. With a `sink`, a 2xx body goes to the sink as it
    /// arrives (an error the sink throws cancels the transfer and is rethrown); any other body is
    /// collected, up to `maxBody` bytes.
    func send(
        _ request: HTTPRequest, body: HTTPBody = .none, maxBody: Int = 16 << 20,
        sink: ((Data) throws -> Void)? = nil
    ) throws -> HTTPResponse {
        try Cancellation.check()
        free.wait()
        let index: Int = lock.withLock {
            let i = busy.firstIndex(of: false)!
            busy[i] = true
            return i
        }
        defer {
            lock.withLock { busy[index] = false }
            free.signal()
        }
        return try Transfer(maxBody: maxBody, sink: sink).perform(
            request, body: body, verifyTLS: verifyTLS, on: handles[index])
    }
}

/// One request's state, reached from libcurl's callbacks through an opaque pointer.
private final class Transfer {
    let maxBody: Int
    let sink: ((Data) throws -> Void)?
    var status = 0
    var headers: [String: String] = [:]
    var body: [UInt8] = []
    var failure: Error?
    var overflow = false

    init(maxBody: Int, sink: ((Data) throws -> Void)?) {
        self.maxBody = maxBody
        self.sink = sink
    }

    func perform(_ request: HTTPRequest, body: HTTPBody, verifyTLS: Bool, on handle: UnsafeMutableRawPointer?) throws
        -> HTTPResponse
    {
        var loadError = [CChar](repeating: 0, count: 256)
        if ccurl_load(&loadError, loadError.count) != 0 {
            throw TransportError(
                detail: String(decoding: loadError.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        var fd: Int32 = -1
        var fileSize: Int64 = 0
        var bytes: [UInt8] = []
        switch body {
        case .none: break
        case .bytes(let b): bytes = b
        case .file(let path):
            fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd < 0 { throw TransportError(detail: "open \(path): \(String(cString: strerror(errno)))") }
            var st = stat()
            fstat(fd, &st)
            fileSize = Int64(st.st_size)
        }
        defer { if fd >= 0 { close(fd) } }

        let headerLines = request.headers.map { "\($0.0): \($0.1)" }
        var response = ccurl_response()
        let context = Unmanaged.passUnretained(self).toOpaque()
        let rc: Int32 = request.url.absoluteString.withCString { url in
            request.httpMethod.withCString { method in
                withCStrings(headerLines) { headerPointers in
                    bytes.withUnsafeBytes { raw in
                        var r = ccurl_request()
                        r.url = url
                        r.method = method
                        r.headers = headerPointers
                        r.n_headers = Int32(headerLines.count)
                        if case .bytes = body {
                            r.body = raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)
                            r.body_len = raw.count
                        }
                        r.body_fd = fd
                        r.body_fd_size = fileSize
                        r.verify_tls = verifyTLS ? 1 : 0
                        r.follow_redirects = request.httpMethod == "GET" ? 1 : 0
                        r.cancelled = { Cancellation.isCancelled ? 1 : 0 }
                        return ccurl_perform(handle, &r, onHeader, onBody, context, &response)
                    }
                }
            }
        }
        // A cancelled command's transfer was aborted (or its sink refused the next chunk): say why.
        if Cancellation.isCancelled { throw SystemError.cancelled }
        if let failure { throw failure }
        if overflow { throw TransportError(detail: "response body larger than \(maxBody) bytes") }
        if rc != 0 {
            let detail = withUnsafeBytes(of: &response.error) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            throw TransportError(detail: detail.isEmpty ? "no response" : detail, failure: response.failure)
        }
        return HTTPResponse(status: Int(response.status), headers: headers, body: self.body, url: request.url)
    }

    func header(_ line: String) {
        if line.hasPrefix("HTTP/") {
            // A new response (after a redirect or a 100 Continue): forget the previous one's headers.
            headers = [:]
            let parts = line.split(separator: " ")
            if parts.count > 1, let code = Int(parts[1]) { status = code }
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        headers[name] = value
    }

    func receive(_ data: UnsafeRawBufferPointer) -> Bool {
        if failure != nil || overflow || Cancellation.isCancelled { return false }
        if let sink, (200..<300).contains(status) {
            do { try sink(Data(data)) } catch {
                failure = error
                return false
            }
            return true
        }
        if body.count + data.count > maxBody {
            overflow = true
            return false
        }
        body.append(contentsOf: data)
        return true
    }
}

private let onHeader: ccurl_data_fn = { data, len, context in
    guard let data, let context else { return len }
    let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
    transfer.header(String(decoding: UnsafeRawBufferPointer(start: data, count: len), as: UTF8.self))
    return len
}

private let onBody: ccurl_data_fn = { data, len, context in
    guard let context else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
    guard let data else { return len }
    return transfer.receive(UnsafeRawBufferPointer(start: data, count: len)) ? len : 0
}

/// Run `body` with the strings as a C array of C strings.
private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    let pointers = copies.map { UnsafePointer($0) }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
}
