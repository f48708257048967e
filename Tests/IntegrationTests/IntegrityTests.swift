import FakeGitHub
import Foundation
import Frappe
import GitHub
import Integration
import MariaDB
import TestSupport
import Testing

/// Issue 11: the mirror never goes backwards, never loses a row, never writes garbage. Each test
/// drives the real binary over HTTP against FakeGitHub and a real MariaDB; races are held at a
/// known point (a withheld GitHub answer, a row lock the test holds) instead of left to timing.
@Suite("Data integrity (issue 11)", .serialized)
struct IntegrityTests {
    // MARK: 3. rename follows Frappe's own links

    @Test("a renamed repository's issue keeps its assignments, comments and tags: Frappe's dynamic links follow, as rename_doc does")
    func renameFollowsDynamicLinks() async throws {
        let h = try await IntegrityHarness.shared.start()
        let repo = TestRepository.make(owner: "Codertocat")
        try await repo.track(on: h.site)
        let issue = try await h.deliver("issues", try .issue("opened", repo: repo.fullName, repositoryID: repo.id, number: 7,
                                                             title: "Has comments", updatedAt: Date()))
        #expect(issue["status"].string == "Applied")
        let old = repo.issue(7)
        let tag = TestSite.unique("tag")
        let assign = "[\"Administrator\"]"
        let comments = "[{\"comment\": \"looked at it\", \"by\": \"Administrator\", \"name\": \"c1\"}]"
        let (todo, comment, tagLink) = try await h.site.write(user: "Administrator") { w -> (String, String, String) in
            let todo = try w.insert(Document("ToDo", ["status": "Open", "allocated_to": "Administrator", "description": "Review",
                                                      "reference_type": "Repository Issue", "reference_name": .string(old)])).name ?? ""
            let comment = try w.insert(Document("Comment", ["comment_type": "Comment", "reference_doctype": "Repository Issue",
                                                            "reference_name": .string(old), "content": "looked at it"])).name ?? ""
            try w.insert(Document("Tag", name: tag, ["description": "t"]))
            let link = try w.insert(Document("Tag Link", ["document_type": "Repository Issue", "document_name": .string(old),
                                                          "tag": .string(tag)])).name ?? ""
            try w.setValue("Repository Issue", old, "_assign", .string(assign), updateModified: false)
            try w.setValue("Repository Issue", old, "_comments", .string(comments), updateModified: false)
            return (todo, comment, link)
        }

        let newName = repo.fullName + "-moved"
        var renamed = try RecordedPayload("repository/renamed.json")
        renamed.moveRepository(id: repo.id, fullName: newName)
        let done = try await h.deliver("repository", renamed)
        #expect(done["status"].string == "Applied", "\(done["last_error"].string ?? "")")

        let new = "\(newName)-#7"
        try await h.site.read { (r: DocumentReader) throws -> Void in
            #expect(try r.get("ToDo", todo)?["reference_name"].string == new)
            #expect(try r.get("Comment", comment)?["reference_name"].string == new)
            #expect(try r.get("Tag Link", tagLink)?["document_name"].string == new)
            let moved = try #require(try r.get("Repository Issue", new))
            #expect(moved["_assign"].string == assign)
            #expect(moved["_comments"].string == comments)
            let edits = try r.list("Comment", where: ["reference_doctype": .equals("Repository Issue"), "reference_name": .equals(.string(new)),
                                                      "comment_type": .equals("Edit")], fields: ["content"])
            #expect(edits.map { $0["content"].string } == ["renamed from <strong>\(old)</strong> to <strong>\(new)</strong>"])
        }
    }

    // MARK: 4. delivery ids whole

    @Test("delivery ids are kept whole: two ids sharing 140 characters are both refused clearly, never one dropped as a duplicate")
    func deliveryIDsWhole() async throws {
        let h = try await IntegrityHarness.shared.start()
        let prefix = String(repeating: "d", count: 132) + TestSite.unique("").prefix(8)
        let body = try RecordedPayload("ping/payload.json")
        for id in [prefix + "A", prefix + "B"] {
            let reply = try await GitHubPost.signed(h.webhooks, event: "ping", delivery: id, body: body.data)
            #expect(reply.status == 417, "\(String(decoding: reply.body, as: UTF8.self))")
            #expect(String(decoding: reply.body, as: UTF8.self).contains("X-GitHub-Delivery is 141 characters long"))
        }
        let stored = try await h.site.read { r in
            try r.list("GitHub Webhook Delivery", where: ["name": .isIn([.string(String(prefix)), .string(prefix + "A"), .string(prefix + "B")])])
        }
        #expect(stored.isEmpty, "nothing stored, nothing cut")
        let whole = String(prefix) + "C"
        let exact = String(whole.prefix(139)) + "E"
        let reply = try await GitHubPost.signed(h.webhooks, event: "ping", delivery: exact, body: body.data)
        #expect(reply.status == 202)
        #expect(try await h.site.read { try $0.get("GitHub Webhook Delivery", exact)?["delivery_id"].string } == exact)
    }
}
