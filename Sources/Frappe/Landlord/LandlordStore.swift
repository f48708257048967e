import Foundation
import MariaDB

/// One App installation as the landlord keeps it.
public struct AppInstallationRecord: Sendable, Equatable {
    public var installationID: Int64
    public var appID: Int64?
    public var site: String?
    public var linkedBy: String?
    /// The last site it was linked to (kept after a disconnect): that site may link it again.
    public var lastSite: String?
    public var accountLogin: String?
    public var accountType: String?
    public var accountID: Int64?
    public var repository: String?
    public var defaultBranch: String?
    /// When a signed `installation` delivery for this id arrived (proof GitHub announced it).
    public var announcedAt: Date?
    public var lastSyncAt: Date?
    public var lastSyncHash: String?
    /// JSON text: a list of `{path, message}`.
    public var lastSyncErrors: String?
    public var lastManualSyncAt: Date?
    /// The branch head when the site was rolled back to an earlier commit: the head check leaves
    /// the roll-back alone until the branch moves past it.
    public var rollbackHead: String?
    public var repositoryRemovedAt: Date?
    public var statusMessage: String?
    public var suspendedAt: Date?
    public var deletedAt: Date?

    public init(installationID: Int64) { self.installationID = installationID }

    /// Linked, not deleted, not suspended, with a repository the App can still see.
    public var canSync: Bool {
        site != nil && deletedAt == nil && suspendedAt == nil && repositoryRemovedAt == nil && repository != nil && defaultBranch != nil
    }
}

/// One stored App delivery (or a sync job the sidecar queued for itself: event `sidecar.sync`).
public struct AppDeliveryRecord: Sendable, Equatable {
    public var deliveryID: String
    public var event: String
    public var action: String?
    public var installationID: Int64?
    public var payload: String
    public var status: String
    public var attempts: Int
    public var lastError: String?
}

/// The sidecar's own database (ARCHITECTURE §3.6): App installations, App deliveries and
/// connect states. Every statement is prepared; every method is one short transaction.
public final class LandlordStore: Sendable {
    public let url: LandlordURL
    let pool: ConnectionPool

    private init(url: LandlordURL, pool: ConnectionPool) {
        self.url = url
        self.pool = pool
    }

    /// Connects and creates the tables when they are missing.
    public static func open(_ url: LandlordURL, poolSize: Int = 4) async throws -> LandlordStore {
        let pool = ConnectionPool(configuration: url.configuration, size: poolSize)
        do {
            try await pool.withConnection { conn in for statement in LandlordSchema.statements { try conn.executeText(statement) } }
        } catch let error as MariaDBError {
            try? await pool.shutdown()
            throw LandlordError.unavailable("The landlord database \(url) is unavailable (MariaDB error \(error.code))")
        }
        return LandlordStore(url: url, pool: pool)
    }

    public func close() async throws { try await pool.shutdown() }

    // MARK: Installations

    static let installationColumns = """
        installation_id, app_id, site, linked_by, last_site, account_login, account_type, account_id, repository, default_branch, announced_at,
        last_sync_at, last_sync_hash, last_sync_errors, last_manual_sync_at, rollback_head, repository_removed_at, status_message, suspended_at,
        deleted_at
        """

    /// Records what GitHub said about an installation (a signed delivery, or its own answer).
    /// Never touches the site link or the sync state. `announced` marks a signed `installation` delivery.
    public func upsertInstallation(id: Int64, appID: Int64?, accountLogin: String?, accountType: String?, accountID: Int64?,
                                   announced: Bool, now: Date = Date()) async throws {
        try await run { conn in
            let at = Self.value(now)
            try conn.execute("""
                INSERT INTO github_app_installations (installation_id, app_id, account_login, account_type, account_id, announced_at, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON DUPLICATE KEY UPDATE app_id = COALESCE(VALUES(app_id), app_id), account_login = COALESCE(VALUES(account_login), account_login),
                  account_type = COALESCE(VALUES(account_type), account_type), account_id = COALESCE(VALUES(account_id), account_id),
                  announced_at = COALESCE(announced_at, VALUES(announced_at)), updated_at = VALUES(updated_at)
                """, [.int(id), appID.map { .int($0) } ?? .null, .optional(accountLogin), .optional(accountType),
                      accountID.map { .int($0) } ?? .null, announced ? at : .null, at, at])
        }
    }

    public func installation(id: Int64) async throws -> AppInstallationRecord? {
        try await run { conn in
            try conn.query("SELECT \(Self.installationColumns) FROM github_app_installations WHERE installation_id = ?", [.int(id)])
                .first.map(Self.record)
        }
    }

    /// The installation linked to `site` (there is at most one).
    public func installation(site: String) async throws -> AppInstallationRecord? {
        try await run { conn in
            try conn.query("SELECT \(Self.installationColumns) FROM github_app_installations WHERE site = ?", [.string(site)])
                .first.map(Self.record)
        }
    }

    /// Every linked installation (for the periodic head check).
    public func linkedInstallations() async throws -> [AppInstallationRecord] {
        try await run { conn in
            try conn.query("SELECT \(Self.installationColumns) FROM github_app_installations WHERE site IS NOT NULL ORDER BY installation_id")
                .map(Self.record)
        }
    }

    /// Links an installation to a site (again, after a disconnect: the caller has just checked with
    /// GitHub that it still exists). Refused when it is linked to another site or the site already
    /// has another installation.
    public func link(installationID: Int64, site: String, user: String, now: Date = Date()) async throws {
        try await run { conn in
            try conn.transaction { conn in
                guard let row = try conn.query("SELECT \(Self.installationColumns) FROM github_app_installations WHERE installation_id = ? FOR UPDATE",
                                               [.int(installationID)]).first else {
                    throw LandlordError.notFound("GitHub App installation \(installationID) is not known")
                }
                let record = Self.record(row)
                if let linked = record.site, linked != site {
                    throw LandlordError.conflict("GitHub App installation \(installationID) is already linked to another site")
                }
                if let other = try conn.query("SELECT installation_id FROM github_app_installations WHERE site = ? AND installation_id <> ? FOR UPDATE",
                                              [.string(site), .int(installationID)]).first?["installation_id"].int {
                    throw LandlordError.conflict("This site is already connected to GitHub App installation \(other); disconnect it first")
                }
                try conn.execute("""
                    UPDATE github_app_installations SET site = ?, last_site = ?, linked_by = ?, deleted_at = NULL, updated_at = ?
                    WHERE installation_id = ?
                    """, [.string(site), .string(site), .string(user), Self.value(now), .int(installationID)])
            }
        }
    }

    /// Stores the repository and branch chosen for the site's installation.
    public func configure(installationID: Int64, repository: String, branch: String, now: Date = Date()) async throws {
        try await run { conn in
            try conn.execute("""
                UPDATE github_app_installations SET repository = ?, default_branch = ?, repository_removed_at = NULL, status_message = NULL,
                  updated_at = ? WHERE installation_id = ?
                """, [.string(repository), .string(branch), Self.value(now), .int(installationID)])
        }
    }

    /// The outcome of a sync: `hash` is the commit now applied, `errors` a JSON list, `rollbackHead`
    /// the branch head a roll-back left behind (nil for any other sync).
    public func recordSync(installationID: Int64, hash: String?, errors: String, message: String?, rollbackHead: String? = nil,
                           now: Date = Date()) async throws {
        try await run { conn in
            try conn.execute("""
                UPDATE github_app_installations SET last_sync_at = ?, last_sync_hash = COALESCE(?, last_sync_hash), last_sync_errors = ?,
                  status_message = ?, rollback_head = ?, updated_at = ? WHERE installation_id = ?
                """, [Self.value(now), .optional(hash), .string(errors), .optional(message), .optional(rollbackHead), Self.value(now),
                      .int(installationID)])
        }
    }

    /// A status line for the desk (e.g. why syncs stopped).
    public func setStatus(installationID: Int64, message: String?, now: Date = Date()) async throws {
        try await run { conn in
            try conn.execute("UPDATE github_app_installations SET status_message = ?, updated_at = ? WHERE installation_id = ?",
                             [.optional(message), Self.value(now), .int(installationID)])
        }
    }

    /// Claims the site's manual-sync slot: nil when taken (now recorded), else the seconds left
    /// until the next one is allowed. Atomic, so two clicks at once give one sync and one refusal.
    public func claimManualSync(installationID: Int64, interval: TimeInterval, now: Date = Date()) async throws -> TimeInterval? {
        try await run { conn in
            let cutoff = Self.value(now.addingTimeInterval(-interval))
            let changed = try conn.execute("""
                UPDATE github_app_installations SET last_manual_sync_at = ?
                WHERE installation_id = ? AND (last_manual_sync_at IS NULL OR last_manual_sync_at <= ?)
                """, [Self.value(now), .int(installationID), cutoff]).affectedRows
            if changed > 0 { return nil }
            let last = try conn.query("SELECT last_manual_sync_at FROM github_app_installations WHERE installation_id = ?",
                                      [.int(installationID)]).first.flatMap { Self.date($0["last_manual_sync_at"]) }
            guard let last else { return interval }
            return max(1, (last.addingTimeInterval(interval).timeIntervalSince(now)).rounded(.up))
        }
    }

    /// Soft delete: `deleted_at` set, the site link cleared. Returns the site it was linked to.
    @discardableResult
    public func softDelete(installationID: Int64, now: Date = Date()) async throws -> String? {
        try await run { conn in
            try conn.transaction { conn in
                let site = try conn.query("SELECT site FROM github_app_installations WHERE installation_id = ? FOR UPDATE",
                                          [.int(installationID)]).first?["site"].string
                try conn.execute("UPDATE github_app_installations SET deleted_at = ?, site = NULL, updated_at = ? WHERE installation_id = ?",
                                 [Self.value(now), Self.value(now), .int(installationID)])
                return site
            }
        }
    }

    /// `suspend` (a date) or `unsuspend` (nil).
    public func setSuspended(installationID: Int64, at: Date?, now: Date = Date()) async throws {
        try await run { conn in
            try conn.execute("UPDATE github_app_installations SET suspended_at = ?, updated_at = ? WHERE installation_id = ?",
                             [at.map(Self.value) ?? .null, Self.value(now), .int(installationID)])
        }
    }

    /// The configured repository was taken away from the installation (`installation_repositories.removed`).
    public func markRepositoryRemoved(installationID: Int64, message: String, now: Date = Date()) async throws {
        try await run { conn in
            try conn.execute("""
                UPDATE github_app_installations SET repository_removed_at = ?, status_message = ?, updated_at = ? WHERE installation_id = ?
                """, [Self.value(now), .string(message), Self.value(now), .int(installationID)])
        }
    }

    // MARK: Connect states

    /// Remembers a state nonce (single use, expiring).
    public func storeState(nonce: String, site: String, user: String, expiresAt: Date) async throws {
        try await run { conn in
            try conn.execute("DELETE FROM github_app_states WHERE expires_at < ?", [Self.value(Date().addingTimeInterval(-86_400))])
            try conn.execute("INSERT INTO github_app_states (nonce, site, user, expires_at) VALUES (?, ?, ?, ?)",
                             [.string(nonce), .string(site), .string(user), Self.value(expiresAt)])
        }
    }

    public enum StateUse: Sendable, Equatable { case fresh, alreadyUsed, unknown, expired }

    /// Marks the nonce used, once: the first caller gets `.fresh`, every later one `.alreadyUsed`.
    public func consumeState(nonce: String, now: Date = Date()) async throws -> StateUse {
        try await run { conn in
            let changed = try conn.execute("UPDATE github_app_states SET used_at = ? WHERE nonce = ? AND used_at IS NULL AND expires_at > ?",
                                           [Self.value(now), .string(nonce), Self.value(now)]).affectedRows
            if changed > 0 { return .fresh }
            guard let row = try conn.query("SELECT used_at, expires_at FROM github_app_states WHERE nonce = ?", [.string(nonce)]).first else {
                return .unknown
            }
            return row["used_at"].isNull ? .expired : .alreadyUsed
        }
    }

    // MARK: Deliveries and sync jobs

    /// Stores a delivery, due now. False when that delivery id is already stored (a redelivery).
    public func enqueue(deliveryID: String, event: String, action: String?, installationID: Int64?, payload: String,
                        now: Date = Date()) async throws -> Bool {
        try await run { conn in
            do {
                try conn.execute("""
                    INSERT INTO github_app_deliveries (delivery_id, event, action, installation_id, payload, status, attempts, next_attempt_at, received_at)
                    VALUES (?, ?, ?, ?, ?, 'Queued', 0, ?, ?)
                    """, [.string(deliveryID), .string(event), .optional(action), installationID.map { .int($0) } ?? .null,
                          .string(payload), Self.value(now), Self.value(now)])
                return true
            } catch let error as MariaDBError where error.isDuplicateKey {
                return false
            }
        }
    }

    /// Claims one due delivery for `lease` seconds (`FOR UPDATE SKIP LOCKED`: concurrent workers,
    /// in any process, never take the same one). A worker killed mid-way leaves it to be claimed
    /// again when the lease runs out.
    public func claimNext(lease: TimeInterval, now: Date = Date()) async throws -> AppDeliveryRecord? {
        try await run { conn in
            try conn.transaction { conn in
                guard let row = try conn.query("""
                    SELECT delivery_id, event, action, installation_id, payload, status, attempts, last_error FROM github_app_deliveries
                    WHERE next_attempt_at <= ? ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED
                    """, [Self.value(now)]).first, let id = row["delivery_id"].string else { return nil }
                try conn.execute("UPDATE github_app_deliveries SET attempts = attempts + 1, next_attempt_at = ? WHERE delivery_id = ?",
                                 [Self.value(now.addingTimeInterval(lease)), .string(id)])
                return AppDeliveryRecord(deliveryID: id, event: row["event"].string ?? "", action: row["action"].string,
                                         installationID: row["installation_id"].int.map(Int64.init), payload: row["payload"].text ?? "",
                                         status: row["status"].string ?? "", attempts: Int(row["attempts"].int ?? 0) + 1,
                                         lastError: row["last_error"].string)
            }
        }
    }

    /// Done: `Applied`, `Skipped` or `Failed`, with a note.
    public func finish(deliveryID: String, status: String, note: String?, now: Date = Date()) async throws {
        try await run { conn in
            try conn.execute("""
                UPDATE github_app_deliveries SET status = ?, last_error = ?, processed_at = ?, next_attempt_at = NULL WHERE delivery_id = ?
                """, [.string(status), .optional(note.map { String($0.prefix(4000)) }), Self.value(now), .string(deliveryID)])
        }
    }

    /// Try again at `at`.
    public func retry(deliveryID: String, at: Date, note: String) async throws {
        try await run { conn in
            try conn.execute("UPDATE github_app_deliveries SET last_error = ?, next_attempt_at = ? WHERE delivery_id = ?",
                             [.string(String(note.prefix(4000))), Self.value(at), .string(deliveryID)])
        }
    }

    public func delivery(id: String) async throws -> AppDeliveryRecord? {
        try await run { conn in
            try conn.query("""
                SELECT delivery_id, event, action, installation_id, payload, status, attempts, last_error FROM github_app_deliveries WHERE delivery_id = ?
                """, [.string(id)]).first.map { row in
                AppDeliveryRecord(deliveryID: row["delivery_id"].string ?? "", event: row["event"].string ?? "", action: row["action"].string,
                                  installationID: row["installation_id"].int.map(Int64.init), payload: row["payload"].text ?? "",
                                  status: row["status"].string ?? "", attempts: Int(row["attempts"].int ?? 0), lastError: row["last_error"].string)
            }
        }
    }

    /// Deliveries still waiting (queued or leased), for tests and readiness.
    public func pendingCount() async throws -> Int {
        try await run { conn in
            Int(try conn.query("SELECT COUNT(*) AS n FROM github_app_deliveries WHERE next_attempt_at IS NOT NULL").first?["n"].int ?? 0)
        }
    }

    // MARK: Locks

    /// Runs `body` holding the MariaDB named lock `name` (taken without waiting); nil when someone
    /// else holds it. One template sync per installation runs at a time, across processes.
    public func withLock<T: Sendable>(_ name: String, _ body: () async throws -> T) async throws -> T? {
        try await translate {
            try await pool.withLease { lease in
                let got = try await lease.run { try $0.query("SELECT GET_LOCK(?, 0) AS l", [.string(name)]).first?["l"].int }
                guard got == 1 else { return nil }
                do {
                    let value = try await body()
                    _ = try? await lease.run { try $0.query("SELECT RELEASE_LOCK(?) AS r", [.string(name)]) }
                    return value
                } catch {
                    _ = try? await lease.run { try $0.query("SELECT RELEASE_LOCK(?) AS r", [.string(name)]) }
                    throw error
                }
            }
        }
    }

    // MARK: Plumbing

    @discardableResult
    private func run<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await translate { try await pool.withConnection(body) }
    }

    private func translate<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as MariaDBError {
            throw LandlordError.unavailable("The landlord database failed (MariaDB error \(error.code))")
        }
    }

    static func record(_ row: Row) -> AppInstallationRecord {
        var r = AppInstallationRecord(installationID: Int64(row["installation_id"].int ?? 0))
        r.appID = row["app_id"].int.map(Int64.init)
        r.site = row["site"].string
        r.linkedBy = row["linked_by"].string
        r.lastSite = row["last_site"].string
        r.accountLogin = row["account_login"].string
        r.accountType = row["account_type"].string
        r.accountID = row["account_id"].int.map(Int64.init)
        r.repository = row["repository"].string
        r.defaultBranch = row["default_branch"].string
        r.announcedAt = date(row["announced_at"])
        r.lastSyncAt = date(row["last_sync_at"])
        r.lastSyncHash = row["last_sync_hash"].string
        r.lastSyncErrors = row["last_sync_errors"].text
        r.lastManualSyncAt = date(row["last_manual_sync_at"])
        r.rollbackHead = row["rollback_head"].string
        r.repositoryRemovedAt = date(row["repository_removed_at"])
        r.statusMessage = row["status_message"].text
        r.suspendedAt = date(row["suspended_at"])
        r.deletedAt = date(row["deleted_at"])
        return r
    }

    static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        return calendar
    }()

    static func value(_ date: Date) -> MariaDBValue {
        let c = utc.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: date)
        return .datetime(NaiveDateTime(year: c.year ?? 1970, month: c.month ?? 1, day: c.day ?? 1, hour: c.hour ?? 0, minute: c.minute ?? 0,
                                     second: c.second ?? 0, microsecond: min(999_999, (c.nanosecond ?? 0) / 1000)))
    }

    static func date(_ value: MariaDBValue) -> Date? {
        guard case .datetime(let d) = value else { return nil }
        let components = DateComponents(year: d.year, month: d.month, day: d.day, hour: d.hour, minute: d.minute, second: d.second,
                                        nanosecond: d.microsecond * 1000)
        return utc.date(from: components)
    }
}
