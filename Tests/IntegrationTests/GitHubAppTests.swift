import FakeGitHub
import Foundation
import Frappe
import GitHub
@testable import Integration
import Testing
import TestSupport

/// Issue 10's "Must show", over HTTP with FakeGitHub as the App (see ``GitHubAppHarness``).
@Suite("GitHub App and template sync", .serialized)
struct GitHubAppTests {
    /// Install URL → `installation.created` → callback → configure; returns the installation id.
    static func connect(_ h: GitHubAppHarness) async throws -> Int64 {
        let url = try await h.rpc("get_install_url")
        #expect(url.status == 200)
        let link = try #require(url.message?["url"]?.string)
        #expect(link.hasPrefix("https://github.com/apps/erp-templates/installations/new?state="))
        let state = try #require(GitHubAppHarness.stateParameter(of: link))

        let id = try #require(await h.fake.install(appID: GitHubAppHarness.appID, account: "acme", repositories: [GitHubAppHarness.repository],
                                                   sender: "alice"))
        // The signed installation.created delivery is stored and applied by the workers.
        _ = try await h.eventually("installation.created applied") {
            try await h.service.landlord().installation(id: id).flatMap { $0.announcedAt == nil ? nil : $0 }
        }
        let linked = try await h.callback("installation_id=\(id)&setup_action=install&state=\(GitHubAppHarness.encoded(state))")
        #expect(linked.status == 302, "\(linked.body)")
        #expect(linked.header("Location") == "/app/github-settings")

        // A replay of the same state links nothing more.
        let replay = try await h.callback("installation_id=\(id)&setup_action=install&state=\(GitHubAppHarness.encoded(state))")
        #expect(replay.status == 400 && replay.body.contains("already used"))

        let configured = try await h.rpc("configure", ["repository": GitHubAppHarness.repository, "branch": "main"])
        #expect(configured.status == 200, "\(configured.body)")
        return id
    }

    @Test("Install, link, configure: 500 files appear; a push changing 3 and deleting 1 changes exactly those, in at most 6 GitHub calls")
    func endToEnd() async throws {
        let h = try await GitHubAppHarness.start(siteKey: "app-e2e", files: 500)
        do {
            let id = try await Self.connect(h)
            // Configure refuses what the installation cannot sync, and changes nothing then.
            let invisible = try await h.rpc("configure", ["repository": "acme/other", "branch": "main"])
            #expect(invisible.status == 417 && invisible.errorMessage.contains("cannot see acme/other"), "\(invisible.errorMessage)")
            let noBranch = try await h.rpc("configure", ["repository": GitHubAppHarness.repository, "branch": "nope"])
            #expect(noBranch.status == 417 && noBranch.errorMessage.contains("no branch nope"), "\(noBranch.errorMessage)")
            let malformed = try await h.rpc("configure", ["repository": "not a repository"])
            #expect(malformed.status == 417 && malformed.errorMessage.contains("owner/repo"))
            #expect(try await h.landlordRecord()?.defaultBranch == "main")
            let first = try await h.eventually("the first sync") { () -> [String: (modified: String, source: String?)]? in
                let docs = try await h.synced()
                return docs.count == 500 && docs.values.allSatisfy({ $0.source != nil }) ? docs : nil
            }
            #expect(first["GHT 7"]?.source == "\(GitHubAppHarness.repository):\(GitHubAppHarness.file(7))")
            // The connection records the commit once the documents have committed.
            let afterFirst = try await h.eventually("the first sync's commit recorded") { try await h.landlordRecord().flatMap { $0.lastSyncHash == nil ? nil : $0 } }
            #expect(afterFirst.lastSyncHash?.count == 40)

            // The push: 3 changed, 1 deleted.
            await h.fake.state.clearRequestLog()
            let pushed = try #require(await h.fake.push(GitHubAppHarness.repository, changes: [
                GitHubAppHarness.file(1): GitHubAppHarness.template(1, subject: "Changed 1"),
                GitHubAppHarness.file(2): GitHubAppHarness.template(2, subject: "Changed 2"),
                GitHubAppHarness.file(3): GitHubAppHarness.template(3, subject: "Changed 3"),
                GitHubAppHarness.file(4): nil,
            ], author: "alice"))
            _ = try await h.eventually("the push sync") { try await h.landlordRecord().flatMap { $0.lastSyncHash == pushed.after ? $0 : nil } }
            let after = try await h.synced()
            #expect(after.count == 499)
            #expect(after["GHT 4"] == nil)
            var changed: [String] = []
            for (name, doc) in after where doc.modified != first[name]?.modified { changed.append(name) }
            #expect(changed.sorted() == ["GHT 1", "GHT 2", "GHT 3"], "the other 496 keep their modified")
            let subject = try await h.site.read { try $0.get("Email Template", "GHT 2")?["subject"].string }
            #expect(subject == "Changed 2")
            let deleted = try await h.site.read { r in
                try r.count("Deleted Document", where: ["deleted_doctype": .equals("Email Template"), "deleted_name": .equals("GHT 4")])
            }
            #expect(deleted == 1)
            let calls = await h.fake.state.requestLog().filter { $0.identity?.hasPrefix("installation:") == true || $0.identity?.hasPrefix("app:") == true }
            #expect(calls.count <= 6, "GitHub calls for the push sync: \(calls.map(\.path))")

            let status = try await h.rpc("get_status")
            #expect(status.message?["last_sync_hash"]?.string == pushed.after)
            #expect(status.message?["repository"]?.string == GitHubAppHarness.repository)
            let runs = try #require(status.message?["runs"]?.array)
            print("template sync runs (newest first): \(runs.map { "\($0["trigger"]?.string ?? "") \($0["github_calls"]?.int ?? -1) calls" })")
            #expect(runs.first?["trigger"]?.string == "Push" && runs.first?["deleted"]?.int == 1 && runs.first?["updated"]?.int == 3)
            #expect((runs.first?["github_calls"]?.int ?? 99) <= 6)

            // Refusals of the callback.
            let expired = try h.craftedState(site: h.siteName, expiresIn: -10)
            let expiredReply = try await h.callback("installation_id=\(id)&setup_action=install&state=\(GitHubAppHarness.encoded(expired))")
            #expect(expiredReply.status == 400 && expiredReply.body.contains("expired"))
            let foreign = try h.craftedState(site: "another.localhost", expiresIn: 600)
            let foreignReply = try await h.callback("installation_id=\(id)&setup_action=install&state=\(GitHubAppHarness.encoded(foreign))")
            #expect(foreignReply.status == 400 && foreignReply.body.contains("another site"))
            let forged = try await h.callback("installation_id=\(id)&setup_action=install&state=bm90LW91cnM")
            #expect(forged.status == 400 && forged.body.contains("not one this sidecar issued"))
            let freshURL = try await h.rpc("get_install_url").message?["url"]?.string ?? ""
            let fresh = try #require(GitHubAppHarness.stateParameter(of: freshURL))
            let unknown = try await h.callback("installation_id=987654321&setup_action=install&state=\(GitHubAppHarness.encoded(fresh))")
            #expect(unknown.status == 400 && unknown.body.contains("does not know installation 987654321"))
            let stolenState = try #require(GitHubAppHarness.stateParameter(of: try await h.rpc("get_install_url").message?["url"]?.string ?? ""))
            let stolen = try await h.callback("installation_id=\(GitHubAppHarness.preexistingInstallation)&setup_action=install&state=\(GitHubAppHarness.encoded(stolenState))")
            #expect(stolen.status == 400 && stolen.body.contains("existed before this connect link"), "\(stolen.body)")
            let requested = try await h.callback("setup_action=request")
            #expect(requested.status == 200 && requested.body.contains("must approve"))
            let stateless = try await h.callback("installation_id=\(id)&setup_action=install")
            #expect(stateless.status == 400 && stateless.body.contains("no state"))
            #expect(try await h.landlordRecord()?.installationID == id, "the refusals linked nothing else")

            // A webhook with a bad signature is refused and stored nowhere.
            let body = Data(#"{"zen":"x","installation":{"id":1}}"#.utf8)
            let bad = try await h.request(.POST, "/github/webhooks", body: body, headers: [
                ("X-GitHub-Event", "ping"), ("X-GitHub-Delivery", "bad-sig-1"), ("X-Hub-Signature-256", WebhookVerifier.signature(for: body, secret: "wrong")),
            ])
            #expect(bad.status == 401)
            #expect(try await h.service.landlord().delivery(id: "bad-sig-1") == nil)

            // Sync Now, then again at once: 429 with the time left.
            let now = try await h.rpc("sync_now")
            #expect(now.status == 200, "\(now.body)")
            let again = try await h.rpc("sync_now")
            #expect(again.status == 429)
            #expect(again.json?["exc_type"]?.string == "TooManyRequestsError")
            #expect(again.errorMessage.contains("try again in"), "\(again.errorMessage)")

            // One push with a malformed file, a file of a DocType not allowed, and a good change.
            let mixed = try #require(await h.fake.push(GitHubAppHarness.repository, changes: [
                "templates/broken.json": "{ not json",
                "templates/todo.json": #"{"doctype": "ToDo", "description": "not a template"}"#,
                "templates/refused.json": #"[{"doctype": "Email Template", "name": "GHT refused", "subject": ""}]"#,
                GitHubAppHarness.file(9): GitHubAppHarness.template(9, subject: "Changed 9"),
            ]))
            let record = try await h.eventually("the mixed push sync") { try await h.landlordRecord().flatMap { $0.lastSyncHash == mixed.after ? $0 : nil } }
            let errors = try Frappe.JSONValue.decode(Data((record.lastSyncErrors ?? "[]").utf8)).array ?? []
            #expect(Set(errors.compactMap { $0["path"]?.string }) == ["templates/broken.json", "templates/todo.json", "templates/refused.json"],
                    "\(errors)")
            #expect(errors.contains { ($0["message"]?.string ?? "").contains("allow-list") })
            #expect(try await h.site.read { try $0.get("Email Template", "GHT 9")?["subject"].string } == "Changed 9")
            let status2 = try await h.rpc("get_status")
            #expect(status2.message?["last_sync_errors"]?.array?.count == 3)
            #expect(try await h.site.read { try $0.get("Email Template", "GHT refused") } == nil, "the refused file wrote nothing")

            // Disconnect: every document stays, none is managed any more.
            let disconnected = try await h.rpc("disconnect")
            #expect(disconnected.status == 200, "\(disconnected.body)")
            let released = try await h.synced()
            #expect(released.count == 499 && released.values.allSatisfy { $0.source == nil })
            #expect(try await h.landlordRecord() == nil)
            #expect(try await h.service.landlord().installation(id: id)?.deletedAt != nil)
            let notConnected = try await h.rpc("sync_now")
            #expect(notConnected.status == 417)
        } catch {
            await h.stop()
            throw error
        }
        await h.stop()
    }

    @Test("Plan answers what the following sync does, without writing; syncing an earlier commit restores it; installation.deleted disconnects by itself")
    func planRollbackAndUninstall() async throws {
        let h = try await GitHubAppHarness.start(siteKey: "app-plan", files: 5, manualSyncInterval: 0)
        do {
            let id = try await Self.connect(h)
            // The documents commit in the site's database before the connection records the commit it synced.
            let original = try await h.eventually("the first sync") { () -> String? in
                guard try await h.synced().count == 5 else { return nil }
                return try await h.landlordRecord()?.lastSyncHash
            }

            // A commit on GitHub that no webhook announced (the App's URL is elsewhere for a moment is not
            // needed: plan reads the branch head itself).
            await h.fake.state.clearRequestLog()
            let bad = try #require(await h.fake.push(GitHubAppHarness.repository, changes: [
                GitHubAppHarness.file(1): GitHubAppHarness.template(1, subject: "Bad merge"),
                GitHubAppHarness.file(2): nil,
                GitHubAppHarness.file(6): GitHubAppHarness.template(6),
            ]))
            _ = try await h.eventually("the push sync") { try await h.landlordRecord().flatMap { $0.lastSyncHash == bad.after ? $0 : nil } }
            #expect(try await h.site.read { try $0.get("Email Template", "GHT 1")?["subject"].string } == "Bad merge")

            // Plan a roll-back to the original commit: nothing is written.
            let before = try await h.synced()
            let plan = try await h.rpc("plan", ["ref": original])
            #expect(plan.status == 200, "\(plan.body)")
            let planned = try #require(plan.message)
            func names(_ key: String, _ value: Frappe.JSONValue) -> [String] { (value[key]?.array ?? []).compactMap { $0["name"]?.string }.sorted() }
            #expect(names("create", planned) == ["GHT 2"])
            #expect(names("update", planned) == ["GHT 1"])
            #expect(names("delete", planned) == ["GHT 6"])
            #expect(planned["dry_run"]?.bool == true)
            let untouched = try await h.synced()
            #expect(untouched.mapValues(\.modified) == before.mapValues(\.modified), "plan writes nothing")
            #expect(try await h.landlordRecord()?.lastSyncHash == bad.after)

            // The roll-back does exactly what the plan said.
            let rollback = try await h.rpc("sync_now", ["ref": original])
            #expect(rollback.status == 200, "\(rollback.body)")
            let done = try #require(rollback.message)
            #expect(names("create", done) == names("create", planned))
            #expect(names("update", done) == names("update", planned))
            #expect(names("delete", done) == names("delete", planned))
            #expect(try await h.site.read { try $0.get("Email Template", "GHT 1")?["subject"].string } == "Subject 1")
            let restored = try await h.synced()
            #expect(Set(restored.keys) == ["GHT 1", "GHT 2", "GHT 3", "GHT 4", "GHT 5"])
            #expect(try await h.landlordRecord()?.lastSyncHash == original)
            // It ran as a job of the site: one GitHub Sync Run, from Queued to Succeeded, with its answer.
            let jobs = try await h.site.read { r in
                try r.list("GitHub Sync Run", where: ["job_type": .equals(.string("Template Sync"))],
                           fields: ["name", "trigger", "status", "attempts", "template_repository", "commit_sha", "result", "progress"])
            }
            #expect(jobs.count == 1)
            #expect(jobs.first?["trigger"].string == "Rollback" && jobs.first?["status"].string == "Succeeded")
            #expect(jobs.first?["attempts"].int == 1 && jobs.first?["progress"].int == 100)
            #expect(jobs.first?["template_repository"].string == GitHubAppHarness.repository && jobs.first?["commit_sha"].string == original)
            let recorded = try jobs.first?["result"].text.map { try Frappe.JSONValue.decode(Data($0.utf8)) }
            #expect(recorded.map { names("update", $0) } == names("update", done), "the row keeps what the desk was answered")

            // The roll-back holds: the head check leaves it alone while the branch has not moved.
            #expect(try await h.service.checkHeads().isEmpty)
            // A push whose delivery never arrives: the head check notices and queues a sync.
            let silent = try #require(await h.fake.push(GitHubAppHarness.repository, changes: [
                GitHubAppHarness.file(3): GitHubAppHarness.template(3, subject: "Fixed 3"),
            ], deliver: false))
            #expect(try await h.service.checkHeads().count == 1)
            _ = try await h.eventually("the periodic sync") { try await h.landlordRecord().flatMap { $0.lastSyncHash == silent.after ? $0 : nil } }
            #expect(try await h.site.read { try $0.get("Email Template", "GHT 3")?["subject"].string } == "Fixed 3")

            // Suspended on GitHub: documents become editable and syncs pause; unsuspended: a sync takes them back.
            await h.fake.suspend(id, sender: "alice")
            _ = try await h.eventually("suspend applied") { () -> Bool? in
                let released = try await h.synced().values.allSatisfy { $0.source == nil }
                let suspended = try await h.landlordRecord()?.suspendedAt != nil
                return released && suspended ? true : nil
            }
            let paused = try await h.rpc("sync_now")
            #expect(paused.status == 417 && paused.errorMessage.contains("suspended"), "\(paused.body)")
            await h.fake.suspend(id, false, sender: "alice")
            _ = try await h.eventually("unsuspend and the sync it queues") { () -> Bool? in
                let docs = try await h.synced()
                return docs.count == 5 && docs.values.allSatisfy({ $0.source != nil }) ? true : nil
            }

            // The configured repository taken away from the installation: syncs stop, with a status saying why.
            await h.fake.removeRepositories(id, [GitHubAppHarness.repository], sender: "alice")
            _ = try await h.eventually("installation_repositories.removed applied") { try await h.landlordRecord()?.repositoryRemovedAt != nil ? true : nil }
            let stopped = try await h.rpc("get_status")
            #expect(stopped.message?["repository_removed"]?.bool == true)
            #expect(stopped.message?["status"]?.string?.contains("removed from the GitHub App installation") == true)
            let refused = try await h.rpc("sync_now")
            #expect(refused.status == 417 && refused.errorMessage.contains("removed"), "\(refused.body)")

            // Disconnected in the desk, then connected again with the same installation (GitHub's
            // "Redirect on update"): this site had it before, so it may link it again.
            #expect(try await h.rpc("disconnect").status == 200)
            let again = try #require(GitHubAppHarness.stateParameter(of: try await h.rpc("get_install_url").message?["url"]?.string ?? ""))
            let relinked = try await h.callback("installation_id=\(id)&setup_action=update&state=\(GitHubAppHarness.encoded(again))")
            #expect(relinked.status == 302, "\(relinked.body)")
            #expect(try await h.landlordRecord()?.installationID == id)

            // Uninstalled on GitHub: the site is disconnected by the delivery alone.
            await h.fake.uninstall(id, sender: "alice")
            _ = try await h.eventually("installation.deleted applied") { try await h.landlordRecord() == nil ? true : nil }
            let left = try await h.synced()
            #expect(left.count == 5 && left.values.allSatisfy { $0.source == nil })

            // An installation made before the link can be linked when GitHub says the returning user
            // may access it (user authorization during installation: the callback carries a code).
            func freshState() async throws -> String {
                try #require(GitHubAppHarness.stateParameter(of: try await h.rpc("get_install_url").message?["url"]?.string ?? ""))
            }
            let old = GitHubAppHarness.preexistingInstallation
            let bobCode = await h.fake.authorizationCode(for: "bob")
            let bob = try await h.callback("installation_id=\(old)&setup_action=install&code=\(bobCode)&state=\(GitHubAppHarness.encoded(try await freshState()))")
            #expect(bob.status == 400 && bob.body.contains("no access to installation \(old)"), "\(bob.body)")
            let bogus = try await h.callback("installation_id=\(old)&setup_action=install&code=nope&state=\(GitHubAppHarness.encoded(try await freshState()))")
            #expect(bogus.status == 400 && bogus.body.contains("did not accept the authorization code"), "\(bogus.body)")
            #expect(try await h.landlordRecord() == nil)
            let aliceCode = await h.fake.authorizationCode(for: "alice")
            let alice = try await h.callback("installation_id=\(old)&setup_action=install&code=\(aliceCode)&state=\(GitHubAppHarness.encoded(try await freshState()))")
            #expect(alice.status == 302, "\(alice.body)")
            #expect(try await h.landlordRecord()?.installationID == old)
        } catch {
            await h.stop()
            throw error
        }
        await h.stop()
    }
}
