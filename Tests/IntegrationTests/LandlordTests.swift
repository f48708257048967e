import Foundation
import Frappe
import Testing
import TestSupport

/// The landlord database: made by `github-sidecar landlord create`, tables on open, and the
/// rules the App relies on (one link per site and installation, single-use states, claims that
/// never hand one delivery to two workers, the Sync Now slot).
@Suite("Landlord store")
struct LandlordTests {
    static func socket() throws -> String {
        guard let socket = ProcessInfo.processInfo.environment["SIDECAR_TEST_MARIADB_SOCKET"] else {
            throw TestSetupError("SIDECAR_TEST_MARIADB_SOCKET is not set: run the tests with scripts/services.sh")
        }
        return socket
    }

    static func store() async throws -> LandlordStore {
        try await LandlordStore.open(try await LandlordSetup.create(rootUser: "root", rootPassword: "", endpoint: .socket(try socket())))
    }

    @Test("`github-sidecar landlord create` makes the database and user and prints a URL that opens; it hides nothing it should show")
    func createCommand() async throws {
        let process = Process()
        process.executableURL = EndToEnd.sidecarBinary
        process.arguments = ["landlord", "create", "--db-root-username", "root", "--db-socket", try Self.socket()]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let line = try #require(String(decoding: data, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix("GITHUB_SIDECAR_LANDLORD=") })
        let url = try LandlordURL(String(line.dropFirst("GITHUB_SIDECAR_LANDLORD=".count)))
        #expect(url.socket == (try Self.socket()) && url.database.hasPrefix("github_sidecar_"))
        #expect(!"\(url)".contains(String(line.split(separator: ":")[2].prefix(8))), "description hides the password")
        let store = try await LandlordStore.open(url)
        #expect(try await store.installation(id: 1) == nil)
        try await store.close()
    }

    @Test("URLs: TCP and socket forms parse; garbage is a clear error")
    func urls() throws {
        let tcp = try LandlordURL("mariadb://app:p%40ss@db.internal:3307/landlord")
        #expect(tcp.user == "app" && tcp.host == "db.internal" && tcp.port == 3307 && tcp.database == "landlord" && tcp.socket == nil)
        #expect(!tcp.description.contains("p@ss") && tcp.secretURL.contains("p%40ss"))
        let socket = try LandlordURL("mariadb://app:pw@localhost/landlord?socket=/run/mysqld/mysqld.sock")
        #expect(socket.socket == "/run/mysqld/mysqld.sock")
        for bad in ["postgres://a:b@h/db", "mariadb://h/db", "mariadb://a:b@h/", "mariadb://a:b@h/bad-name;drop"] {
            #expect(throws: LandlordError.self) { _ = try LandlordURL(bad) }
        }
    }

    @Test("A state is used once; an unknown or expired one is told apart")
    func states() async throws {
        let store = try await Self.store()
        try await store.storeState(nonce: String(repeating: "a", count: 32), site: "s1", user: "u", expiresAt: Date().addingTimeInterval(60))
        try await store.storeState(nonce: String(repeating: "b", count: 32), site: "s1", user: "u", expiresAt: Date().addingTimeInterval(-1))
        async let first = store.consumeState(nonce: String(repeating: "a", count: 32))
        async let second = store.consumeState(nonce: String(repeating: "a", count: 32))
        let uses = try await [first, second]
        #expect(uses.filter { $0 == .fresh }.count == 1 && uses.contains(.alreadyUsed), "two callbacks at once: one wins")
        #expect(try await store.consumeState(nonce: String(repeating: "b", count: 32)) == .expired)
        #expect(try await store.consumeState(nonce: String(repeating: "c", count: 32)) == .unknown)
        try await store.close()
    }

    @Test("An installation links to one site and a site to one installation; linking a disconnected one revives it")
    func links() async throws {
        let store = try await Self.store()
        for id: Int64 in [1, 2, 3] {
            try await store.upsertInstallation(id: id, appID: 9, accountLogin: "acme", accountType: "Organization", accountID: 5, announced: true)
        }
        try await store.link(installationID: 1, site: "a.localhost", user: "Administrator")
        try await store.link(installationID: 1, site: "a.localhost", user: "Administrator")   // again: harmless
        await #expect(throws: LandlordError.self) { try await store.link(installationID: 1, site: "b.localhost", user: "x") }
        await #expect(throws: LandlordError.self) { try await store.link(installationID: 2, site: "a.localhost", user: "x") }
        await #expect(throws: LandlordError.self) { try await store.link(installationID: 99, site: "c.localhost", user: "x") }
        try await store.softDelete(installationID: 3)
        #expect(try await store.installation(id: 3)?.deletedAt != nil)
        try await store.link(installationID: 3, site: "c.localhost", user: "x")
        let revived = try await store.installation(id: 3)
        #expect(revived?.deletedAt == nil && revived?.site == "c.localhost" && revived?.lastSite == "c.localhost")
        #expect(try await store.installation(site: "a.localhost")?.installationID == 1)
        #expect(try await store.softDelete(installationID: 1) == "a.localhost")
        #expect(try await store.installation(site: "a.localhost") == nil)
        #expect(try await store.installation(id: 1)?.lastSite == "a.localhost", "kept, so that site may link it again")
        try await store.close()
    }

    @Test("Claims never give one delivery to two workers; a redelivery is stored once; a lease that runs out frees it again")
    func claims() async throws {
        let store = try await Self.store()
        for index in 0..<20 {
            #expect(try await store.enqueue(deliveryID: "d\(index)", event: "push", action: nil, installationID: 1, payload: "{}"))
        }
        #expect(try await store.enqueue(deliveryID: "d0", event: "push", action: nil, installationID: 1, payload: "{}") == false)
        let claimed = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var mine: [String] = []
                    while let delivery = try await store.claimNext(lease: 300) { mine.append(delivery.deliveryID) }
                    return mine
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(claimed.count == 20 && Set(claimed).count == 20)
        for id in claimed { try await store.finish(deliveryID: id, status: "Applied", note: nil) }
        #expect(try await store.pendingCount() == 0)

        _ = try await store.enqueue(deliveryID: "lease", event: "push", action: nil, installationID: 1, payload: "{}")
        let leased = try #require(try await store.claimNext(lease: 300))
        #expect(try await store.claimNext(lease: 300) == nil, "held by its worker")
        let later = try #require(try await store.claimNext(lease: 300, now: Date().addingTimeInterval(301)), "a killed worker's claim comes back")
        #expect(later.deliveryID == leased.deliveryID && later.attempts == 2)
        try await store.close()
    }

    @Test("The Sync Now slot: one of two concurrent clicks wins; the other learns the seconds left")
    func manualSyncSlot() async throws {
        let store = try await Self.store()
        try await store.upsertInstallation(id: 7, appID: 9, accountLogin: "acme", accountType: "User", accountID: 5, announced: true)
        let now = Date()
        async let a = store.claimManualSync(installationID: 7, interval: 300, now: now)
        async let b = store.claimManualSync(installationID: 7, interval: 300, now: now)
        let results = try await [a, b]
        #expect(results.filter { $0 == nil }.count == 1)
        let left = try #require(results.compactMap { $0 }.first)
        #expect(left > 290 && left <= 300)
        #expect(try await store.claimManualSync(installationID: 7, interval: 300, now: now.addingTimeInterval(301)) == nil)
        try await store.close()
    }
}
