import Foundation
import Logging
import MariaDB

// The few things the product needs of a site beyond documents, each a named operation so that
// no SQL and no connection leaves this module (ARCHITECTURE §2).

extension Site {
    /// Runs `body` while holding the MariaDB named lock `name` (`GET_LOCK`, visible to every
    /// process on the server), so a piece of work runs once at a time across sidecars.
    /// Nil, without running `body`, when someone else holds it.
    ///
    /// While the lock is held its connection never reconnects silently (that would drop the lock
    /// with the old session and let another process take it): if the connection was lost, the
    /// release finds out, and the lost lock is logged and thrown as an error instead of passing
    /// for a clean run.
    public func withNamedLock<T: Sendable>(_ name: String, _ body: () async throws -> T) async throws -> T? {
        do {
            return try await pool.withLease { lease -> T? in
                let got = try await lease.run { conn -> Int? in
                    let got = try conn.query("SELECT GET_LOCK(?, 0) AS l", [.string(name)]).first?["l"].int
                    conn.holdsSessionState = got == 1
                    return got
                }
                guard got == 1 else { return nil }
                let value: T
                do {
                    value = try await body()
                } catch {
                    _ = try? await release(name, lease)
                    throw error
                }
                guard try await release(name, lease) else {
                    logger.error("the named lock \(name) was lost while its work ran (the database connection dropped)")
                    throw FrappeError(.serviceUnavailable, "The database connection holding this job's lock was lost while it ran; run it again")
                }
                return value
            }
        } catch let error as MariaDBError {
            throw FrappeError(mariaDB: error)
        }
    }

    /// Releases a named lock; false when the session no longer held it (the connection was lost).
    private func release(_ name: String, _ lease: ConnectionPool.Lease) async throws -> Bool {
        try await lease.run { conn -> Bool in
            defer { conn.holdsSessionState = false }
            do {
                return try conn.query("SELECT RELEASE_LOCK(?) AS r", [.string(name)]).first?["r"].int == 1
            } catch let error as MariaDBError where error.isConnectionLost {
                return false
            }
        }
    }

    /// Whether the site's database answers (for `/readyz`).
    public func ping() async throws {
        do { _ = try await pool.withConnection { try $0.ping() } } catch let error as MariaDBError { throw FrappeError(mariaDB: error) }
    }

    /// Whether `error` ended the whole transaction (a deadlock, a lock-wait timeout, a lost
    /// connection): the caller must let it reach ``write(user:_:)``, which retries or fails the
    /// transaction as a whole, instead of recording it as the failure of one item.
    public static func abortsTransaction(_ error: any Error) -> Bool {
        guard let error = error as? MariaDBError else { return false }
        return error.isRetryableTransaction || error.isConnectionLost
    }
}

extension DocumentReader {
    /// The enabled user whose `api_key` this is (`frappe.auth.validate_api_key_secret`).
    public func user(forAPIKey key: String) throws -> String? {
        try conn.query("SELECT name FROM tabUser WHERE api_key = ? AND enabled = 1", [.string(key)]).first?["name"].string
    }

    /// `frappe.get_roles` of an enabled user; nil when the user does not exist or is disabled.
    public func rolesOfEnabledUser(_ user: String) throws -> Set<String>? {
        guard try Roles.isEnabledUser(user, conn: conn) else { return nil }
        return try Roles.of(user, conn: conn)
    }
}

extension DocumentWriter {
    /// Adds the column a field of `doctype` needs when its table lacks it (a Custom Field's
    /// `ALTER TABLE`, as `frappe.db.updatedb` does). DDL commits on its own in MariaDB; the
    /// statement is `ADD COLUMN IF NOT EXISTS`, so a re-run is safe. True when it was added.
    @discardableResult
    public func addColumnIfMissing(_ field: DocField, to doctype: String) throws -> Bool {
        let meta = try self.meta(doctype)
        let existing = Set(try conn.query(
            "SELECT column_name AS c FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ?",
            [.string(meta.tableName)]).compactMap { $0["c"].string })
        guard !existing.contains(field.fieldname) else { return false }
        for statement in try Schema.addColumn(field, to: meta) { try conn.executeText(statement) }
        return true
    }
}

extension FrappeError {
    /// The Frappe error a failure of the database stands for, or nil when `error` is not one.
    public init?(database error: any Error) {
        guard let error = error as? MariaDBError else { return nil }
        self.init(mariaDB: error)
    }
}
