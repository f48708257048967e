import Foundation
import Frappe
import MariaDB
import TestSupport
import Testing

@Suite("Singles and passwords", .serialized)
struct SinglesAndPasswordsTests {
    @Test("saving GitHub Settings leaves tabSingles as Frappe's save would: a text row per field")
    func singlesRows() async throws {
        let made = try await TestSite.shared()
        try await made.site.write(user: "Administrator") { w in
            try w.setSingle("GitHub Settings", ["enabled": .int(1), "auth_type": "Personal Access Token", "default_organization": "octo",
                                                "personal_access_token": "ghp_secret_value_123", "allow_unsigned_webhooks": .int(0)])
        }
        let root = try await TestSite.rootConnection()
        var rows: [String: MariaDBValue] = [:]
        var count = 0
        for row in try root.query("SELECT field, value FROM tabSingles WHERE doctype = 'GitHub Settings'") {
            rows[row["field"].string ?? ""] = row["value"]
            count += 1
        }
        let meta = try await made.site.read { try $0.meta("GitHub Settings") }
        let expected = Set(["name", "owner", "creation", "modified", "modified_by", "docstatus", "idx"] + meta.valueFields.map(\.fieldname))
        #expect(Set(rows.keys) == expected)
        #expect(count == expected.count, "one row per field")
        #expect(rows["name"]?.string == "GitHub Settings")
        #expect(rows["enabled"]?.string == "1")
        #expect(rows["allow_unsigned_webhooks"]?.string == "0")
        #expect(rows["docstatus"]?.string == "0")
        #expect(rows["webhook_secret"]?.isNull == true, "an empty field is kept as a NULL row")
        #expect(rows["personal_access_token"]?.string == String(repeating: "*", count: "ghp_secret_value_123".count))
        #expect(NaiveDateTime(rows["modified"]?.string ?? "") != nil && (rows["modified"]?.string?.count ?? 0) == 26)
        let settings = try await made.site.read { try $0.getSingle("GitHub Settings") }
        #expect(settings["enabled"] == .int(1))
        #expect(try await made.site.read { try $0.getPassword("GitHub Settings", "GitHub Settings", "personal_access_token") } == "ghp_secret_value_123")
    }

    @Test("eight concurrent saves of one Single leave exactly one row per field")
    func concurrentSingleSaves() async throws {
        let made = try await TestSite.shared()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<8 {
                group.addTask {
                    _ = try await made.site.write(user: "Administrator") { w in
                        try w.setSingle("System Settings", ["welcome_email_template": .string("concurrent-\(i)")])
                    }
                }
            }
            try await group.waitForAll()
        }
        let root = try await TestSite.rootConnection()
        let duplicated = try root.query("SELECT field, COUNT(*) AS n FROM tabSingles WHERE doctype = 'System Settings' GROUP BY field HAVING n > 1")
        #expect(duplicated.isEmpty)
        #expect(try root.query("SELECT value FROM tabSingles WHERE doctype = 'System Settings' AND field = 'time_zone'").first?["value"].string == "Asia/Kolkata",
                "other fields survive every save")
    }

    @Test("a Password written by the store decrypts with Python's cryptography.fernet, and Python's tokens decrypt here")
    func fernetInterop() async throws {
        let made = try await TestSite.shared()
        let key = try #require(made.result.config.encryptionKey)
        let secret = "tøken-😀-\(UUID().uuidString)"
        try await made.site.write(user: "Administrator") { w in try w.setPassword("User", "Administrator", "test_secret", secret) }
        let root = try await TestSite.rootConnection()
        let token = try #require(try root.query("SELECT password FROM __Auth WHERE doctype = 'User' AND name = 'Administrator' AND fieldname = 'test_secret'").first?["password"].string)
        #expect(token.hasPrefix("gAAAAA"))
        let decrypted = try python("""
            import sys; from cryptography.fernet import Fernet
            print(Fernet(sys.argv[1].encode()).decrypt(sys.argv[2].encode()).decode(), end="")
            """, key, token)
        #expect(decrypted == secret)

        let pythonToken = try python("""
            import sys; from cryptography.fernet import Fernet
            print(Fernet(sys.argv[1].encode()).encrypt(sys.argv[2].encode()).decode(), end="")
            """, key, "from-python-ü")
        #expect(try Fernet(key: key).decrypt(pythonToken) == "from-python-ü")
        #expect(throws: Fernet.Failure.self) { try Fernet(key: Fernet.generateKey()).decrypt(pythonToken) }
    }

    @Test("API keys are stored as Frappe stores them: tabUser.api_key and an encrypted api_secret")
    func apiSecretStorage() async throws {
        let made = try await TestSite.shared()
        let root = try await TestSite.rootConnection()
        let user = try #require(try root.query("SELECT api_key, api_secret FROM tabUser WHERE name = 'Administrator'").first)
        #expect(user["api_key"].string == made.result.apiKey)
        #expect(user["api_secret"].string == String(repeating: "*", count: made.result.apiSecret.count))
        let secret = try await made.site.read { try $0.getPassword("User", "Administrator", "api_secret") }
        #expect(secret == made.result.apiSecret)
    }

    func python(_ script: String, _ args: String...) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + args
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }
}

@Suite("Site time and RPC shapes")
struct SiteTimeAndShapeTests {
    @Test("a UTC instant from GitHub is stored as the site's local time with microseconds")
    func timezoneConversion() throws {
        let utc = try #require(ISO8601DateFormatter().date(from: "2024-01-15T20:00:00Z"))
        #expect(SiteClock(identifier: "Asia/Kolkata").local(utc).description == "2024-01-16 01:30:00.000000")
        #expect(SiteClock(identifier: "America/New_York").local(utc).description == "2024-01-15 15:00:00.000000")
        #expect(SiteClock(identifier: nil).timeZone.identifier == "Asia/Kolkata", "Frappe's fallback zone")
        let withMicros = utc.addingTimeInterval(0.123456)
        #expect(SiteClock(identifier: "UTC").local(withMicros).microsecond == 123456)
    }

    @Test("error bodies have Frappe's shape: exc_type and a double-encoded _server_messages")
    func errorBody() throws {
        let recorded = try String(contentsOf: Paths.sharedFixture("frappe/http/does-not-exist.txt"), encoding: .utf8)
        let recordedBody = try #require(recorded.components(separatedBy: "\r\n\r\n").last)
        let real = try #require(try JSONSerialization.jsonObject(with: Data(recordedBody.utf8)) as? [String: Any])
        let ours = try #require(try JSONSerialization.jsonObject(with: FrappeResponseBody.error(.notFound("ToDo no-such-todo not found"))) as? [String: Any])
        #expect(Set(ours.keys) == Set(real.keys))
        #expect(ours["exc_type"] as? String == real["exc_type"] as? String)
        let outer = try #require(ours["_server_messages"] as? String)
        let list = try #require(try JSONSerialization.jsonObject(with: Data(outer.utf8)) as? [String])
        let message = try #require(try JSONSerialization.jsonObject(with: Data(list[0].utf8)) as? [String: Any])
        #expect(message["message"] as? String == "ToDo no-such-todo not found")
        #expect(message["indicator"] as? String == "red")
        #expect(message["raise_exception"] as? Int == 1)
        #expect(list[0].contains("\"message\": "), "inner JSON uses Python's separators, like Frappe")
        #expect(String(decoding: try FrappeResponseBody.success(nil), as: UTF8.self) == "{}")
    }
}
