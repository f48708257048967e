import Foundation
import Frappe
import Synchronization
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Real processes and sockets on loopback for the hardening tests: the built `github-sidecar`
/// binary, a Redis server of their own (which they freeze with SIGSTOP), a TCP relay in front of
/// MariaDB (which they cut to play a database restart) and a raw HTTP client that can send what
/// well-behaved clients never do.
enum Loopback {
    /// A port nothing listens on right now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSetupError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in.loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw TestSetupError("bind() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// A listening socket on 127.0.0.1:`port` (SO_REUSEADDR, so a relay can listen again on its port).
    static func listen(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSetupError("socket() failed") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in.loopback(port: port)
        let ok = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard ok, Glibc.listen(fd, 128) == 0 else {
            close(fd)
            throw TestSetupError("cannot listen on 127.0.0.1:\(port)")
        }
        return fd
    }

    /// A connected socket to 127.0.0.1:`port`, or -1.
    static func connect(port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return -1 }
        var address = sockaddr_in.loopback(port: port)
        let ok = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        if !ok { close(fd); return -1 }
        return fd
    }
}

extension sockaddr_in {
    static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return address
    }
}


/// A `redis-server` of the tests' own, so freezing it disturbs no other test.
final class RedisProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    var url: String { "redis://127.0.0.1:\(port)" }

    init() throws {
        port = try Loopback.freePort()
        let dir = TestScratch.folder("redis")
        process.executableURL = URL(fileURLWithPath: FileManager.default.isExecutableFile(atPath: "/usr/bin/redis-server")
                                    ? "/usr/bin/redis-server" : "/usr/local/bin/redis-server")
        process.arguments = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        ChildProcesses.register(process.processIdentifier)
    }

    func waitUntilAnswering() async throws {
        try await waitUntil("redis-server answers on \(port)", deadline: .seconds(30)) {
            let fd = Loopback.connect(port: self.port)
            guard fd >= 0 else { return false }
            close(fd)
            return true
        }
    }

    /// SIGSTOP: the server keeps its socket (connections are accepted by the kernel) and answers nothing.
    func freeze() { Glibc.kill(process.processIdentifier, SIGSTOP) }
    func thaw() { Glibc.kill(process.processIdentifier, SIGCONT) }
}

/// Forwards 127.0.0.1:`port` to 127.0.0.1:`target`. ``cut()`` closes the listener and every
/// relayed connection (a database restart as the sidecar sees it: connections lost, new ones
/// refused); ``restore()`` listens again on the same port.
final class TCPRelay: @unchecked Sendable {
    let port: Int
    let target: Int
    private let state = Mutex<(listener: Int32, sockets: [Int32])>((-1, []))

    init(to target: Int) throws {
        self.target = target
        port = try Loopback.freePort()
        try restore()
    }

    func restore() throws {
        guard state.withLock({ $0.listener }) < 0 else { return }
        let listener = try Loopback.listen(port: port)
        state.withLock { $0.listener = listener }
        Thread.detachNewThread { [self] in acceptLoop(listener) }
    }

    func cut() {
        state.withLock { s in
            shutdown(s.listener, Int32(SHUT_RDWR))
            close(s.listener)
            s.listener = -1
            for fd in s.sockets { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    private func acceptLoop(_ listener: Int32) {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            let upstream = Loopback.connect(port: target)
            guard upstream >= 0 else { close(client); continue }
            let alive = state.withLock { s -> Bool in
                guard s.listener == listener else { return false }
                s.sockets += [client, upstream]
                return true
            }
            guard alive else { close(client); close(upstream); continue }
            Thread.detachNewThread { [self] in pump(from: client, to: upstream) }
            Thread.detachNewThread { [self] in pump(from: upstream, to: client) }
        }
    }

    private func pump(from source: Int32, to sink: Int32) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(source, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { break }
            var sent = 0
            while sent < n {
                let m = buffer.withUnsafeBytes { send(sink, $0.baseAddress! + sent, n - sent, Int32(MSG_NOSIGNAL)) }
                guard m > 0 else { break }
                sent += m
            }
            if sent < n { break }
        }
        shutdown(source, Int32(SHUT_RDWR))
        shutdown(sink, Int32(SHUT_RDWR))
        state.withLock { s in
            if let i = s.sockets.firstIndex(of: source) { s.sockets.remove(at: i); close(source) }
        }
    }
}

/// A listening socket nobody ever accepts from: a Frappe that hangs (the kernel completes the
/// handshake, the request is sent, no answer ever comes).
final class HangingListener: @unchecked Sendable {
    let port: Int
    private let fd: Int32

    init() throws {
        port = try Loopback.freePort()
        fd = try Loopback.listen(port: port)
    }

    deinit { close(fd) }
}

/// A running `github-sidecar serve`, its stdout and stderr in a log file the tests read.
final class SidecarBinary: @unchecked Sendable {
    let process = Process()
    let port: Int
    let log: URL
    var baseURL: String { "http://127.0.0.1:\(port)" }

    init(bench: URL, port: Int? = nil, extra: [String] = []) throws {
        self.port = try port ?? Loopback.freePort()
        log = TestScratch.folder("sidecar-log").appendingPathComponent("sidecar.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.executableURL = try Paths.builtProduct("github-sidecar")
        process.arguments = ["serve", "--bench", bench.path, "--listen", "127.0.0.1:\(self.port)", "--webhook-workers", "1"] + extra
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        ChildProcesses.register(process.processIdentifier)
    }

    func waitUntilListening() async throws {
        try await waitUntil("github-sidecar listens on \(port)", deadline: .seconds(60)) {
            (try? await HTTP.send(.GET, "\(self.baseURL)/healthz").status) == 200
        }
    }

    var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    func kill() {
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// What a raw HTTP exchange gave back: the status line's code, headers and body, or nothing when
/// the server closed the connection without answering.
struct RawReply: Sendable {
    var status: Int?
    var headers: [String: String] = [:]
    var body = Data()
    var json: JSONValue? { try? JSONValue.decode(body) }
    var excType: String? { json?["exc_type"]?.string }
    var contentType: String? { headers["content-type"] }
}

/// Plain bytes over a socket: for requests clients refuse to make (bytes not allowed in a URL,
/// 100 KB headers, a declared length of a terabyte, a client that stops sending).
final class RawConnection: @unchecked Sendable {
    let fd: Int32

    init(port: Int) throws {
        fd = Loopback.connect(port: port)
        guard fd >= 0 else { throw TestSetupError("cannot connect to 127.0.0.1:\(port)") }
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return }
            sent += n
        }
    }

    func send(_ text: String) { send(Array(text.utf8)) }

    /// True once the server closed the connection (a read gives end of file or a reset); waits
    /// at most `deadline` (a generous bound, not a measurement).
    func waitForClose(deadline: Duration) async throws -> Bool {
        let end = ContinuousClock.now + deadline
        var buffer = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now < end {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, 100)
            if ready > 0 {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n <= 0 { return true }
            }   // else poll() itself waited up to 100 ms for data
        }
        return false
    }

    /// Reads one response (head, then `Content-Length` bytes of body), or what came before the
    /// server closed; gives up after `deadline`.
    func readResponse(deadline: Duration = .seconds(60)) async throws -> RawReply {
        let end = ContinuousClock.now + deadline
        var received = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while ContinuousClock.now < end {
            if let reply = Self.parse(received) { return reply }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, 100) > 0 {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n <= 0 { return Self.parse(received, closed: true) ?? RawReply() }
                received += buffer[0..<n]
            }   // else poll() itself waited up to 100 ms for data
        }
        throw TestSetupError("no complete response within \(deadline)")
    }

    static func parse(_ bytes: [UInt8], closed: Bool = false) -> RawReply? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let headEnd = bytes.indices.dropLast(3).first(where: { Array(bytes[$0..<$0 + 4]) == separator }) else { return nil }
        let head = String(decoding: bytes[..<headEnd], as: UTF8.self).components(separatedBy: "\r\n")
        var reply = RawReply()
        reply.status = head.first.flatMap { $0.split(separator: " ").dropFirst().first }.flatMap { Int($0) }
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            reply.headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let body = bytes[(headEnd + 4)...]
        let length = reply.headers["content-length"].flatMap(Int.init) ?? (closed ? body.count : 0)
        guard body.count >= length else { return nil }
        reply.body = Data(body.prefix(length))
        return reply
    }
}

/// An HTTP server that answers every request with the same bytes: a GitHub that answers
/// garbage or JSON of the wrong shape. (Reads the request head, answers, closes.)
final class FixedResponder: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let reply = Mutex<(contentType: String, body: String)>(("application/json", "{}"))
    var baseURL: String { "http://127.0.0.1:\(port)" }

    init() throws {
        port = try Loopback.freePort()
        listener = try Loopback.listen(port: port)
        Thread.detachNewThread { [self] in serve() }
    }

    func answer(contentType: String, body: String) { reply.withLock { $0 = (contentType, body) } }

    private func serve() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            Thread.detachNewThread { [self] in respond(client) }
        }
    }

    private func respond(_ client: Int32) {
        defer { close(client) }
        var received = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 16_384)
        let separator: [UInt8] = [13, 10, 13, 10]
        while !(received.count >= 4 && received.indices.dropLast(3).contains(where: { Array(received[$0..<$0 + 4]) == separator })) {
            let n = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return }
            received += buffer[0..<n]
        }
        let (contentType, body) = reply.withLock { $0 }
        let bytes = Array("HTTP/1.1 200 OK\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)".utf8)
        _ = bytes.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }
}

extension RawConnection {
    /// Sends `chunk` every `interval` (a client that sends slowly: the scenario itself, not a
    /// wait) until the server closes the connection; false if it never did within `deadline`.
    func trickle(_ chunk: [UInt8], every interval: Duration, deadline: Duration) async throws -> Bool {
        let end = ContinuousClock.now + deadline
        var buffer = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now < end {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, 0) > 0 {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n <= 0 { return true }
            }
            let sent = chunk.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
            if sent < 0, errno != EAGAIN, errno != EWOULDBLOCK { return true }
            // The slow client under test: one chunk per interval is the behaviour, not a wait.
            try await Task.sleep(for: interval)
        }
        return false
    }
}
