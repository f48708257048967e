import CMariaDB
import Foundation

/// libmariadb must be initialised once, before any concurrent `mysql_init`.
/// (`mysql_library_init` is a macro Swift cannot see; `mysql_server_init` is the function behind it.)
enum Library {
    static let initialized: Bool = mysql_server_init(0, nil, nil) == 0
}

/// One client connection. Every method blocks the calling thread: use it only from the
/// ``ConnectionPool``'s threads (or a test), never from an event loop or the cooperative pool.
///
/// A connection is used by one thread at a time; the pool guarantees that, hence `@unchecked Sendable`.
public final class Connection: @unchecked Sendable {
    public let configuration: MariaDBConfiguration
    private var handle: UnsafeMutablePointer<MYSQL>?
    private var statements: [String: PreparedStatement] = [:]
    private var needsReconnect = false
    /// True between `BEGIN` and `COMMIT`/`ROLLBACK` issued through ``transaction(_:)``.
    public private(set) var inTransaction = false
    /// Set while the session holds state a new connection would not have (a `GET_LOCK`): a lost
    /// connection is then never replaced silently; every later call fails until this is cleared,
    /// so the holder learns that its lock is gone.
    public var holdsSessionState = false
    /// How many times this connection has been (re)opened; a change means a new server session.
    public private(set) var generation = 0

    /// Prepared statements kept per connection; beyond this the cache is cleared.
    static let statementCacheLimit = 512

    public init(configuration: MariaDBConfiguration) throws {
        self.configuration = configuration
        try connect()
    }

    deinit { disconnect() }

    private func connect() throws {
        guard Library.initialized else { throw MariaDBError.client("libmariadb could not be initialised") }
        guard let h = mysql_init(nil) else { throw MariaDBError.client("mysql_init failed (out of memory)") }
        var connectTimeout = UInt32(configuration.connectTimeout)
        var ioTimeout = UInt32(configuration.readWriteTimeout)
        mysql_options(h, MYSQL_OPT_CONNECT_TIMEOUT, &connectTimeout)
        mysql_options(h, MYSQL_OPT_READ_TIMEOUT, &ioTimeout)
        mysql_options(h, MYSQL_OPT_WRITE_TIMEOUT, &ioTimeout)
        mysql_options(h, MYSQL_SET_CHARSET_NAME, "utf8mb4")
        let flags: UInt = configuration.multiStatements ? UInt(CLIENT_MULTI_STATEMENTS) : 0
        let connected: UnsafeMutablePointer<MYSQL>?
        switch configuration.endpoint {
        case .tcp(let host, let port):
            connected = withOptionalCString(configuration.database) { db in
                mysql_real_connect(h, host, configuration.user, configuration.password, db, UInt32(port), nil, flags)
            }
        case .unixSocket(let path):
            connected = withOptionalCString(configuration.database) { db in
                mysql_real_connect(h, "localhost", configuration.user, configuration.password, db, 0, path, flags)
            }
        }
        guard connected != nil else {
            let error = Self.error(of: h)
            mysql_close(h)
            throw error
        }
        handle = h
        needsReconnect = false
        generation += 1
        if let setup = configuration.sessionSetup {
            if mysql_real_query(h, setup, UInt(setup.utf8.count)) != 0 {
                let error = Self.error(of: h)
                disconnect()
                throw error
            }
        }
    }

    private func disconnect() {
        statements.removeAll()
        if let h = handle { mysql_close(h) }
        handle = nil
    }

    /// Drops the connection and opens a new one (prepared statements are re-prepared lazily).
    public func reconnect() throws {
        disconnect()
        inTransaction = false
        try connect()
    }

    static func error(of h: UnsafeMutablePointer<MYSQL>) -> MariaDBError {
        MariaDBError(code: mysql_errno(h), sqlState: String(cString: mysql_sqlstate(h)), message: String(cString: mysql_error(h)))
    }

    /// Runs `op`, reconnecting first if the previous call lost the connection.
    ///
    /// When the connection drops during `op`, `op` runs again on a fresh connection only if that
    /// cannot apply anything twice: outside a transaction, with no session state to lose, and
    /// either before the statement reached the server (`op` had not called `sent()`) or for a
    /// statement that only reads. An autocommit write whose answer was lost may have been applied,
    /// so its error goes to the caller instead of a second copy of the write.
    private func withLiveHandle<T>(rerunsAfterSending: Bool = false,
                                   _ op: (UnsafeMutablePointer<MYSQL>, _ sent: () -> Void) throws -> T) throws -> T {
        if needsReconnect || handle == nil {
            guard !inTransaction else { throw MariaDBError.client("connection lost inside a transaction") }
            guard !holdsSessionState else { throw Self.sessionLost }
            try reconnect()
        }
        guard let h = handle else { throw MariaDBError.client("not connected") }
        var wasSent = false
        do {
            return try op(h, { wasSent = true })
        } catch let error as MariaDBError where error.isConnectionLost {
            needsReconnect = true
            guard !inTransaction else { throw error }
            guard !holdsSessionState else { throw Self.sessionLost }
            guard !wasSent || rerunsAfterSending else { throw error }
            try reconnect()
            guard let fresh = handle else { throw error }
            return try op(fresh, {})
        }
    }

    /// The connection holding session state (a named lock) was lost, and the state with it.
    static let sessionLost = MariaDBError(code: 2013, sqlState: "HY000",
                                          message: "the connection was lost, and with it the session's named locks")

    /// Whether `sql` only reads, so running it again after a lost answer changes nothing.
    /// `GET_LOCK`/`RELEASE_LOCK` change the session and are not reads.
    static func isReadOnly(_ sql: String) -> Bool {
        let head = sql.drop(while: { $0.isWhitespace || $0 == "(" }).prefix(6).uppercased()
        guard head.hasPrefix("SELECT") || head.hasPrefix("SHOW") else { return false }
        let upper = sql.uppercased()
        return !upper.contains("GET_LOCK") && !upper.contains("RELEASE_LOCK") && !upper.contains("NEXTVAL")
    }

    /// `SELECT GET_LOCK(…)` with no session state held yet: a lock its lost session may have taken
    /// went with that session, so asking again on a fresh connection cannot take it twice. (Without
    /// this, the first lock after a database restart fails on every pooled connection once.)
    static func takesSessionLock(_ sql: String) -> Bool {
        sql.drop(while: \.isWhitespace).uppercased().hasPrefix("SELECT GET_LOCK(")
    }

    private func statement(_ sql: String, _ h: UnsafeMutablePointer<MYSQL>) throws -> PreparedStatement {
        if let cached = statements[sql] { return cached }
        if statements.count >= Self.statementCacheLimit { statements.removeAll() }
        let prepared = try PreparedStatement(handle: h, sql: sql)
        statements[sql] = prepared
        return prepared
    }

    /// Runs `sql` through its cached prepared statement.
    ///
    /// A table changed since the statement was prepared (Frappe adds a Custom Field's column
    /// with `ALTER TABLE` while we run) can give its result other columns: the client then
    /// refuses the answer with `CR_NEW_STMT_METADATA` (2057), whose rows are still unread. The
    /// statement reads them off (so the connection stays in step) and is dropped; one prepared
    /// anew sees the table as it is now. Only a statement with a result set gets 2057, and
    /// running a read again changes nothing.
    private func run(_ sql: String, _ binds: [MariaDBValue], _ h: UnsafeMutablePointer<MYSQL>,
                     _ sent: () -> Void) throws -> (rows: [Row], result: ExecResult) {
        let prepared = try statement(sql, h)
        sent()
        do {
            return try prepared.run(binds)
        } catch let error as MariaDBError where error.code == Self.newStatementMetadata {
            statements[sql] = nil
            return try statement(sql, h).run(binds)
        }
    }

    /// `CR_NEW_STMT_METADATA`.
    static let newStatementMetadata: UInt32 = 2057

    /// Runs a prepared statement that returns rows.
    public func query(_ sql: String, _ binds: [MariaDBValue] = []) throws -> [Row] {
        try withLiveHandle(rerunsAfterSending: Self.isReadOnly(sql) || Self.takesSessionLock(sql)) { h, sent in
            try run(sql, binds, h, sent).rows
        }
    }

    /// Runs a prepared statement that returns no rows (INSERT, UPDATE, DELETE). Never sent twice:
    /// a connection lost after the statement went out is the caller's error (see ``withLiveHandle``).
    @discardableResult
    public func execute(_ sql: String, _ binds: [MariaDBValue] = []) throws -> ExecResult {
        try withLiveHandle { h, sent in
            try run(sql, binds, h, sent).result
        }
    }

    /// Runs literal SQL through the text protocol, draining every result.
    ///
    /// Only for statements that cannot be prepared with values (DDL built from DocType meta,
    /// `BEGIN`/`COMMIT`, schema files). Never interpolate input into `sql`.
    public func executeText(_ sql: String) throws {
        let startsTransaction = sql == "START TRANSACTION"
        try withLiveHandle(rerunsAfterSending: startsTransaction) { h, sent in
            sent()
            let rc = sql.withCString { mysql_real_query(h, $0, UInt(strlen($0))) }
            if rc != 0 { throw Self.error(of: h) }
            while true {
                if let result = mysql_store_result(h) { mysql_free_result(result) }
                else if mysql_field_count(h) != 0 { throw Self.error(of: h) }
                let next = mysql_next_result(h)
                if next == -1 { break }
                if next > 0 { throw Self.error(of: h) }
            }
        }
    }

    /// Runs `body` in one transaction: commits when it returns, rolls back when it throws.
    public func transaction<T>(_ body: (Connection) throws -> T) throws -> T {
        guard !inTransaction else { return try body(self) }
        try executeText("START TRANSACTION")
        inTransaction = true
        do {
            let value = try body(self)
            try executeText("COMMIT")
            inTransaction = false
            return value
        } catch {
            inTransaction = false
            if !needsReconnect { try? executeText("ROLLBACK") }
            throw error
        }
    }

    /// Server round trip; reconnects if the connection had dropped.
    public func ping() throws {
        try withLiveHandle(rerunsAfterSending: true) { h, _ in if mysql_ping(h) != 0 { throw Self.error(of: h) } }
    }
}

private func withOptionalCString<R>(_ s: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let s else { return body(nil) }
    return s.withCString { body($0) }
}
