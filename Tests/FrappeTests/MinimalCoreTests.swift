import Foundation
@testable import Frappe
import Integration
import MariaDB
import TestSupport
import Testing

/// `dev-site create` without the real Frappe schema dump falls back to the minimal core set, and
/// the sidecar's work still runs on it.
@Suite("Dev site with the minimal core set")
struct MinimalCoreTests {
    @Test("a site made without the schema dump installs, names, writes children, Singles and passwords")
    func minimalSite() async throws {
        let made = try await TestSite.shared()
        let socket = try #require(ProcessInfo.processInfo.environment["SIDECAR_TEST_MARIADB_SOCKET"])
        let empty = TestScratch.folder("no-schema")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let result = try await DevSite.create(DevSite.Request(
            bench: made.bench, site: "minimal.localhost", endpoint: .unixSocket(path: socket), rootUser: "root", rootPassword: "",
            frappeFixtures: empty, appFolder: Paths.packageRoot.appendingPathComponent("frappe_bridge/erpnext_github_integration"),
            timeZone: "America/New_York"))
        #expect(result.minimalCore)
        let site = try await Site(config: result.config, poolSize: 2)
        #expect(site.clock.timeZone.identifier == "America/New_York")

        let install = try await Install.run(site: site, user: "Administrator")
        #expect(install.createdRole && install.addedColumns.count == Install.customFields.count)
        let (project, issue) = try await site.write(user: "Administrator") { w -> (String, Document) in
            let project = try w.insert(Document("Project", ["project_name": "Minimal", "repository": "octo/min"])).name ?? ""
            try w.insert(Document("Repository", ["full_name": "octo/min"]))
            let issue = try w.insert(Document("Repository Issue", ["repository": "octo/min", "issue_number": 1, "title": "First"], children: [
                "assignees_table": [Document("Repository Issue Assignee", ["issue": "octo/min-#1", "github_username": "alice"])]]))
            try w.setSingle("GitHub Settings", ["personal_access_token": "tok-123", "enabled": .int(1)])
            return (project, issue)
        }
        #expect(project == "PROJ-0001")
        #expect(issue.name == "octo/min-#1")
        #expect(issue.children["assignees_table"]?.first?.name?.count == 10)
        let token = try await site.read { try $0.getPassword("GitHub Settings", "GitHub Settings", "personal_access_token") }
        #expect(token == "tok-123")
        let roles = try await site.read { try Roles.of("Administrator", conn: $0.conn) }
        #expect(roles.contains("GitHub Admin") && roles.contains("System Manager"))
        try await site.close()
    }
}
