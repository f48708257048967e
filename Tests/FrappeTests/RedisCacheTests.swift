import Foundation
import Frappe
import MariaDB
import TestSupport
import Testing

/// After a commit, Frappe's cached copies must go and open desk pages must hear about it.
@Suite("Frappe's Redis cache follows the sidecar's writes")
struct RedisCacheTests {
    @Test("a write deletes the document's cache key and publishes doc_update and list_update")
    func invalidatesAndPublishes() async throws {
        let made = try await TestSite.shared()
        let redisURL = try #require(TestServer.redisURL, "make test starts Redis")
        let db = made.result.config.dbName
        let site = try await Site(config: made.result.config, poolSize: 1,
                                  cache: RedisSiteCache(cacheURL: redisURL, eventsURL: nil, site: "test.localhost"))
        let repo = "octo/\(TestSite.unique("cache"))"
        let redis = try RedisConnection(url: redisURL)
        _ = try redis.pipeline([
            ["SET", "\(db)|document_cache::Repository::\(repo)", "stale pickle"],
            ["SET", "\(db)|document_cache::GitHub Settings::GitHub Settings", "stale pickle"],
            ["SET", "\(db)|document_cache::Repository::someone-else", "kept"],
        ])
        let events = try RedisEvents.listen(redisURL, count: 3)

        try await site.write(user: "Administrator") { w in
            try w.insert(Document("Repository", ["full_name": .string(repo), "repo_owner": "octo", "repo_name": "x"]))
            try w.setSingle("GitHub Settings", ["default_organization": .string(TestSite.unique("org"))])
        }
        // Sent after the commit, off the request's path: wait for it.
        try await waitUntil("the stale keys are deleted") {
            try redis.command(["EXISTS", "\(db)|document_cache::Repository::\(repo)"]) == .integer(0)
                && redis.command(["EXISTS", "\(db)|document_cache::GitHub Settings::GitHub Settings"]) == .integer(0)
        }
        #expect(try redis.command(["GET", "\(db)|document_cache::Repository::someone-else"]) == .string("kept"))

        let messages = try await events.value.map { try JSONValue.decode(Data($0.utf8)) }
        let docUpdate = try #require(messages.first { $0["event"]?.string == "doc_update" && $0["message"]?["doctype"]?.string == "Repository" })
        #expect(docUpdate["room"]?.string == "doc:Repository/\(repo)")
        #expect(docUpdate["message"]?["name"]?.string == repo)
        #expect(NaiveDateTime(docUpdate["message"]?["modified"]?.string ?? "") != nil)
        let listUpdate = try #require(messages.first { $0["event"]?.string == "list_update" })
        #expect(listUpdate["room"]?.string == "doctype:Repository")
        #expect(listUpdate["message"]?["user"]?.string == "Administrator")
        #expect(!messages.contains { $0["event"]?.string == "list_update" && $0["message"]?["doctype"]?.string == "GitHub Settings" },
                "a Single has no list to refresh")
        try await site.close()
    }

    @Test("meta and role changes clear the keys Frappe rebuilds them from")
    func metaAndRoleKeys() {
        var changes = ChangeSet()
        changes.metaChanged = ["Task"]
        changes.rolesChanged = ["jane@example.com"]
        let commands = RedisSiteCache.invalidationCommands(for: changes, dbName: "_abc")
        #expect(commands.contains(["HDEL", "_abc|doctype_meta", "Task"]))
        #expect(commands.contains(["HDEL", "_abc|table_columns", "tabTask"]))
        #expect(commands.contains(["HDEL", "_abc|roles", "jane@example.com"]))
        #expect(commands.contains { $0.first == "DEL" && $0.contains("_abc|metadata_version") })
    }
}
