import Foundation
import MariaDB

/// The private MariaDB server that `make test` starts (scripts/services.sh), and throwaway
/// databases on it so every test starts from nothing.
public enum TestServer {
    /// Root over the unix socket (socket auth), as `scripts/services.sh` sets it up.
    public static func rootConfiguration(database: String? = nil, multiStatements: Bool = false) throws -> MariaDBConfiguration {
        guard let socket = ProcessInfo.processInfo.environment["SIDECAR_TEST_MARIADB_SOCKET"] else {
            throw TestSetupError("SIDECAR_TEST_MARIADB_SOCKET is not set: run the tests with `make test`")
        }
        return MariaDBConfiguration(endpoint: .unixSocket(path: socket), user: "root", password: "",
                                    database: database, multiStatements: multiStatements)
    }

    public static var tcpPort: Int? { ProcessInfo.processInfo.environment["SIDECAR_TEST_MARIADB_PORT"].flatMap(Int.init) }
    public static var redisURL: String? { ProcessInfo.processInfo.environment["SIDECAR_TEST_REDIS_URL"] }

    /// Creates an empty utf8mb4 database with a unique name and returns a connection to it.
    public static func freshDatabase(prefix: String = "t") throws -> (name: String, connection: Connection) {
        let name = "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
        let admin = try Connection(configuration: rootConfiguration())
        try admin.executeText("CREATE DATABASE `\(name)` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        return (name, try Connection(configuration: rootConfiguration(database: name)))
    }

    public static func drop(_ database: String) {
        try? Connection(configuration: rootConfiguration()).executeText("DROP DATABASE IF EXISTS `\(database)`")
    }
}

public struct TestSetupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Paths of the project and of `../shared` beside it (or `SIDECAR_SHARED_DIR`, which
/// `scripts/run-tests.sh` sets for a clone made away from `../shared`).
public enum Paths {
    /// The package root, found from this file's location (Tests/TestSupport/TestDatabase.swift).
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    public static let shared: URL = ProcessInfo.processInfo.environment["SIDECAR_SHARED_DIR"].map { URL(fileURLWithPath: $0) }
        ?? packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
    public static func sharedFixture(_ relative: String) -> URL { shared.appendingPathComponent("fixtures").appendingPathComponent(relative) }

    /// An executable built beside the running test bundle (`swift build --build-tests` builds them all).
    public static func builtProduct(_ name: String) throws -> URL {
        let candidates = [Bundle.main.executableURL?.deletingLastPathComponent(), Bundle.main.bundleURL.deletingLastPathComponent()]
            .compactMap { $0?.appendingPathComponent(name) }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw TestSetupError("\(name) is not built next to the tests (\(candidates.map(\.path))): run `make test`")
        }
        return found
    }
}
