import Foundation
import Synchronization
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A TCP proxy on loopback in front of the test MariaDB server that can lose one answer: the
/// server has received and run the statement, and the client never hears back (the connection
/// closes instead). That is what a network cut between "applied" and "acknowledged" looks like,
/// made to happen exactly on the statement a test chooses.
final class ReplyDroppingProxy: Sendable {
    let port: Int
    private let listener: Int32
    private let target: Int
    private let dropNext = Mutex(false)
    private let sockets = Mutex<[Int32]>([])

    init(targetPort: Int) throws {
        target = targetPort
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSetupError("socket() failed") }
        listener = fd
        var address = Self.loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw TestSetupError("the proxy could not listen") }
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// The next answer the server sends on any proxied connection is dropped, and that
    /// connection closed.
    func dropNextReply() { dropNext.withLock { $0 = true } }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        for fd in sockets.withLock({ $0 }) { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        return address
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(port: UInt16(target))
            let connected = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            guard connected else { close(client); close(server); continue }
            sockets.withLock { $0 += [client, server] }
            Thread { [self] in pump(from: client, to: server, dropping: false) }.start()
            Thread { [self] in pump(from: server, to: client, dropping: true) }.start()
        }
    }

    private func pump(from source: Int32, to sink: Int32, dropping: Bool) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
            guard n > 0 else { break }
            if dropping, dropNext.withLock({ let drop = $0; $0 = false; return drop }) { break }
            var sent = 0
            while sent < n {
                let m = buffer.withUnsafeBytes { raw -> Int in
                    guard let base = raw.baseAddress else { return -1 }
                    return write(sink, base + sent, n - sent)
                }
                guard m > 0 else { sent = -1; break }
                sent += m
            }
            if sent < 0 { break }
        }
        shutdown(source, Int32(SHUT_RDWR))
        shutdown(sink, Int32(SHUT_RDWR))
    }
}
