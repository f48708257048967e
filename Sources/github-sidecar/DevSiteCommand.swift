import ArgumentParser
import Foundation
import Frappe

struct DevSiteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev-site",
        abstract: "Standalone Frappe sites for demos and tests.",
        subcommands: [Create.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a site with the Frappe v15 + ERPNext schema and this app's DocTypes (flags as `bench new-site`).")

        @Option(help: "The bench directory (sites/ is created in it).") var bench: String
        @Option(help: "The site name, e.g. dev.localhost.") var site: String
        @Option(name: .customLong("db-host"), help: "MariaDB host.") var dbHost: String = "127.0.0.1"
        @Option(name: .customLong("db-port"), help: "MariaDB port.") var dbPort: Int = 3306
        @Option(name: .customLong("db-socket"), help: "MariaDB unix socket (instead of host and port).") var dbSocket: String?
        @Option(name: .customLong("db-root-username"), help: "A MariaDB user allowed to create databases and users.") var dbRootUsername: String = "root"
        @Option(name: .customLong("db-root-password"), help: "Its password (empty for unix-socket auth).") var dbRootPassword: String = ""
        @Option(help: "Folder with schema-v15-erpnext.sql and meta-v15.sql.") var frappeSchema: String = "../shared/fixtures/frappe"
        @Option(help: "The bridge app's package folder.") var app: String = "frappe_bridge/erpnext_github_integration"
        @Option(name: .customLong("time-zone"), help: "System Settings time zone.") var timeZone: String = "Asia/Kolkata"
        @Option(name: .customLong("redis-cache"), help: "redis_cache URL for site_config.json.") var redisCache: String?

        func run() async throws {
            let endpoint: DatabaseAddress = dbSocket.map { .unixSocket(path: $0) } ?? .tcp(host: dbHost, port: dbPort)
            let result = try await DevSite.create(DevSite.Request(
                bench: URL(fileURLWithPath: bench), site: site, endpoint: endpoint, rootUser: dbRootUsername, rootPassword: dbRootPassword,
                frappeFixtures: URL(fileURLWithPath: frappeSchema), appFolder: URL(fileURLWithPath: app), timeZone: timeZone,
                extraConfig: redisCache.map { ["redis_cache": $0] } ?? [:]))
            print("site:        \(site)  (database \(result.config.dbName), time zone \(timeZone))")
            print("config:      \(bench)/sites/\(site)/site_config.json")
            print("doctypes:    \(result.appDocTypes.joined(separator: ", "))")
            print("new tables:  \(result.createdTables.count)")
            print("admin api:   key \(result.apiKey) (secret stored encrypted in __Auth, shown once here)")
            print("auth header: Authorization: token \(result.apiKey):\(result.apiSecret)")
        }
    }
}
