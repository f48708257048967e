import Foundation
import Frappe
import MariaDB

/// One dev site per test process, made by ``DevSite`` exactly as `github-sidecar dev-site create`
/// makes it: the real Frappe v15 + ERPNext schema from `../shared/fixtures/frappe` plus the
/// bridge's DocTypes. Tests share it and use names of their own, so they can run in parallel.
public enum TestSite {
    public struct Made: Sendable {
        public let site: Site
        public let result: DevSite.Result
        public let bench: URL
    }

    private static let made = Task<Made, Error> {
        let bench = TestScratch.folder("bench")
        guard let socket = ProcessInfo.processInfo.environment["SIDECAR_TEST_MARIADB_SOCKET"] else {
            throw TestSetupError("SIDECAR_TEST_MARIADB_SOCKET is not set: run the tests with `make test`")
        }
        let request = DevSite.Request(
            bench: bench, site: "test.localhost", endpoint: .unixSocket(path: socket), rootUser: "root", rootPassword: "",
            frappeFixtures: Paths.sharedFixture("frappe"),
            appFolder: Paths.packageRoot.appendingPathComponent("frappe_bridge/erpnext_github_integration"),
            timeZone: "Asia/Kolkata")
        let result = try await DevSite.create(request)
        let site = try await Site(config: result.config, poolSize: 8)
        return Made(site: site, result: result, bench: bench)
    }

    public static func shared() async throws -> Made { try await made.value }

    private static let dedicatedSites = DedicatedSites()

    /// A site of its own, for tests that need settings no other test touches. With `ownBench`, it
    /// also lives in a bench of its own, so no sidecar process started on the shared bench (whose
    /// webhook workers serve every site there) ever touches it.
    public static func dedicated(_ name: String, ownBench: Bool = false) async throws -> Made {
        let shared = try await made.value
        let bench = ownBench
            ? TestScratch.folder("bench-\(name)")
            : shared.bench
        return try await dedicatedSites.site(name, bench: bench)
    }

    /// A root connection to the shared site's database (for checks with plain SQL).
    public static func rootConnection() async throws -> Connection {
        let made = try await shared()
        return try Connection(configuration: TestServer.rootConfiguration(database: made.result.config.dbName))
    }

    /// A short unique token for names in one test.
    public static func unique(_ prefix: String = "t") -> String { "\(prefix)\(UUID().uuidString.prefix(8).lowercased())" }
}

actor DedicatedSites {
    private var sites: [String: Task<TestSite.Made, Error>] = [:]

    /// One site per name, even when suites ask concurrently (the task is stored before any await).
    func site(_ name: String, bench: URL) async throws -> TestSite.Made {
        if let site = sites[name] { return try await site.value }
        let task = Task { try await Self.make(name, bench: bench) }
        sites[name] = task
        return try await task.value
    }

    private static func make(_ name: String, bench: URL) async throws -> TestSite.Made {
        guard let socket = ProcessInfo.processInfo.environment["SIDECAR_TEST_MARIADB_SOCKET"] else {
            throw TestSetupError("SIDECAR_TEST_MARIADB_SOCKET is not set: run the tests with `make test`")
        }
        let result = try await DevSite.create(DevSite.Request(
            bench: bench, site: "\(name).localhost", endpoint: .unixSocket(path: socket), rootUser: "root", rootPassword: "",
            frappeFixtures: Paths.sharedFixture("frappe"),
            appFolder: Paths.packageRoot.appendingPathComponent("frappe_bridge/erpnext_github_integration"), timeZone: "Europe/Berlin"))
        return TestSite.Made(site: try await Site(config: result.config, poolSize: 6), result: result, bench: bench)
    }
}
