/// An error reported by the MariaDB server or the client library.
///
/// Carries the server's error number and SQLSTATE so callers can tell a duplicate key (1062,
/// `23000`) from a lost connection (2006/2013) without parsing messages.
public struct MariaDBError: Error, CustomStringConvertible, Sendable, Equatable {
    /// MariaDB error number (`ER_*` from the server, `CR_*` from the client).
    public let code: UInt32
    /// Five-character SQLSTATE, `HY000` when the server gave none.
    public let sqlState: String
    public let message: String

    public init(code: UInt32, sqlState: String, message: String) {
        self.code = code
        self.sqlState = sqlState
        self.message = message
    }

    public var description: String { "MariaDB error \(code) (\(sqlState)): \(message)" }

    /// `ER_DUP_ENTRY`: a unique or primary key already holds this value.
    public var isDuplicateKey: Bool { code == 1062 || code == 1586 }
    /// `ER_LOCK_DEADLOCK` / `ER_LOCK_WAIT_TIMEOUT`: the transaction may be retried as a whole.
    public var isRetryableTransaction: Bool { code == 1213 || code == 1205 }
    /// `ER_NO_SUCH_TABLE`.
    public var isMissingTable: Bool { code == 1146 }
    /// `ER_BAD_FIELD_ERROR`.
    public var isUnknownColumn: Bool { code == 1054 }
    /// The connection is gone (`CR_SERVER_GONE_ERROR`, `CR_SERVER_LOST`, `CR_CONNECTION_ERROR`,
    /// `CR_CONN_HOST_ERROR`, `ER_CONNECTION_KILLED`): a fresh connection may succeed.
    public var isConnectionLost: Bool { [2002, 2003, 2006, 2013, 2055, 1927].contains(code) }

    static func client(_ message: String) -> MariaDBError {
        MariaDBError(code: 2000, sqlState: "HY000", message: message)
    }
}
