/// How to reach a MariaDB server.
public struct MariaDBConfiguration: Sendable, Hashable {
    public enum Endpoint: Sendable, Hashable {
        case tcp(host: String, port: Int)
        case unixSocket(path: String)
    }

    public var endpoint: Endpoint
    public var user: String
    public var password: String
    /// Database to select; nil for none (server-level work such as `CREATE DATABASE`).
    public var database: String?
    /// Seconds to wait for a connection, and for each read or write on it.
    public var connectTimeout: Int
    public var readWriteTimeout: Int
    /// Allow several `;`-separated statements in one text query (schema loading only).
    public var multiStatements: Bool
    /// Run on every new connection, before first use (e.g. the transaction isolation level).
    public var sessionSetup: String?

    public init(endpoint: Endpoint, user: String, password: String, database: String?,
                connectTimeout: Int = 10, readWriteTimeout: Int = 120, multiStatements: Bool = false, sessionSetup: String? = nil) {
        self.endpoint = endpoint
        self.user = user
        self.password = password
        self.database = database
        self.connectTimeout = connectTimeout
        self.readWriteTimeout = readWriteTimeout
        self.multiStatements = multiStatements
        self.sessionSetup = sessionSetup
    }
}

extension MariaDBConfiguration: CustomStringConvertible {
    /// Never prints the password.
    public var description: String {
        let target: String
        switch endpoint {
        case .tcp(let host, let port): target = "\(host):\(port)"
        case .unixSocket(let path): target = path
        }
        return "mariadb://\(user)@\(target)/\(database ?? "")"
    }
}
