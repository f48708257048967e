import Foundation
import Frappe
import MariaDB
import TestSupport
import Testing

/// Issue 11, item 9: a named lock lost with its connection is reported, never passed off as held.
@Suite("Named locks")
struct NamedLockTests {
    @Test("a GET_LOCK whose connection is cut while its work runs makes withNamedLock fail, instead of returning as if it had held")
    func lostLockIsSurfaced() async throws {
        let made = try await TestSite.shared()
        let name = TestSite.unique("lock")
        let root = try await TestSite.rootConnection()
        let result: Result<Int?, Error>
        do {
            result = .success(try await made.site.withNamedLock(name) { () async throws -> Int in
                // The server drops the session holding the lock (a restart, a network cut, wait_timeout).
                let holder = try root.query("SELECT IS_USED_LOCK(?) AS id", [.string(name)]).first?["id"].int
                let id = try #require(holder)
                try root.executeText("KILL CONNECTION \(id)")
                // The server frees the lock once the killed session has ended: from then on anyone may take it.
                try await waitUntil("the killed session's lock is free") {
                    try root.query("SELECT IS_FREE_LOCK(?) AS f", [.string(name)]).first?["f"].int == 1
                }
                return 42
            })
        } catch {
            result = .failure(error)
        }
        switch result {
        case .success(let value): Issue.record("withNamedLock returned \(String(describing: value)) although its lock was lost")
        case .failure(let error): #expect((error as? FrappeError)?.message.contains("lock was lost") == true, "\(error)")
        }
        // The site's connections still work afterwards.
        #expect(try await made.site.withNamedLock(name) { 1 } == 1)
    }
}
