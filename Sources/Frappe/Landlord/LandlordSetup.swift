import Foundation
import MariaDB

/// `github-sidecar landlord create`: a database and a user of the sidecar's own, as `bench
/// new-site` makes one for a site (names and password generated here, hex only: nothing from the
/// command line reaches the SQL text), then the tables. Returns the `GITHUB_SIDECAR_LANDLORD` URL.
public enum LandlordSetup {
    public enum Endpoint: Sendable {
        case tcp(host: String, port: Int)
        case socket(String)
    }

    public static func create(rootUser: String, rootPassword: String, endpoint: Endpoint) async throws -> LandlordURL {
        let suffix = randomHex(12)
        let name = "github_sidecar_" + suffix
        let password = randomHex(24)
        let mariaEndpoint: MariaDBConfiguration.Endpoint
        switch endpoint {
        case .tcp(let host, let port): mariaEndpoint = .tcp(host: host, port: port)
        case .socket(let path): mariaEndpoint = .unixSocket(path: path)
        }
        do {
            let admin = try Connection(configuration: MariaDBConfiguration(endpoint: mariaEndpoint, user: rootUser, password: rootPassword, database: nil))
            try admin.executeText("CREATE DATABASE `\(name)` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
            for host in ["localhost", "127.0.0.1", "%"] {
                try admin.executeText("CREATE USER IF NOT EXISTS '\(name)'@'\(host)' IDENTIFIED BY '\(password)'")
                try admin.executeText("GRANT ALL PRIVILEGES ON `\(name)`.* TO '\(name)'@'\(host)'")
            }
            try admin.executeText("FLUSH PRIVILEGES")
        } catch let error as MariaDBError {
            throw LandlordError.unavailable("Could not create the landlord database (MariaDB error \(error.code): \(error.message))")
        }
        let url: LandlordURL
        switch endpoint {
        case .tcp(let host, let port): url = LandlordURL(user: name, password: password, database: name, host: host, port: port)
        case .socket(let path): url = LandlordURL(user: name, password: password, database: name, host: "localhost", socket: path)
        }
        let store = try await LandlordStore.open(url, poolSize: 1)
        try await store.close()
        return url
    }

    static func randomHex(_ count: Int) -> String {
        var rng = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in Array("0123456789abcdef")[Int(rng.next() % 16)] })
    }
}
