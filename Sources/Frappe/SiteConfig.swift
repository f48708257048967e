import Foundation
import MariaDB

/// A Frappe bench directory: `sites/common_site_config.json` and one folder per site.
public struct Bench: Sendable {
    public let path: URL

    public init(path: URL) { self.path = path }

    public var sitesDirectory: URL { path.appendingPathComponent("sites") }

    /// `sites/<site>/site_config.json`.
    public func siteConfigFile(_ site: String) -> URL {
        sitesDirectory.appendingPathComponent(site).appendingPathComponent("site_config.json")
    }

    /// `sites/common_site_config.json`.
    public var commonConfigFile: URL { sitesDirectory.appendingPathComponent("common_site_config.json") }

    /// Sites are folders of `sites/` holding a `site_config.json`.
    public func siteNames() -> [String] {
        let items = (try? FileManager.default.contentsOfDirectory(atPath: sitesDirectory.path)) ?? []
        return items.filter {
            FileManager.default.fileExists(atPath: sitesDirectory.appendingPathComponent($0).appendingPathComponent("site_config.json").path)
        }.sorted()
    }

    /// `common_site_config.json` overlaid by the site's `site_config.json`, as `frappe.get_site_config` does.
    public func config(for site: String) throws -> SiteConfig {
        guard SiteConfig.isValidSiteName(site), siteNames().contains(site) else {
            throw FrappeError.notFound("Site \(site) does not exist")
        }
        var merged = Self.readJSON(sitesDirectory.appendingPathComponent("common_site_config.json")) ?? [:]
        guard let own = Self.readJSON(sitesDirectory.appendingPathComponent(site).appendingPathComponent("site_config.json")) else {
            throw FrappeError.notFound("Site \(site) has an unreadable site_config.json")
        }
        merged.merge(own) { _, new in new }
        return try SiteConfig(site: site, values: merged, bench: self)
    }

    /// The site a request is for: `X-Frappe-Site-Name`, else the `Host` header without its port
    /// (`frappe.utils.get_site_name`).
    public func resolveSite(siteHeader: String?, host: String?) throws -> String {
        if let header = siteHeader?.trimmingCharacters(in: .whitespaces), !header.isEmpty { return header }
        if let host, let name = host.split(separator: ":").first.map(String.init), !name.isEmpty { return name }
        throw FrappeError.notFound("No site given: send X-Frappe-Site-Name or Host")
    }

    static func readJSON(_ url: URL) -> [String: Any]? {
        guard let data = try? Data(contentsOf: url) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }
}

/// What the sidecar needs from a site's configuration. Secrets are kept out of `description`.
public struct SiteConfig: Sendable, CustomStringConvertible {
    public let site: String
    public let dbName: String
    public let dbPassword: String
    public let dbHost: String
    public let dbPort: Int
    public let dbSocket: String?
    public let encryptionKey: String?
    public let redisCache: String?
    /// Where realtime events go: `redis_socketio` (v14) or `redis_queue` (v15).
    public let redisEvents: String?
    public let sidecarSecret: String?
    public let sidecarURL: String?
    public let hostName: String?
    /// The bench the files were read from (nil for a config built from values alone); a site
    /// opened from a bench re-reads its files when they change.
    public let bench: Bench?

    public init(site: String, values: [String: Any], bench: Bench? = nil) throws {
        self.site = site
        self.bench = bench
        guard let dbName = values["db_name"] as? String, !dbName.isEmpty else {
            throw FrappeError.notFound("Site \(site) has no db_name in site_config.json")
        }
        self.dbName = dbName
        dbPassword = values["db_password"] as? String ?? ""
        dbHost = values["db_host"] as? String ?? "127.0.0.1"
        dbPort = (values["db_port"] as? Int) ?? Int(values["db_port"] as? String ?? "") ?? 3306
        dbSocket = values["db_socket"] as? String
        encryptionKey = values["encryption_key"] as? String
        redisCache = values["redis_cache"] as? String
        redisEvents = (values["redis_socketio"] as? String) ?? (values["redis_queue"] as? String)
        sidecarSecret = values["github_sidecar_secret"] as? String
        sidecarURL = values["github_sidecar_url"] as? String
        hostName = values["host_name"] as? String
    }

    /// Frappe logs in as the user named like the database (`frappe.connect`).
    public var database: MariaDBConfiguration {
        let endpoint: MariaDBConfiguration.Endpoint = dbSocket.map { .unixSocket(path: $0) } ?? .tcp(host: dbHost, port: dbPort)
        // READ COMMITTED: a `SELECT … FOR UPDATE` of names that do not exist yet takes no gap
        // locks, so concurrent inserts of different documents cannot deadlock each other.
        return MariaDBConfiguration(endpoint: endpoint, user: dbName, password: dbPassword, database: dbName,
                                    sessionSetup: "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
    }

    public var description: String { "site \(site) (db \(dbName))" }

    /// Site names are host names: letters, digits, dots, dashes, underscores; never a path.
    public static func isValidSiteName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 255 && !name.hasPrefix(".") && !name.contains("..")
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_") }
    }
}

/// Where a MariaDB server listens, for commands that connect as its administrator (dev sites,
/// the landlord database): Frappe's `db_host`/`db_port` or `db_socket`.
public enum DatabaseAddress: Sendable, Equatable {
    case tcp(host: String, port: Int)
    case unixSocket(path: String)

    var endpoint: MariaDBConfiguration.Endpoint {
        switch self {
        case .tcp(let host, let port): return .tcp(host: host, port: port)
        case .unixSocket(let path): return .unixSocket(path: path)
        }
    }
}
