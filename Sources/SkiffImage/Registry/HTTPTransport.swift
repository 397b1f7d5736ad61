import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

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
    /// A file, streamed from disk by URLSession (never read whole into memory).
    case file(String)
}

/// Why a request produced no HTTP response at all.
struct TransportError: Error, CustomStringConvertible {
    var detail: String
    var description: String { detail }
}

/// Foundation's URLSession (libcurl on Linux) as a blocking, streaming client: a few "lanes", each one
/// session with its own serial delegate queue and at most one transfer at a time, so a response body can
/// be handed to a sink chunk by chunk, in order, and parallel transfers each keep their own connection.
final class HTTPTransport: @unchecked Sendable {
    private let lanes: [HTTPLane]
    private let free: DispatchSemaphore
    private let lock = NSLock()
    private var busy: [Bool]

    init(lanes count: Int = 4) {
        let n = max(1, count)
        lanes = (0..<n).map { _ in HTTPLane() }
        busy = Array(repeating: false, count: n)
        free = DispatchSemaphore(value: n)
    }

    deinit {
        for lane in lanes { lane.invalidate() }
    }

    /// Send a request and wait for its response. With a `sink`, a 2xx body goes to the sink as it
    /// arrives (an error the sink throws cancels the transfer and is rethrown); any other body is
    /// collected, up to `maxBody` bytes.
    func send(_ request: URLRequest, body: HTTPBody = .none, maxBody: Int = 16 << 20,
              sink: ((Data) throws -> Void)? = nil) throws -> HTTPResponse {
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
        return try lanes[index].perform(request, body: body, maxBody: maxBody, sink: sink)
    }
}

/// One URLSession and its delegate, one transfer at a time.
final class HTTPLane: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private var session: URLSession!
    private let lock = NSLock()
    private var transfer: Transfer?

    final class Transfer {
        let originalHost: String?
        let maxBody: Int
        let sink: ((Data) throws -> Void)?
        var response: HTTPURLResponse?
        var body: [UInt8] = []
        var failure: Error?
        var overflow = false
        /// Set when URLSession turned a 401 into a challenge: the registry's answer is this response.
        var challenged = false
        let done = DispatchSemaphore(value: 0)

        init(originalHost: String?, maxBody: Int, sink: ((Data) throws -> Void)?) {
            self.originalHost = originalHost
            self.maxBody = maxBody
            self.sink = sink
        }
    }

    override init() {
        super.init()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 120
        configuration.timeoutIntervalForResource = 24 * 3600
        configuration.httpMaximumConnectionsPerHost = 1
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        session = URLSession(configuration: configuration, delegate: self, delegateQueue: queue)
    }

    func invalidate() { session.invalidateAndCancel() }

    func perform(_ request: URLRequest, body: HTTPBody, maxBody: Int, sink: ((Data) throws -> Void)?) throws -> HTTPResponse {
        let transfer = Transfer(originalHost: request.url?.host, maxBody: maxBody, sink: sink)
        lock.withLock { self.transfer = transfer }
        defer { lock.withLock { self.transfer = nil } }
        let task: URLSessionTask
        switch body {
        case .none: task = session.dataTask(with: request)
        case .bytes(let bytes): task = session.uploadTask(with: request, from: Data(bytes))
        case .file(let path): task = session.uploadTask(with: request, fromFile: URL(fileURLWithPath: path))
        }
        task.resume()
        transfer.done.wait()
        if let failure = transfer.failure { throw failure }
        if transfer.overflow { throw TransportError(detail: "response body larger than \(maxBody) bytes") }
        guard let response = transfer.response else { throw TransportError(detail: "no response") }
        var headers: [String: String] = [:]
        for (key, value) in response.allHeaderFields {
            if let k = key as? String, let v = value as? String { headers[k.lowercased()] = v }
        }
        return HTTPResponse(status: response.statusCode, headers: headers, body: transfer.body, url: response.url)
    }

    private var current: Transfer? { lock.withLock { transfer } }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        current?.response = response as? HTTPURLResponse
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard let t = current, t.failure == nil, !t.overflow else { return }
        if let sink = t.sink, let status = t.response?.statusCode, (200..<300).contains(status) {
            do { try sink(data) } catch {
                t.failure = error
                dataTask.cancel()
            }
            return
        }
        if t.body.count + data.count > t.maxBody {
            t.overflow = true
            dataTask.cancel()
            return
        }
        t.body.append(contentsOf: data)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        // Blob downloads are often redirected to storage elsewhere: credentials stay with the registry.
        var next = request
        if request.url?.host != current?.originalHost {
            next.setValue(nil, forHTTPHeaderField: "Authorization")
        }
        completionHandler(next)
    }

    /// Foundation answers a `401` carrying a Basic challenge by asking here (and its default handling
    /// never finishes on Linux). Auth is the registry client's job: keep the 401 as the response, end
    /// the transfer, and let the client answer the challenge itself.
    func urlSession(_ session: URLSession, task: URLSessionTask, didReceive challenge: URLAuthenticationChallenge,
                    completionHandler: @escaping (URLSession.AuthChallengeDisposition, URLCredential?) -> Void) {
        if let t = current, let response = challenge.failureResponse as? HTTPURLResponse {
            t.response = response
            t.challenged = true
        }
        completionHandler(.cancelAuthenticationChallenge, nil)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        guard let t = current else { return }
        if let error, t.failure == nil, !t.overflow, !t.challenged {
            t.failure = TransportError(detail: (error as NSError).localizedDescription)
        }
        if t.response == nil, let r = task.response as? HTTPURLResponse { t.response = r }
        t.done.signal()
    }
}
