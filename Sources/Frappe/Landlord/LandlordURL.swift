import Foundation
import MariaDB

/// `GITHUB_SIDECAR_LANDLORD=mariadb://USER:PASSWORD@HOST:PORT/DB` or `…@localhost/DB?socket=/path`.
/// User and password may be percent-encoded. The parsed value never prints the password.
public struct LandlordURL: Sendable, CustomStringConvertible {
    public let user: String
    let password: String
    public let database: String
    public let host: String?
    public let port: Int
    public let socket: String?

    public init(_ text: String) throws {
        guard let components = URLComponents(string: text), components.scheme == "mariadb" || components.scheme == "mysql" else {
            throw LandlordError.configuration("GITHUB_SIDECAR_LANDLORD must look like mariadb://USER:PASSWORD@HOST:PORT/DB")
        }
        guard let user = components.percentEncodedUser?.removingPercentEncoding, !user.isEmpty else {
            throw LandlordError.configuration("GITHUB_SIDECAR_LANDLORD names no user")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, database.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw LandlordError.configuration("GITHUB_SIDECAR_LANDLORD names no database (letters, digits and _ only)")
        }
        self.user = user
        self.password = components.percentEncodedPassword?.removingPercentEncoding ?? ""
        self.database = database
        self.socket = components.queryItems?.first { $0.name == "socket" }?.value
        self.host = components.host
        self.port = components.port ?? 3306
    }

    public init(user: String, password: String, database: String, host: String?, port: Int = 3306, socket: String? = nil) {
        self.user = user
        self.password = password
        self.database = database
        self.host = host
        self.port = port
        self.socket = socket
    }

    /// The URL text, with the password in it: for printing once by `landlord create`, never for logs.
    public var secretURL: String {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        let u = user.addingPercentEncoding(withAllowedCharacters: allowed) ?? user
        let p = password.addingPercentEncoding(withAllowedCharacters: allowed) ?? password
        if let socket {
            return "mariadb://\(u):\(p)@localhost/\(database)?socket=\(socket.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? socket)"
        }
        return "mariadb://\(u):\(p)@\(host ?? "127.0.0.1"):\(port)/\(database)"
    }

    public var description: String { "mariadb://\(user):***@\(socket ?? "\(host ?? "127.0.0.1"):\(port)")/\(database)" }

    var configuration: MariaDBConfiguration {
        let endpoint: MariaDBConfiguration.Endpoint = socket.map { .unixSocket(path: $0) } ?? .tcp(host: host ?? "127.0.0.1", port: port)
        return MariaDBConfiguration(endpoint: endpoint, user: user, password: password, database: database,
                                    sessionSetup: "SET SESSION time_zone = '+00:00'")
    }
}

/// Landlord failures, worded for an admin; never carrying a password.
public enum LandlordError: Error, Sendable, CustomStringConvertible, Equatable {
    case configuration(String)
    case unavailable(String)
    case conflict(String)
    case notFound(String)

    public var description: String {
        switch self {
        case .configuration(let m), .unavailable(let m), .conflict(let m), .notFound(let m): return m
        }
    }
}
