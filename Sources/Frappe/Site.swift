import Foundation
import Logging
import MariaDB
import Synchronization

/// One Frappe site: its database, meta, clock and cache. All document writes go through
/// ``write(user:_:)``, one transaction per logical change.
public final class Site: Sendable {
    public let config: SiteConfig
    let pool: ConnectionPool
    public let metas = MetaRegistry()
    public let cache: any SiteCache
    let fernet: Fernet?
    private let clockState: Mutex<SiteClock>
    let logger: Logger

    public var name: String { config.site }
    public var clock: SiteClock { clockState.withLock { $0 } }

    /// Opens a site: a pool on its database and its time zone from System Settings.
    /// `cache` defaults to the site's Redis (`redis_cache` in site_config.json), if it names one.
    public init(config: SiteConfig, poolSize: Int = 4, cache: (any SiteCache)? = nil,
                logger: Logger = Logger(label: "frappe.site")) async throws {
        self.config = config
        self.cache = cache ?? config.redisCache.map {
            RedisSiteCache(cacheURL: $0, eventsURL: config.redisEvents, site: config.site, logger: logger)
        } ?? NoSiteCache()
        self.logger = logger
        pool = ConnectionPool(configuration: config.database, size: poolSize)
        fernet = try config.encryptionKey.map { try Fernet(key: $0) }
        let clock: SiteClock
        do {
            clock = try await pool.withConnection { try SiteClock.load(from: $0) }
        } catch let error as MariaDBError {
            try? await pool.shutdown()
            throw FrappeError(.serviceUnavailable, "Site \(config.site): database unavailable (error \(error.code))")
        }
        clockState = Mutex(clock)
    }

    /// Re-reads the time zone (after System Settings change) and forgets cached meta.
    public func refresh() async throws {
        let clock = try await pool.withConnection { try SiteClock.load(from: $0) }
        clockState.withLock { $0 = clock }
        metas.invalidate()
    }

    /// Runs `body` in one transaction as `user`; after commit, the cache drops what went stale.
    /// A deadlock or lock-wait timeout retries the whole transaction (up to 5 times, with backoff).
    @discardableResult
    public func write<T: Sendable>(user: String, _ body: @escaping @Sendable (DocumentWriter) throws -> T) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                let (value, changes) = try await pool.transaction { [metas, clock, fernet] conn in
                    let writer = DocumentWriter(conn: conn, user: user, metas: metas, clock: clock, fernet: fernet)
                    let value = try body(writer)
                    return (value, writer.changes)
                }
                if !changes.isEmpty { await cache.committed(changes, dbName: config.dbName) }
                return value
            } catch let error as MariaDBError where error.isRetryableTransaction && attempt < 5 {
                logger.debug("retrying transaction after \(error.code)")
                try await Task.sleep(for: .milliseconds(Int.random(in: 5...40) * attempt))
                continue
            } catch let error as MariaDBError {
                // A failed write changes nothing (the transaction rolled back): surface a Frappe error.
                if error.isConnectionLost || error.code == 2000 { logger.error("database unavailable: \(error.code)") }
                metas.invalidate()
                throw FrappeError(mariaDB: error)
            }
        }
    }

    /// Runs `body` with a read-only view on a pool thread, outside any transaction.
    public func read<T: Sendable>(_ body: @escaping @Sendable (DocumentReader) throws -> T) async throws -> T {
        do {
            return try await pool.withConnection { [metas, clock, fernet] conn in
                try body(DocumentReader(conn: conn, metas: metas, clock: clock, fernet: fernet))
            }
        } catch let error as MariaDBError {
            throw FrappeError(mariaDB: error)
        }
    }

    public func close() async throws { try await pool.shutdown() }
}
