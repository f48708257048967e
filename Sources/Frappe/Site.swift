import Foundation
import Logging
import MariaDB
import Synchronization

/// One Frappe site: its database, meta, clock and cache. All document writes go through
/// ``write(user:_:)``, one transaction per logical change.
public final class Site: Sendable {
    let pool: ConnectionPool
    public let metas = MetaRegistry()
    public let cache: any SiteCache
    let keyring: Keyring
    let logger: Logger
    /// The site's name never changes; everything else read from Frappe may (``SiteFreshness``).
    public let name: String
    private let state: Mutex<State>

    /// What was read from the site, and when to look again.
    private struct State {
        var config: SiteConfig
        var clock: SiteClock
        var files: [FileSignature]
        var database: SiteFreshness.DatabaseVersion?
        var nextFileCheck: ContinuousClock.Instant
        var nextDatabaseCheck: ContinuousClock.Instant
        /// A check has been claimed and has not stored what it saw yet. A second one must not
        /// start: on a loaded machine the first can finish after it and put back an older
        /// version, and a later change that restores that older state (a Property Setter
        /// added, then deleted) would then look like no change at all.
        var checkingFiles = false
        var checkingDatabase = false
    }

    /// The merged site config, re-read when `site_config.json` or `common_site_config.json` change.
    /// The database pool and Redis cache keep the settings they were opened with.
    public var config: SiteConfig {
        refreshConfigIfDue()
        return state.withLock { $0.config }
    }

    public var clock: SiteClock { state.withLock { $0.clock } }

    /// Opens a site: a pool on its database and its time zone from System Settings.
    /// `cache` defaults to the site's Redis (`redis_cache` in site_config.json), if it names one.
    public init(config: SiteConfig, poolSize: Int = 4, cache: (any SiteCache)? = nil,
                logger: Logger = Logger(label: "frappe.site")) async throws {
        name = config.site
        self.cache = cache ?? config.redisCache.map {
            RedisSiteCache(cacheURL: $0, eventsURL: config.redisEvents, site: config.site, logger: logger)
        } ?? NoSiteCache()
        self.logger = logger
        pool = ConnectionPool(configuration: config.database, size: poolSize)
        keyring = try Keyring(config: config)
        let files = config.bench.map { FileSignature.of($0, site: config.site) } ?? []
        let (clock, version): (SiteClock, SiteFreshness.DatabaseVersion?)
        do {
            (clock, version) = try await pool.withConnection { conn in
                (try SiteClock.load(from: conn), try? SiteFreshness.DatabaseVersion.read(conn))
            }
        } catch let error as MariaDBError {
            try? await pool.shutdown()
            throw FrappeError(.serviceUnavailable, "Site \(config.site): database unavailable (error \(error.code))")
        }
        let now = ContinuousClock.now
        let next = now + (SiteFreshness.interval ?? .seconds(1))
        state = Mutex(State(config: config, clock: clock, files: files, database: version, nextFileCheck: next, nextDatabaseCheck: next))
    }

    /// Re-reads the time zone (after System Settings change) and forgets cached meta.
    public func refresh() async throws {
        let clock = try await pool.withConnection { try SiteClock.load(from: $0) }
        state.withLock { $0.clock = clock }
        metas.invalidate()
    }

    /// Claims a check that is due and not already running (only one caller gets it), pushing the
    /// next one an interval out. The caller ends it with ``endCheck(_:)``.
    private func claim(_ which: WritableKeyPath<State, ContinuousClock.Instant>, busy: WritableKeyPath<State, Bool>) -> Bool {
        guard let interval = SiteFreshness.interval else { return false }
        let now = ContinuousClock.now
        return state.withLock { s in
            guard now >= s[keyPath: which], !s[keyPath: busy] else { return false }
            s[keyPath: which] = now + interval
            s[keyPath: busy] = true
            return true
        }
    }

    private func endCheck(_ busy: WritableKeyPath<State, Bool>) { state.withLock { $0[keyPath: busy] = false } }

    /// Two `stat`s; on a change, the config is re-read and the Fernet follows `encryption_key`.
    /// A file caught half-written fails to parse and is read again at the next check.
    private func refreshConfigIfDue() {
        guard claim(\.nextFileCheck, busy: \.checkingFiles) else { return }
        defer { endCheck(\.checkingFiles) }
        guard let bench = state.withLock({ $0.config.bench }) else { return }
        let files = FileSignature.of(bench, site: name)
        guard files != state.withLock({ $0.files }) else { return }
        do {
            let config = try bench.config(for: name)
            keyring.update(key: config.encryptionKey)
            state.withLock {
                $0.config = config
                $0.files = files
            }
            logger.info("site \(name): site config changed, re-read")
        } catch {
            logger.debug("site \(name): config not re-read yet: \(error)")
        }
    }

    /// One small query on the connection the request already holds; a changed time zone reloads
    /// the clock, changed meta tables drop the cached meta. A failed check changes nothing.
    private func refreshDatabaseIfDue(_ conn: Connection) {
        refreshConfigIfDue()
        guard claim(\.nextDatabaseCheck, busy: \.checkingDatabase) else { return }
        defer { endCheck(\.checkingDatabase) }
        do {
            let version = try SiteFreshness.DatabaseVersion.read(conn)
            let previous = state.withLock { s -> SiteFreshness.DatabaseVersion? in
                defer { s.database = version }
                if s.database?.timeZone != version.timeZone { s.clock = SiteClock(identifier: version.timeZone) }
                return s.database
            }
            if let previous, previous.meta != version.meta {
                // A Custom Field, Property Setter or saved DocType: meta is built again on next use.
                // (Statements prepared before the ALTER TABLE it brought re-prepare themselves.)
                metas.invalidate()
                logger.info("site \(name): DocType meta changed in Frappe, reloaded")
            }
        } catch {
            logger.debug("site \(name): freshness check failed: \(error)")
        }
    }

    /// Runs `body` in one transaction as `user`; after commit, the cache drops what went stale.
    /// A deadlock or lock-wait timeout retries the whole transaction (up to 5 times, with backoff).
    @discardableResult
    public func write<T: Sendable>(user: String, _ body: @escaping @Sendable (DocumentWriter) throws -> T) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                let (value, changes) = try await pool.transaction { [self] conn in
                    refreshDatabaseIfDue(conn)
                    let writer = DocumentWriter(conn: conn, user: user, metas: metas, clock: clock, keyring: keyring)
                    let value = try body(writer)
                    return (value, writer.changes)
                }
                if !changes.isEmpty { await cache.committed(changes, dbName: state.withLock { $0.config.dbName }) }
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
            return try await pool.withConnection { [self] conn in
                refreshDatabaseIfDue(conn)
                return try body(DocumentReader(conn: conn, metas: metas, clock: clock, keyring: keyring))
            }
        } catch let error as MariaDBError {
            throw FrappeError(mariaDB: error)
        }
    }

    public func close() async throws { try await pool.shutdown() }
}
