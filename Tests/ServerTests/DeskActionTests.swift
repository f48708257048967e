import FakeGitHub
import Foundation
import Frappe
import Integration
import TestSupport
import Testing

extension DeskSuites {
    /// The desk's actions on GitHub (issue 9), each over HTTP against FakeGitHub with the real
    /// MariaDB site: what reaches GitHub, what lands in the site, and what the desk gets back.
    @Suite("Desk actions", .serialized)
    struct DeskActionTests {
        @Test("create_issue: a form post with JSON-string lists reaches GitHub once; the mirror holds it without the marker")
        func createIssue() async throws {
            let s = try await DeskHarness.shared.start()
            let title = TestSite.unique("Crash on save ")
            let mark = await s.logMark()
            let reply = try await s.call("github_api.create_issue", as: "ghadmin@desk.example", form: [
                ("repository", s.repository.uppercased()), ("title", title), ("body", "Steps:\n1. <b>save</b>"),
                ("labels", #"["bug","priority: high"]"#), ("assignees", #"["mapped@desk.example","acme-dev2"]"#),
            ])
            #expect(reply.status == 200, "\(reply.serverMessage ?? "")")
            let message = try #require(reply.json?["message"])
            let number = try #require(message["issue_number"]?.int)
            #expect(message["created"] == .bool(true))
            #expect(message["name"]?.string == "\(s.repository)-#\(number)", "named by the stored repository, whatever the case asked")

            let sent = await s.mutations(since: mark)
            #expect(sent.count == 1 && sent.first?.pathWithoutQuery == "/repos/\(s.repository)/issues")
            let body = try #require(sent.first?.bodyJSON)
            #expect(body["title"]?.stringValue == title)
            #expect(body["labels"] == .array([.string("bug"), .string("priority: high")]))
            #expect(body["assignees"] == .array([.string("acme-dev1"), .string("acme-dev2")]), "the ERP user as their GitHub login")
            #expect(body["body"]?.stringValue?.contains("erpnext-github-op:") == true)

            let stored = try #require(try await s.site.read { try $0.get("Repository Issue", "\(s.repository)-#\(number)") })
            #expect(stored["body"].string == "Steps:\n1. <b>save</b>", "the hidden marker is not mirrored")
            #expect(stored["title"].string == title)
            let assignees = (stored.children["assignees_table"] ?? []).map { ($0["github_username"].string ?? "", $0["user"].string) }
            #expect(assignees.map(\.0) == ["acme-dev1", "acme-dev2"])
            #expect(assignees.first?.1 == "mapped@desk.example" && assignees.last?.1 == nil, "an unmapped login keeps its row, with no user")

            let todos = try await s.site.read { r in
                try r.list("ToDo", where: ["reference_type": .equals("Repository Issue"), "reference_name": .equals(.string(stored.name ?? ""))],
                           fields: ["allocated_to", "status", "assigned_by"])
            }
            #expect(todos.map { $0["allocated_to"].string } == ["mapped@desk.example"] && todos.first?["status"].string == "Open")
            #expect(todos.first?["assigned_by"].string == "ghadmin@desk.example")
            #expect(stored["_assign"].string == #"["mapped@desk.example"]"#, "_assign as ToDo.update_in_reference writes it")
        }

        @Test("the same create asked again (a double click, a retry) answers the issue that exists and sends nothing new")
        func createIssueTwice() async throws {
            let s = try await DeskHarness.shared.start()
            let args: [String: JSONValue] = ["repository": .string(s.repository), "title": .string(TestSite.unique("Twice "))]
            let first = try await s.call("github_api.create_issue", as: "ghadmin@desk.example", json: args)
            let mark = await s.logMark()
            let second = try await s.call("github_api.create_issue", as: "ghadmin@desk.example", json: args)
            #expect(first.status == 200 && second.status == 200)
            #expect(second.json?["message"]?["issue_number"] == first.json?["message"]?["issue_number"])
            #expect(second.json?["message"]?["created"] == .bool(false))
            #expect(await s.mutations(since: mark).isEmpty)
        }

        @Test("a create whose answer is lost (GitHub applied it, then hung) leaves exactly one issue, and the desk gets it")
        func lostAnswer() async throws {
            let s = try await DeskHarness.shared.start()
            let title = TestSite.unique("Lost answer ")
            await s.fake.state.inject(FakeFault(method: "POST", pathContains: "/repos/\(s.repository)/issues", times: 1,
                                                kind: .applyThenHang(upTo: .seconds(30))))
            let reply = try await s.call("github_api.create_issue", as: "ghadmin@desk.example",
                                         json: ["repository": .string(s.repository), "title": .string(title)])
            await s.fake.state.releaseWithheldAnswers()
            #expect(reply.status == 200, "\(reply.serverMessage ?? "")")
            let onGitHub = await s.fake.state.repository(s.repository)?.issues.filter { $0.title == title } ?? []
            #expect(onGitHub.count == 1)
            #expect(reply.json?["message"]?["issue_number"]?.int == onGitHub.first?.number)
        }

        @Test("bulk_create_issues answers per item; a bad item never stops the others; called again it creates none twice")
        func bulkCreate() async throws {
            let s = try await DeskHarness.shared.start()
            let tag = TestSite.unique("bulk ")
            let items: JSONValue = .array([
                .object(["title": .string("\(tag) one"), "labels": .string("bug, documentation")]),
                .object(["body": .string("no title")]),
                .object(["title": .string("\(tag) three"), "assignees": .array([.string("nobody-here@desk.example")])]),
                .object(["title": .string("\(tag) four"), "assignees": .array([.string("acme-dev3")])]),
            ])
            let first = try await s.call("github_api.bulk_create_issues", as: "ghadmin@desk.example",
                                         form: [("repository", s.repository), ("issues", items.pythonJSON())])
            let results = try #require(first.json?["message"]?["results"]?.array)
            #expect(results.map { $0["status"]?.string } == ["created", "failed", "failed", "created"])
            #expect(first.json?["message"]?["created"]?.int == 2 && first.json?["message"]?["failed"]?.int == 2)
            #expect(results[1]["error"]?.string?.contains("title") == true)
            let mark = await s.logMark()
            let again = try await s.call("github_api.bulk_create_issues", as: "ghadmin@desk.example",
                                         json: ["repository": .string(s.repository), "issues": items])
            #expect(again.status == 200, "\(again.serverMessage ?? "")")
            #expect(again.json?["message"]?["results"]?.array?.map { $0["status"]?.string } == ["existing", "failed", "failed", "existing"])
            #expect(await s.mutations(since: mark).isEmpty)
            let onGitHub = await s.fake.state.repository(s.repository)?.issues.filter { $0.title.hasPrefix(tag) } ?? []
            #expect(onGitHub.count == 2)
        }

        @Test("assign_issue sets GitHub's assignees, then the rows and Frappe assignments follow, old ones cancelled")
        func assign() async throws {
            let s = try await DeskHarness.shared.start()
            let created = try await s.call("github_api.create_issue", as: "Administrator",
                                           json: ["repository": .string(s.repository), "title": .string(TestSite.unique("Assign ")),
                                                  "assignees": .array([.string("mapped@desk.example")])])
            let number = try #require(created.json?["message"]?["issue_number"]?.int)
            let mark = await s.logMark()
            let reply = try await s.call("github_api.assign_issue", as: "linked@desk.example",
                                         form: [("repo_full_name", s.repository), ("issue_number", String(number)), ("assignees", #"["acme-dev4"]"#)])
            #expect(reply.status == 200, "\(reply.serverMessage ?? "")")
            let sent = await s.mutations(since: mark)
            #expect(sent.count == 1 && sent.first?.method == "PATCH" && sent.first?.bodyJSON?["assignees"] == .array([.string("acme-dev4")]))
            let name = "\(s.repository)-#\(number)"
            let (rows, todos, assign) = try await s.site.read { r in
                let doc = try r.get("Repository Issue", name)
                let todos = try r.list("ToDo", where: ["reference_name": .equals(.string(name))], fields: ["allocated_to", "status"])
                return ((doc?.children["assignees_table"] ?? []).compactMap { $0["github_username"].string },
                        todos.map { "\($0["allocated_to"].string ?? ""):\($0["status"].string ?? "")" }, doc?["_assign"].string)
            }
            #expect(rows == ["acme-dev4"])
            #expect(todos == ["mapped@desk.example:Cancelled"])
            #expect(assign == "[]")
        }

        @Test("create_pull_request and add_pr_reviewer: GitHub first, then the mirror; a second create answers the open one")
        func pullRequests() async throws {
            let s = try await DeskHarness.shared.start()
            // A branch of its own: the seed's branches already have pull requests open.
            var fakeRepo = try #require(await s.fake.state.repository(s.repository))
            let branch = TestSite.unique("feature/")
            fakeRepo.branches.append(FakeBranch(name: branch, sha: String(repeating: "ab", count: 20), committedDate: Date(), message: "Work",
                                                author: "acme-dev2", protected: false))
            await s.fake.state.upsertRepository(fakeRepo)
            let args: [String: JSONValue] = ["repository": .string(s.repository), "title": .string(TestSite.unique("Feature ")),
                                             "head": .string(branch), "base": "main", "body": "Closes nothing"]
            let mark = await s.logMark()
            let reply = try await s.call("github_api.create_pull_request", as: "ghadmin@desk.example", json: args)
            #expect(reply.status == 200, "\(reply.serverMessage ?? "")")
            let number = try #require(reply.json?["message"]?["pr_number"]?.int)
            let sent = await s.mutations(since: mark)
            #expect(sent.count == 1 && sent.first?.bodyJSON?["head"]?.stringValue == branch && sent.first?.bodyJSON?["base"]?.stringValue == "main")
            let pr = try await s.site.read { try $0.get("Repository Pull Request", "\(s.repository)-#\(number)") }
            #expect(pr?["head_branch"].string == branch && pr?["body"].string == "Closes nothing" && pr?["state"].string == "open")

            var other = args
            other["title"] = .string(TestSite.unique("Same branch "))
            let second = try await s.call("github_api.create_pull_request", as: "ghadmin@desk.example", json: other)
            #expect(second.json?["message"]?["pr_number"]?.int == number && second.json?["message"]?["created"] == .bool(false))

            let collaborators = await s.fake.state.repository(s.repository)?.collaborators.map(\.login).filter { $0 != "acme-dev1" } ?? []
            let wanted = Array(collaborators.prefix(2))
            try #require(wanted.count == 2)
            let reviewMark = await s.logMark()
            let review = try await s.call("github_api.add_pr_reviewer", as: "ghadmin@desk.example",
                                          json: ["repo_full_name": .string(s.repository), "pr_number": .number(Double(number)),
                                                 "reviewers": .string(wanted.joined(separator: ", "))])
            #expect(review.status == 200, "\(review.serverMessage ?? String(decoding: review.body, as: UTF8.self))")
            #expect(await s.mutations(since: reviewMark).first?.bodyJSON?["reviewers"] == .array(wanted.map { .string($0) }))
            let reviewers = try await s.site.read { r in
                try r.get("Repository Pull Request", "\(s.repository)-#\(number)")?.children["reviewers_table"]?.map {
                    "\($0["github_username"].string ?? "")=\($0["user"].string ?? "-")"
                }
            }
            #expect(Set(reviewers ?? []).isSuperset(of: wanted.map { "\($0)=-" }))
        }

        @Test("manage_repo_access: collaborators and teams with a permission; a bad action or permission never reaches GitHub")
        func access() async throws {
            let s = try await DeskHarness.shared.start()
            let owner = String(s.repository.split(separator: "/")[0])
            let mark = await s.logMark()
            let add = try await s.call("github_api.manage_repo_access", as: "ghadmin@desk.example",
                                       json: ["repo_full_name": .string(s.repository), "action": "add_collaborator", "identifier": "acme-dev6",
                                              "permission": "triage"])
            #expect(add.status == 200, "\(add.serverMessage ?? "")")
            let put = await s.mutations(since: mark)
            #expect(put.first?.method == "PUT" && put.first?.pathWithoutQuery == "/repos/\(s.repository)/collaborators/acme-dev6")
            #expect(put.first?.bodyJSON?["permission"]?.stringValue == "triage")

            let team = try await s.call("github_api.manage_repo_access", as: "sysman@desk.example",
                                        json: ["repo_full_name": .string(s.repository), "action": "add_team", "identifier": "reviewers"])
            #expect(team.status == 200, "\(team.serverMessage ?? "")")
            #expect(await s.fake.state.teamPermission(org: owner, slug: "reviewers", repository: s.repository) == "push", "push by default")

            let before = await s.logMark()
            for bad in [["action": JSONValue.string("promote"), "permission": "push"], ["action": "add_team", "permission": "owner"]] {
                var args: [String: JSONValue] = ["repo_full_name": .string(s.repository), "identifier": "reviewers"]
                args.merge(bad) { _, new in new }
                let reply = try await s.call("github_api.manage_repo_access", as: "ghadmin@desk.example", json: args)
                #expect(reply.status == 417 && reply.excType == "ValidationError")
            }
            #expect(await s.mutations(since: before).isEmpty)
        }

        @Test("get_github_username_by_email finds the login whose public e-mail it is, or nothing")
        func usernameByEmail() async throws {
            let s = try await DeskHarness.shared.start()
            let email = try #require(await s.fake.state.repository(s.repository).map { _ in "dev2@acme.example" })
            let found = try await s.call("github_api.get_github_username_by_email", as: "ghadmin@desk.example", json: ["email": .string(email)])
            #expect(found.json?["message"]?.string == "acme-dev2")
            let none = try await s.call("github_api.get_github_username_by_email", as: "ghadmin@desk.example", json: ["email": "nobody@nowhere.example"])
            #expect(none.status == 200 && none.json?["message"] == nil)
        }

        @Test("start_sync_all_repositories answers at once and the syncs run in the background")
        func startSyncAll() async throws {
            let s = try await DeskHarness.shared.start()
            let before = try await s.site.read { try $0.count("GitHub Sync Run", where: ["trigger": .equals("Sync All")]) }
            let reply = try await s.call("github_api.start_sync_all_repositories", as: "ghadmin@desk.example")
            #expect(reply.json?["message"]?["queued"] == .bool(true))
            let run = try #require(reply.json?["message"]?["sync_runs"]?[s.repository]?.string, "the job of each repository is named")
            try await waitUntil("the background sync has run") {
                try await s.site.read { r in try r.get("GitHub Sync Run", run)?["status"].string == "Succeeded" }
            }
            #expect(try await s.site.read { try $0.count("GitHub Sync Run", where: ["trigger": .equals("Sync All")]) } == before + 1)
        }
    }

    /// Tasks, Projects and users made from the mirror, as Frappe itself would accept them.
    @Suite("ERP documents from the mirror", .serialized)
    struct ERPDocumentTests {
        @Test("create_task_from_github_issue: a Task named by its series, a valid nested set, linked back, in the linked Project")
        func taskFromIssue() async throws {
            let s = try await DeskHarness.shared.start()
            let issue = try await s.site.read { r in
                try r.list("Repository Issue", where: ["repository": .equals(.string(s.repository))], orderBy: "issue_number", limit: 1).first?.name
            }
            let name = try #require(issue)
            let refused = try await s.call("api.create_task_from_github_issue", as: "plain@desk.example", json: ["issue_name": .string(name)])
            #expect(refused.status == 403, "Task create permission is needed")
            let reply = try await s.call("api.create_task_from_github_issue", as: "linked@desk.example", json: ["issue_name": .string(name)])
            #expect(reply.status == 200, "\(reply.serverMessage ?? "")")
            let task = try #require(reply.json?["message"])
            let taskName = try #require(task["name"]?.string)
            let year = Calendar(identifier: .gregorian).component(.year, from: Date())
            #expect(taskName.range(of: #"^TASK-\#(year)-\d{5}$"#, options: .regularExpression) != nil, "\(taskName)")
            #expect(task["github_issue_doc"]?.string == name && task["github_repo"]?.string == s.repository)
            #expect(task["project"]?.string == s.project)
            let again = try await s.call("api.create_task_from_github_issue", as: "linked@desk.example", json: ["issue_name": .string(name)])
            #expect(again.json?["message"]?["name"]?.string == taskName && again.json?["message"]?["created"] == .bool(false))

            // NestedSet: every node's lft < rgt, no two nodes share a bound, roots in order.
            let bounds = try await s.site.read { r in try r.list("Task", fields: ["name", "lft", "rgt", "parent_task"]) }
            let values = bounds.flatMap { [$0["lft"].int ?? 0, $0["rgt"].int ?? 0] }
            #expect(bounds.allSatisfy { ($0["lft"].int ?? 0) < ($0["rgt"].int ?? 0) })
            #expect(Set(values).count == values.count && values.allSatisfy { $0 > 0 })
        }

        @Test("create_project_from_repository: a Project of the series, linked, with the repository's mapped collaborators")
        func projectFromRepository() async throws {
            let s = try await DeskHarness.shared.start()
            let name = TestSite.unique("Platform ")
            let refused = try await s.call("api.create_project_from_repository", as: "plain@desk.example",
                                           json: ["repo_full_name": .string(s.repository)])
            #expect(refused.status == 403, "Project create permission is needed")
            let reply = try await s.call("api.create_project_from_repository", as: "Administrator",
                                         json: ["repo_full_name": .string(s.repository), "project_name": .string(name)])
            #expect(reply.status == 200, "\(reply.serverMessage ?? "")")
            let project = try #require(reply.json?["message"])
            #expect(project["name"]?.string?.hasPrefix("PROJ-") == true && project["project_name"]?.string == name)
            #expect(project["repository"]?.string == s.repository)
            #expect(project["users"]?.array?.compactMap { $0["user"]?.string } == ["mapped@desk.example"])
            let twice = try await s.call("api.create_project_from_repository", as: "Administrator",
                                         json: ["repo_full_name": .string(s.repository), "project_name": .string(name)])
            #expect(twice.status == 409)
        }

        @Test("bulk_import_github_data counts imported, updated, skipped; a second run skips everything")
        func bulkImport() async throws {
            let s = try await DeskHarness.shared.start()
            let first = try await s.call("api.bulk_import_github_data", as: "ghadmin@desk.example",
                                         json: ["repo_full_name": .string(s.repository), "import_type": "pull_requests", "force_update": "1"])
            #expect(first.status == 200, "\(first.serverMessage ?? "")")
            let again = try await s.call("api.bulk_import_github_data", as: "ghadmin@desk.example",
                                         json: ["repo_full_name": .string(s.repository), "import_type": "pull_requests"])
            let total = await s.fake.state.repository(s.repository)?.issues.filter { $0.pull != nil }.count ?? -1
            #expect(again.json?["message"]?["skipped"]?.int == total && again.json?["message"]?["imported"]?.int == 0)
            let bad = try await s.call("api.bulk_import_github_data", as: "ghadmin@desk.example",
                                       json: ["repo_full_name": .string(s.repository), "import_type": "commits"])
            #expect(bad.status == 417)
        }

        @Test("link_github_user_to_erp: one's own user or with write on User; one login links one user")
        func linkUser() async throws {
            let s = try await DeskHarness.shared.start()
            let own = try await s.call("api.link_github_user_to_erp", as: "unlinked@desk.example",
                                       json: ["github_username": "acme-dev7", "erp_user": "unlinked@desk.example"])
            #expect(own.status == 200, "\(own.serverMessage ?? "")")
            let other = try await s.call("api.link_github_user_to_erp", as: "unlinked@desk.example",
                                         json: ["github_username": "acme-dev8", "erp_user": "plain@desk.example"])
            #expect(other.status == 403)
            let taken = try await s.call("api.link_github_user_to_erp", as: "Administrator",
                                         json: ["github_username": "acme-dev7", "erp_user": "plain@desk.example"])
            #expect(taken.status == 409)
            #expect(try await s.site.read { try $0.get("User", "unlinked@desk.example")?["github_username"].string } == "acme-dev7")
        }

        @Test("sync_user_github_profile copies the caller's public bio and location")
        func syncProfile() async throws {
            let s = try await DeskHarness.shared.start()
            await s.fake.state.upsertUser(FakeUser(id: 10_001, login: "acme-dev1", name: "Developer 1", email: "dev1@acme.example",
                                                   bio: "Builds things", location: "Lisbon"))
            let reply = try await s.call("api.sync_user_github_profile", as: "mapped@desk.example")
            #expect(reply.status == 200, "\(reply.serverMessage ?? "")")
            let user = try await s.site.read { try $0.get("User", "mapped@desk.example") }
            #expect(user?["bio"].string == "Builds things" && user?["location"].string == "Lisbon")
        }
    }
}
