import Foundation
import Logging
import MariaDB

/// A standalone Frappe site for demos and tests, made the way `bench new-site` would leave it:
/// a database and its user, the real Frappe v15 + ERPNext schema and meta, System Settings
/// with a time zone, Administrator and Guest, a `site_config.json`, and an app's DocTypes.
public enum DevSite {
    public struct Request: Sendable {
        public var bench: URL
        public var site: String
        public var endpoint: DatabaseAddress
        public var rootUser: String
        public var rootPassword: String
        /// Folder holding `schema-v15-erpnext.sql` and `meta-v15.sql`.
        public var frappeFixtures: URL
        /// The app's package folder, e.g. `frappe_bridge/erpnext_github_integration`.
        public var appFolder: URL
        public var timeZone: String
        /// Extra keys for site_config.json (e.g. `redis_cache`).
        public var extraConfig: [String: String]

        public init(bench: URL, site: String, endpoint: DatabaseAddress, rootUser: String, rootPassword: String,
                    frappeFixtures: URL, appFolder: URL, timeZone: String = "Asia/Kolkata", extraConfig: [String: String] = [:]) {
            self.bench = bench
            self.site = site
            self.endpoint = endpoint
            self.rootUser = rootUser
            self.rootPassword = rootPassword
            self.frappeFixtures = frappeFixtures
            self.appFolder = appFolder
            self.timeZone = timeZone
            self.extraConfig = extraConfig
        }
    }

    public struct Result: Sendable {
        public let config: SiteConfig
        /// Administrator's API key and secret (`Authorization: token key:secret`).
        public let apiKey: String
        public let apiSecret: String
        public let appDocTypes: [String]
        public let createdTables: [String]
        /// True when the site got ``MinimalCore`` because the real schema dump was absent.
        public let minimalCore: Bool
    }

    public static func create(_ request: Request, logger: Logger = Logger(label: "frappe.dev-site")) async throws -> Result {
        let started = ContinuousClock.now
        let step: @Sendable (String) -> Void = { what in logger.info("\(what) (\(ContinuousClock.now - started))") }
        guard SiteConfig.isValidSiteName(request.site) else { throw FrappeError.validation("Invalid site name \(request.site)") }
        let siteDir = request.bench.appendingPathComponent("sites").appendingPathComponent(request.site)
        guard !FileManager.default.fileExists(atPath: siteDir.appendingPathComponent("site_config.json").path) else {
            throw FrappeError.validation("Site \(request.site) already exists")
        }
        let schemaFile = request.frappeFixtures.appendingPathComponent("schema-v15-erpnext.sql")
        let metaFile = request.frappeFixtures.appendingPathComponent("meta-v15.sql")
        // Without the real dump, the site gets ``MinimalCore`` (and says so).
        let realSchema = FileManager.default.fileExists(atPath: schemaFile.path) && FileManager.default.fileExists(atPath: metaFile.path)
        let doctypes = try DocTypeJSON.loadAll(under: request.appFolder)
        guard !doctypes.isEmpty else { throw FrappeError.validation("No DocType JSON files under \(request.appFolder.path)") }

        let dbName = "_" + randomHex(16)
        let dbPassword = randomHex(16)
        let root = MariaDBConfiguration(endpoint: request.endpoint.endpoint, user: request.rootUser, password: request.rootPassword,
                                        database: nil, readWriteTimeout: 600, multiStatements: true)
        // Steps 1 and 2 are blocking libmariadb calls that take seconds to minutes (the schema
        // dump): they run on a thread of their own, never on the cooperative pool, where (2
        // threads on 2 cores) they would stall every other task of the process, servers included.
        let timeZone = request.timeZone, fixturesPath = request.frappeFixtures.path
        let blocking = ConnectionPool(configuration: root, size: 1)
        let createdTables: [String]
        do {
            createdTables = try await blocking.withConnection { admin in
                // 1. Database and its user (both names generated here: hex only, nothing from input).
                try admin.executeText("CREATE DATABASE `\(dbName)` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
                for host in ["localhost", "127.0.0.1", "%"] {
                    try admin.executeText("CREATE USER IF NOT EXISTS '\(dbName)'@'\(host)' IDENTIFIED BY '\(dbPassword)'")
                    try admin.executeText("GRANT ALL PRIVILEGES ON `\(dbName)`.* TO '\(dbName)'@'\(host)'")
                }
                try admin.executeText("FLUSH PRIVILEGES")
                step("database \(dbName) and its user created")

                // 2. The real Frappe v15 + ERPNext schema and meta rows.
                var rootOnSite = root
                rootOnSite.database = dbName
                let loader = try Connection(configuration: rootOnSite)
                if realSchema {
                    try loader.executeText(try sqlFile(schemaFile))
                    step("Frappe v15 + ERPNext schema loaded")
                    try loader.executeText(try sqlFile(metaFile))
                    step("Frappe meta rows loaded")
                } else {
                    try MinimalCore.install(conn: loader, now: SiteClock(identifier: timeZone).now())
                    logger.warning("no Frappe schema in \(fixturesPath): installed the minimal core set (\(MinimalCore.doctypes.count) DocTypes)")
                }
                return try AppInstaller.createTables(for: doctypes, conn: loader)
            }
        } catch {
            try? await blocking.shutdown()
            throw error
        }
        try? await blocking.shutdown()

        // 3. site_config.json, as bench writes it.
        var config: [String: Any] = ["db_name": dbName, "db_password": dbPassword, "db_type": "mariadb",
                                     "encryption_key": Fernet.generateKey(), "github_sidecar_secret": randomHex(32)]
        switch request.endpoint {
        case .tcp(let host, let port): config["db_host"] = host; config["db_port"] = port
        case .unixSocket(let path): config["db_socket"] = path
        }
        for (k, v) in request.extraConfig { config[k] = v }
        try FileManager.default.createDirectory(at: siteDir, withIntermediateDirectories: true)
        let common = request.bench.appendingPathComponent("sites").appendingPathComponent("common_site_config.json")
        if !FileManager.default.fileExists(atPath: common.path) { try Data("{}\n".utf8).write(to: common) }
        try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys]).write(to: siteDir.appendingPathComponent("site_config.json"))
        let siteConfig = try Bench(path: request.bench).config(for: request.site)

        // 4. Through the site's own user: settings, users, the app's meta rows.
        let site = try await Site(config: siteConfig, poolSize: 1)
        defer { Task { try? await site.close() } }
        let apiKey = randomHex(15)
        let apiSecret = randomHex(15)
        try await site.write(user: "Administrator") { w in
            try w.setSingle("System Settings", ["time_zone": .string(timeZone), "setup_complete": .int(0)])
            if try w.get("Module Def", "Erpnext Github Integration") == nil {
                try w.insert(Document("Module Def", name: "Erpnext Github Integration",
                                      ["module_name": "Erpnext Github Integration", "app_name": "erpnext_github_integration"]))
            }
            try w.insert(Document("User", name: "Administrator", [
                "email": "admin@example.com", "first_name": "Administrator", "enabled": .int(1), "user_type": "System User",
                "api_key": .string(apiKey), "api_secret": .string(apiSecret),
            ], children: ["roles": [Document("Has Role", ["role": "Administrator"]), Document("Has Role", ["role": "System Manager"])]]))
            try w.insert(Document("User", name: "Guest", ["email": "guest@example.com", "first_name": "Guest", "enabled": .int(1),
                                                          "user_type": "Website User"],
                                  children: ["roles": [Document("Has Role", ["role": "Guest"])]]))
            try AppInstaller.writeMeta(for: doctypes, writer: w)
        }
        step("settings, users and app meta written")
        try await site.refresh()
        return Result(config: siteConfig, apiKey: apiKey, apiSecret: apiSecret,
                      appDocTypes: doctypes.map(\.meta.name), createdTables: createdTables, minimalCore: !realSchema)
    }

    /// A dump file's text, less the `/*M!999999\- enable the sandbox mode */` line that older clients reject.
    static func sqlFile(_ url: URL) throws -> String {
        var text = try String(contentsOf: url, encoding: .utf8)
        if text.hasPrefix("/*M!999999"), let newline = text.firstIndex(of: "\n") { text.removeSubrange(...newline) }
        return text
    }

    static func randomHex(_ count: Int) -> String {
        var rng = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in Array("0123456789abcdef")[Int(rng.next() % 16)] })
    }
}
