import Foundation
import Frappe
import GitHub
import Integration
import MariaDB
import Testing
import TestSupport

/// The running sidecar follows what is changed in Frappe (ARCHITECTURE §3.5a), without a restart:
/// each test changes the site as Frappe writes it, then drives the `github-sidecar` binary over
/// HTTP until it acts on the change. One site, so the tests run one after another.
@Suite("The sidecar sees site changes without a restart", .serialized)
struct FreshnessTests {
    static let doctype = "GitHub Webhook Delivery"

    func stored(_ running: FreshnessHarness.Running, _ delivery: String) async throws -> Document? {
        try await running.made.site.read { try $0.get(Self.doctype, delivery) }
    }

    @Test("a time zone changed in System Settings is the zone the next writes use")
    func timeZone() async throws {
        let running = try await FreshnessHarness.shared.start()
        let zone = "Pacific/Kiritimati"   // UTC+14, never near the site's Europe/Berlin
        try await running.made.site.write(user: "Administrator") { try $0.setSingle("System Settings", ["time_zone": .string(zone)]) }
        let clock = SiteClock(identifier: zone)
        try await watch(running, "deliveries are stamped in \(zone)") {
            let before = clock.local(Date().addingTimeInterval(-1))
            let (delivery, reply) = try await FreshnessHarness.shared.ping()
            let after = clock.local(Date().addingTimeInterval(1))
            guard reply.status == 202, case .datetime(let creation)? = try await stored(running, delivery)?["creation"] else { return false }
            return creation >= before && creation <= after
        }
        try await running.made.site.write(user: "Administrator") { try $0.setSingle("System Settings", ["time_zone": .string("Europe/Berlin")]) }
    }

    @Test("a Custom Field added in the desk gets its default written by the sidecar")
    func customField() async throws {
        let running = try await FreshnessHarness.shared.start()
        let fieldname = "custom_\(TestSite.unique("by"))"
        try await addCustomField(running, fieldname: fieldname, fieldtype: "Data", options: nil, default: "__user")
        try await watch(running, "deliveries carry \(fieldname)") {
            let (delivery, reply) = try await FreshnessHarness.shared.ping()
            guard reply.status == 202, let doc = try await stored(running, delivery) else { return false }
            return !(doc[fieldname].string ?? "").isEmpty
        }
    }

    @Test("Select options changed by a Property Setter are the options the sidecar validates against")
    func selectOptions() async throws {
        let running = try await FreshnessHarness.shared.start()
        let fieldname = "custom_\(TestSite.unique("lane"))"
        try await addCustomField(running, fieldname: fieldname, fieldtype: "Select", options: "Slow\nFast", default: "Slow")
        try await watch(running, "deliveries are stored with lane Slow") {
            let (delivery, reply) = try await FreshnessHarness.shared.ping()
            guard reply.status == 202 else { return false }
            return try await stored(running, delivery)?[fieldname].string == "Slow"
        }
        // Customize Form: the options become "Fast" only, so the default "Slow" is no longer allowed.
        let setter = "\(Self.doctype)-\(fieldname)-options"
        try await running.made.site.write(user: "Administrator") { w in
            try w.insert(Document("Property Setter", name: setter, [
                "doc_type": .string(Self.doctype), "field_name": .string(fieldname), "doctype_or_field": .string("DocField"),
                "property": .string("options"), "property_type": .string("Text"), "value": .string("Fast")]))
        }
        try await watch(running, "a delivery with lane Slow is refused") {
            let (_, reply) = try await FreshnessHarness.shared.ping()
            let json = try? Frappe.JSONValue.decode(reply.body)
            return reply.status == 417 && json?["exc_type"]?.string == "ValidationError"
                && String(decoding: reply.body, as: UTF8.self).contains("cannot be") && String(decoding: reply.body, as: UTF8.self).contains("Invalid Option")
        }
        // Reset to default in Customize Form deletes the Property Setter: Slow is allowed again.
        let root = try FrappeDesk.root(running.made)
        try root.execute("DELETE FROM `tabProperty Setter` WHERE name = ?", [.string(setter)])
        try await watch(running, "deliveries are accepted again") { try await FreshnessHarness.shared.ping().reply.status == 202 }
    }

    @Test("a webhook secret saved through Frappe on a site that had no encryption_key is read with the key Frappe created")
    func firstPasswordSavedByFrappe() async throws {
        let running = try await FreshnessHarness.shared.start()
        let root = try FrappeDesk.root(running.made)
        // The site has no key and no secret yet.
        try FrappeDesk.updateSiteConfig(running.bench, site: running.siteName) { $0["encryption_key"] = nil }
        try root.execute("DELETE FROM `__Auth` WHERE doctype = 'GitHub Settings' AND fieldname = 'webhook_secret'")
        try await watch(running, "unsigned-secret site refuses deliveries") { try await FreshnessHarness.shared.ping().reply.status != 202 }
        // Saving GitHub Settings in the desk: get_encryption_key creates the key, then the token goes to __Auth.
        let key = Fernet.generateKey()
        let secret = "frappe-saved-\(UUID().uuidString)"
        try FrappeDesk.updateSiteConfig(running.bench, site: running.siteName) { $0["encryption_key"] = key }
        try root.execute("""
            INSERT INTO `__Auth` (doctype, name, fieldname, password, encrypted) VALUES ('GitHub Settings', 'GitHub Settings', 'webhook_secret', ?, 1)
            ON DUPLICATE KEY UPDATE password = VALUES(password), encrypted = 1
            """, [.string(try Fernet(key: key).encrypt(secret))])
        await FreshnessHarness.shared.setSecret(secret)
        try await watch(running, "deliveries signed with the secret Frappe saved are accepted") {
            try await FreshnessHarness.shared.ping().reply.status == 202
        }
    }

    @Test("a site added to the bench gets webhook workers")
    func newSite() async throws {
        let running = try await FreshnessHarness.shared.start()
        guard let socket = ProcessInfo.processInfo.environment["SIDECAR_TEST_MARIADB_SOCKET"] else { throw TestSetupError("no MariaDB socket") }
        // `bench new-site` elsewhere, then the finished site folder appears in the sidecar's bench.
        let staging = TestScratch.folder("bench-fresh-staging")
        let siteName = "\(TestSite.unique("added")).localhost"
        let result = try await DevSite.create(DevSite.Request(
            bench: staging, site: siteName, endpoint: .unixSocket(path: socket), rootUser: "root", rootPassword: "",
            frappeFixtures: Paths.sharedFixture("frappe"),
            appFolder: Paths.packageRoot.appendingPathComponent("frappe_bridge/erpnext_github_integration"), timeZone: "Europe/Berlin"))
        let site = try await Site(config: result.config, poolSize: 2)
        defer { Task { try? await site.close() } }
        let secret = await FreshnessHarness.shared.secret
        try await FreshnessHarness.install(site, secret: secret)
        try FileManager.default.moveItem(at: Bench(path: staging).sitesDirectory.appendingPathComponent(siteName),
                                         to: running.bench.sitesDirectory.appendingPathComponent(siteName))
        var delivery = ""
        try await watch(running, "the new site accepts a delivery") {
            let (made, reply) = try await FreshnessHarness.shared.ping(site: siteName)
            delivery = made
            return reply.status == 202
        }
        let id = delivery
        try await watch(running, "a worker applies the new site's delivery") {
            let doc = try await site.read { try $0.get(Self.doctype, id) }
            return doc != nil && doc?["status"].string != "Queued"
        }
    }

    /// `waitUntil`, polling every 200 ms; a condition never met shows what the sidecar logged.
    func watch(_ running: FreshnessHarness.Running, _ what: String, _ condition: () async throws -> Bool) async throws {
        do {
            try await waitUntil(what, every: .milliseconds(200), condition)
        } catch {
            print("github-sidecar log:\n\(running.sidecar.logTail)\nlast ping answered: \(await FreshnessHarness.shared.lastReply)")
            throw error
        }
    }

    /// A Custom Field as the desk adds it: the column first (`updatedb`), then the meta row.
    func addCustomField(_ running: FreshnessHarness.Running, fieldname: String, fieldtype: String, options: String?, default value: String) async throws {
        var column = DocField(fieldname: fieldname, fieldtype: fieldtype, options: options)
        column.defaultValue = value
        let field = column
        try await running.made.site.write(user: "Administrator") { w in _ = try w.addColumnIfMissing(field, to: Self.doctype) }
        try await running.made.site.write(user: "Administrator") { w in
            var values: [String: FrappeValue] = ["dt": .string(Self.doctype), "fieldname": .string(fieldname), "label": .string(fieldname),
                                                 "fieldtype": .string(fieldtype), "default": .string(value), "insert_after": .string("status")]
            if let options { values["options"] = .string(options) }
            try w.insert(Document("Custom Field", name: "\(Self.doctype)-\(fieldname)", values))
        }
    }
}
