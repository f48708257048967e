import Foundation
@testable import Frappe
import Testing
import TestSupport

/// A site with no `encryption_key` gets one when the first Password is encrypted, written the way
/// Frappe's `get_encryption_key` → `update_site_config` writes it.
@Suite("Creating a site's encryption key")
struct EncryptionKeyTests {
    /// A bench folder holding one site whose config is `text`.
    static func bench(_ text: String, site: String = "keys.localhost") throws -> Bench {
        let folder = TestScratch.folder("bench-keys")
        let siteFolder = folder.appendingPathComponent("sites").appendingPathComponent(site)
        try FileManager.default.createDirectory(at: siteFolder, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: siteFolder.appendingPathComponent("site_config.json"))
        return Bench(path: folder)
    }

    static func read(_ bench: Bench, site: String = "keys.localhost") throws -> String {
        try String(contentsOf: bench.siteConfigFile(site), encoding: .utf8)
    }

    @Test("the key is added to site_config.json, keeping every other key, in Frappe's json.dumps(indent=1, sort_keys=True) form")
    func keepsOtherKeys() throws {
        let bench = try Self.bench(#"{"db_name": "_abc", "db_password": "p\"w", "host_name": "https://exämple.com", "limits": {"space": 5, "users": [1, 2]}, "developer_mode": true, "maintenance_mode": 0}"#)
        let key = try EncryptionKeyFile.ensureKey(bench: bench, site: "keys.localhost")
        let expected = """
            {
             "db_name": "_abc",
             "db_password": "p\\"w",
             "developer_mode": true,
             "encryption_key": "\(key)",
             "host_name": "https://ex\\u00e4mple.com",
             "limits": {
              "space": 5,
              "users": [
               1,
               2
              ]
             },
             "maintenance_mode": 0
            }
            """
        #expect(try Self.read(bench) == expected)
        #expect(try bench.config(for: "keys.localhost").encryptionKey == key)
    }

    @Test("the key is what Fernet.generate_key() gives: 32 random bytes in url-safe base64 with padding, usable for Fernet tokens")
    func validFernetKey() throws {
        let bench = try Self.bench(#"{"db_name": "_abc"}"#)
        let key = try EncryptionKeyFile.ensureKey(bench: bench, site: "keys.localhost")
        #expect(key.count == 44 && key.hasSuffix("="))
        #expect(key.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_=".contains($0)) })
        let standard = key.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        #expect(Data(base64Encoded: standard)?.count == 32)
        let fernet = try Fernet(key: key)
        #expect(try fernet.decrypt(try fernet.encrypt("ghp_secret")) == "ghp_secret")
    }

    @Test("a key already in the file is kept, never replaced")
    func existingKeyKept() throws {
        let existing = Fernet.generateKey()
        let bench = try Self.bench(#"{"db_name": "_abc", "encryption_key": "\#(existing)"}"#)
        let before = try Self.read(bench)
        #expect(try EncryptionKeyFile.ensureKey(bench: bench, site: "keys.localhost") == existing)
        #expect(try Self.read(bench) == before)
    }

    @Test("many writers creating the key at once all end up with the one key in the file (Frappe's site_config lock)")
    func oneKeyUnderContention() async throws {
        let bench = try Self.bench(#"{"db_name": "_abc"}"#)
        let keys = await withTaskGroup(of: String?.self) { group in
            for _ in 0..<16 { group.addTask { try? EncryptionKeyFile.ensureKey(bench: bench, site: "keys.localhost") } }
            var all: [String?] = []
            for await key in group { all.append(key) }
            return all
        }
        let stored = try bench.config(for: "keys.localhost").encryptionKey
        #expect(stored != nil)
        #expect(keys.allSatisfy { $0 == stored })
        #expect(FileManager.default.fileExists(atPath: bench.sitesDirectory.appendingPathComponent("keys.localhost/locks/site_config.lock").path))
    }

    @Test("saving the first Password on a site without encryption_key creates the key and encrypts with it")
    func firstPasswordCreatesKey() async throws {
        let shared = try await TestSite.shared()
        // The shared site's database, seen through a bench whose config has no encryption_key.
        let original = try JSONSerialization.jsonObject(with: Data(contentsOf: Bench(path: shared.bench).siteConfigFile(shared.result.config.site))) as? [String: Any] ?? [:]
        var withoutKey = original
        withoutKey["encryption_key"] = nil
        let text = String(decoding: try JSONSerialization.data(withJSONObject: withoutKey, options: [.sortedKeys]), as: UTF8.self)
        let bench = try Self.bench(text, site: shared.result.config.site)
        let site = try await Site(config: try bench.config(for: shared.result.config.site), poolSize: 1)
        defer { Task { try? await site.close() } }
        let name = TestSite.unique("key")
        try await site.write(user: "Administrator") { try $0.setPassword("Freshness Test", name, "secret", "ghp_first") }
        let created = try #require(try bench.config(for: shared.result.config.site).encryptionKey)
        #expect(try await site.read { try $0.getPassword("Freshness Test", name, "secret") } == "ghp_first")
        // What Frappe would decrypt: the stored token opens with the key now in site_config.json.
        let token = try await site.read { r -> String? in
            try r.conn.query("SELECT password FROM `__Auth` WHERE doctype = 'Freshness Test' AND name = ?", [.string(name)]).first?["password"].string
        }
        #expect(try Fernet(key: created).decrypt(try #require(token)) == "ghp_first")
        try await site.write(user: "Administrator") { w in
            try w.conn.execute("DELETE FROM `__Auth` WHERE doctype = 'Freshness Test' AND name = ?", [.string(name)])
        }
    }
}
