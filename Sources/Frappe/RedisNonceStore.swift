import Foundation
import NIOPosix
import Synchronization

/// Single-use tokens (the nonces of bridge-signed calls) remembered in the site's Redis with
/// `SET <db_name>|github_sidecar_nonce::<nonce> 1 NX EX <ttl>`: every sidecar of the bench sees
/// the same memory, a restarted sidecar still has it, and Redis forgets each entry when it
/// expires, so the memory stays bounded.
///
/// A request waits for Redis at most `timeoutSeconds`; after a failure, calls fail at once for a
/// second instead of queueing behind a frozen server. Failing is the caller's to decide (the
/// sidecar refuses the call: a replay check that cannot be made is not passed).
public final class RedisNonceStore: Sendable {
    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    private let url: String
    private let prefix: String
    private let timeoutSeconds: Int
    private let threads: NIOThreadPool
    private let idle = Mutex<[RedisConnection]>([])
    private let failingUntil = Mutex<ContinuousClock.Instant?>(nil)

    public init(url: String, dbName: String, timeoutSeconds: Int = 1) {
        self.url = url
        prefix = "\(dbName)|github_sidecar_nonce::"
        self.timeoutSeconds = timeoutSeconds
        threads = NIOThreadPool(numberOfThreads: 2)
        threads.start()
    }

    deinit { threads.shutdownGracefully { _ in } }

    /// True when `token` was not seen before (it is now remembered for `ttlSeconds`), false when
    /// it was; throws ``Unavailable`` when Redis cannot answer in time.
    public func admit(_ token: String, ttlSeconds: Int) async throws -> Bool {
        if let until = failingUntil.withLock({ $0 }), ContinuousClock.now < until {
            throw Unavailable(description: "Redis did not answer a moment ago")
        }
        do {
            return try await threads.runIfActive { try self.setIfAbsent(token, ttlSeconds: ttlSeconds) }
        } catch {
            failingUntil.withLock { $0 = ContinuousClock.now.advanced(by: .seconds(1)) }
            throw Unavailable(description: "\(error)")
        }
    }

    private func setIfAbsent(_ token: String, ttlSeconds: Int) throws -> Bool {
        let connection = try idle.withLock { $0.popLast() } ?? RedisConnection(url: url, timeoutSeconds: timeoutSeconds)
        let reply = try connection.command(["SET", prefix + token, "1", "NX", "EX", String(max(1, ttlSeconds))])
        idle.withLock { if $0.count < 4 { $0.append(connection) } }
        switch reply {
        case .status("OK"): return true
        case .nil_: return false
        case .error(let message): throw Unavailable(description: "Redis: \(message)")
        default: throw Unavailable(description: "Redis: unexpected reply to SET")
        }
    }
}
