import NIOPosix
import Synchronization

/// A pool of connections whose blocking C calls run on a dedicated thread pool.
///
/// libmariadb blocks the calling thread. On a 2-core machine the cooperative pool and NIO's
/// default thread pool have 2 threads, so blocking there stalls the whole process. This pool
/// owns one thread per connection: at most `size` jobs run at once, each on its own thread
/// with its own connection, and further jobs queue.
public final class ConnectionPool: Sendable {
    public let configuration: MariaDBConfiguration
    public let size: Int
    fileprivate let threads: NIOThreadPool
    private let idle = Mutex<[Connection]>([])

    public init(configuration: MariaDBConfiguration, size: Int = 4) {
        self.configuration = configuration
        self.size = max(1, size)
        threads = NIOThreadPool(numberOfThreads: self.size)
        threads.start()
    }

    /// Runs `body` on a pool thread with a connection of its own.
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await threads.runIfActive {
            let connection = try self.checkOut()
            defer { self.checkIn(connection) }
            return try body(connection)
        }
    }

    /// Runs `body` in one transaction on a pool thread: all of its writes commit, or none do.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await withConnection { try $0.transaction(body) }
    }

    /// A connection of its own for work that spans awaits, such as holding a MariaDB named lock
    /// (`GET_LOCK`) while a sync talks to GitHub. Each `run` still executes on a pool thread;
    /// the connection goes back to the pool when `body` ends.
    public func withLease<T: Sendable>(_ body: (Lease) async throws -> T) async throws -> T {
        let connection = try await threads.runIfActive { try self.checkOut() }
        let lease = Lease(connection: connection, pool: self)
        do {
            let value = try await body(lease)
            checkIn(connection)
            return value
        } catch {
            checkIn(connection)
            throw error
        }
    }

    /// A leased connection; see ``withLease(_:)``.
    public struct Lease: Sendable {
        let connection: Connection
        let pool: ConnectionPool

        public func run<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
            try await pool.threads.runIfActive { [connection] in try body(connection) }
        }
    }

    /// Finishes queued jobs, then closes every connection.
    public func shutdown() async throws {
        try await threads.shutdownGracefully()
        idle.withLock { $0.removeAll() }
    }

    private func checkOut() throws -> Connection {
        if let connection = idle.withLock({ $0.popLast() }) { return connection }
        return try Connection(configuration: configuration)
    }

    private func checkIn(_ connection: Connection) {
        guard !connection.inTransaction else { return }
        idle.withLock { $0.append(connection) }
    }
}
