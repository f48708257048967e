import Foundation
import Frappe
import Integration
import TestSupport
import Testing

@Suite("setup.uninstall", .serialized)
struct UninstallTests {
    @Test("uninstall removes what install added and Frappe leaves behind; twice is harmless; install works again")
    func uninstall() async throws {
        let made = try await TestSite.dedicated("uninstall", ownBench: true)
        let site = made.site
        _ = try await Install.run(site: site, user: "Administrator")
        try await site.write(user: "Administrator") { w in
            try w.setSingle("GitHub Settings", ["personal_access_token": "ghp_to_be_forgotten"])
            try w.update(Document("User", name: "Administrator", [:], children: [:]))
        }
        let before = try await site.read { r in
            try Install.managedDocTypes.reduce(0) { $0 + (try r.count("Custom DocPerm", where: ["parent": .equals(.string($1))])) }
        }
        #expect(before > 0)

        let summary = try await Uninstall.run(site: site, user: "Administrator")
        #expect(summary.permissionRows == before)
        #expect(Set(summary.customFields) == Set(Install.customFields.map { "\($0.dt)-\($0.fieldname)" }))
        #expect(summary.removedRole)
        let (leftPerms, role, holders, secret, field) = try await site.read { r in
            (try Install.managedDocTypes.reduce(0) { $0 + (try r.count("Custom DocPerm", where: ["parent": .equals(.string($1))])) },
             try r.get("Role", Install.role), try r.count("Has Role", where: ["role": .equals(.string(Install.role))]),
             try r.getPassword("GitHub Settings", "GitHub Settings", "personal_access_token"), try r.meta("Task").field("github_repo"))
        }
        #expect(leftPerms == 0 && role == nil && holders == 0)
        #expect(secret == nil, "no secret is left in __Auth")
        #expect(field == nil, "the custom field is gone from the meta")

        let again = try await Uninstall.run(site: site, user: "Administrator")
        #expect(again.permissionRows == 0 && again.customFields.isEmpty && !again.removedRole)
        let reinstall = try await Install.run(site: site, user: "Administrator")
        #expect(reinstall.createdRole && reinstall.createdFields.count == Install.customFields.count)
        #expect(reinstall.addedColumns.isEmpty, "the columns stayed, as Frappe keeps a removed custom field's column")
    }
}
