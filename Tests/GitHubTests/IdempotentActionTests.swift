import FakeGitHub
import Foundation
import GitHub
import Testing

@Suite("Assign, reviewers and repository access are safe to retry")
struct IdempotentActionTests {
    @Test("Setting assignees after a 502 is retried and ends in exactly the requested set")
    func setAssigneesRetried() async throws {
        try await withFakeGitHub { server in
            await server.state.inject(FakeFault(method: "PATCH", pathContains: "/issues/1", times: 1, kind: .status(502, message: "Bad Gateway")))
            let client = TestData.client(server)
            let issue = try await client.setAssignees(owner: "acme", repo: "widgets", number: 1, assignees: ["alice", "bob"])
            #expect(issue.assignees?.map(\.login) == ["alice", "bob"])
            let patches = await server.state.requestLog().filter { $0.method == "PATCH" }
            #expect(patches.map(\.status) == [502, 200])
            #expect(patches.allSatisfy { $0.bodyJSON == .object(["assignees": .array([.string("alice"), .string("bob")])]) },
                    "only assignees are sent, the same both times")

            let again = try await client.setAssignees(owner: "acme", repo: "widgets", number: 1, assignees: ["alice", "bob"])
            #expect(again.assignees?.map(\.login) == ["alice", "bob"], "repeating changes nothing")
            let cleared = try await client.setAssignees(owner: "acme", repo: "widgets", number: 1, assignees: [])
            #expect(cleared.assignees?.isEmpty == true)
        }
    }

    @Test("Adding assignees twice keeps each once")
    func addAssigneesTwice() async throws {
        try await withFakeGitHub { server in
            let client = TestData.client(server)
            _ = try await client.setAssignees(owner: "acme", repo: "widgets", number: 2, assignees: ["alice"])
            _ = try await client.addAssignees(owner: "acme", repo: "widgets", number: 2, assignees: ["bob"])
            let issue = try await client.addAssignees(owner: "acme", repo: "widgets", number: 2, assignees: ["bob", "alice"])
            #expect(issue.assignees?.map(\.login) == ["alice", "bob"])
            let posts = await server.state.requestLog().filter { $0.method == "POST" }
            #expect(posts.map(\.pathWithoutQuery) == ["/repos/acme/widgets/issues/2/assignees", "/repos/acme/widgets/issues/2/assignees"])
        }
    }

    @Test("Requesting reviewers after a 502 is retried; asking again does not duplicate them")
    func reviewersRetried() async throws {
        try await withFakeGitHub { server in
            let client = TestData.client(server)
            let pull = try #require(await server.state.repository("acme/widgets")?.issues.first { $0.pull != nil && $0.user != "bob" })
            await server.state.inject(FakeFault(method: "POST", pathContains: "/requested_reviewers", times: 1, kind: .status(502, message: "Bad Gateway")))
            _ = try await client.requestReviewers(owner: "acme", repo: "widgets", number: pull.number, reviewers: ["bob"])
            let twice = try await client.requestReviewers(owner: "acme", repo: "widgets", number: pull.number, reviewers: ["bob"])
            #expect(twice.requestedReviewers?.filter { $0.login == "bob" }.count == 1)
            let posts = await server.state.requestLog().filter { $0.method == "POST" }
            #expect(posts.map(\.status) == [502, 201, 201])
            #expect(posts.first?.bodyJSON?["reviewers"] == .array([.string("bob")]))
        }
    }

    @Test("Collaborators: adding twice and removing twice both succeed and leave one state")
    func collaboratorsRepeat() async throws {
        try await withFakeGitHub { server in
            let client = TestData.client(server)
            let invitation = try await client.addCollaborator(owner: "acme", repo: "widgets", username: "carol", permission: "triage")
            #expect(invitation != nil, "a new collaborator gets an invitation (201)")
            let repeated = try await client.addCollaborator(owner: "acme", repo: "widgets", username: "carol", permission: "triage")
            #expect(repeated == nil, "already a collaborator: 204")
            #expect(await server.state.repository("acme/widgets")?.collaborators.filter { $0.login == "carol" }.map(\.permission) == ["triage"])

            try await client.removeCollaborator(owner: "acme", repo: "widgets", username: "carol")
            try await client.removeCollaborator(owner: "acme", repo: "widgets", username: "carol")
            #expect(await server.state.repository("acme/widgets")?.collaborators.contains { $0.login == "carol" } == false)
            let puts = await server.state.requestLog().filter { $0.method == "PUT" }
            #expect(puts.allSatisfy { $0.bodyJSON == .object(["permission": .string("triage")]) })
        }
    }

    @Test("A collaborator PUT that times out is retried (PUT is idempotent), and one collaborator results")
    func collaboratorTimeoutRetried() async throws {
        try await withFakeGitHub { server in
            await server.state.inject(FakeFault(method: "PUT", pathContains: "/collaborators/", times: 1, kind: .applyThenHang()))
            let client = TestData.client(server, timeout: .seconds(2))
            _ = try await client.addCollaborator(owner: "acme", repo: "widgets", username: "dave", permission: "push")
            #expect(await server.state.requestLog().filter { $0.method == "PUT" }.map(\.status) == [201, 204])
            #expect(await server.state.repository("acme/widgets")?.collaborators.filter { $0.login == "dave" }.count == 1)
        }
    }

    @Test("Teams: every permission GitHub knows is accepted, others are refused, removal repeats safely")
    func teamPermissions() async throws {
        try await withFakeGitHub { server in
            let client = TestData.client(server)
            for permission in ["pull", "triage", "push", "maintain", "admin"] {
                try await client.setTeamRepositoryPermission(org: "acme", teamSlug: "developers", owner: "acme", repo: "widgets", permission: permission)
                #expect(await server.state.teamPermission(org: "acme", slug: "developers", repository: "acme/widgets") == permission)
            }
            do {
                try await client.setTeamRepositoryPermission(org: "acme", teamSlug: "developers", owner: "acme", repo: "widgets", permission: "owner")
                Issue.record("expected validationFailed")
            } catch GitHubError.validationFailed(_, let errors) {
                #expect(errors.first?.field == "permission")
            }
            #expect(await server.state.teamPermission(org: "acme", slug: "developers", repository: "acme/widgets") == "admin")
            try await client.removeTeamRepository(org: "acme", teamSlug: "developers", owner: "acme", repo: "widgets")
            try await client.removeTeamRepository(org: "acme", teamSlug: "developers", owner: "acme", repo: "widgets")
            #expect(await server.state.teamPermission(org: "acme", slug: "developers", repository: "acme/widgets") == nil)
            await #expect(throws: GitHubError.notFound(message: "Not Found")) {
                try await client.setTeamRepositoryPermission(org: "acme", teamSlug: "nobody", owner: "acme", repo: "widgets")
            }
        }
    }
}

@Suite("FakeGitHub list filters used by lookups")
struct FakeListFilterTests {
    @Test("Issues filter by creator and sort newest-created first; pulls filter by head and base")
    func creatorAndHead() async throws {
        try await withFakeGitHub { server in
            let alice = TestData.client(server)
            let bob = TestData.client(server, token: TestData.otherToken)
            _ = try await alice.createIssue(owner: "acme", repo: "widgets", CreateIssue(title: "From alice"))
            _ = try await bob.createIssue(owner: "acme", repo: "widgets", CreateIssue(title: "From bob 1"))
            _ = try await bob.createIssue(owner: "acme", repo: "widgets", CreateIssue(title: "From bob 2"))
            let byBob = try await alice.get([GitHubIssue].self, "/repos/acme/widgets/issues",
                                            query: [("creator", "bob"), ("state", "all"), ("sort", "created"), ("direction", "desc")])
            #expect(byBob.map(\.title) == ["From bob 2", "From bob 1"])

            let seeded = try #require(await server.state.repository("acme/widgets")?.issues.first { $0.pull != nil })
            let head = try #require(seeded.pull?.head)
            let pulls = try await alice.get([GitHubPullRequest].self, "/repos/acme/widgets/pulls",
                                            query: [("head", "acme:\(head)"), ("base", "main"), ("state", "all")])
            #expect(!pulls.isEmpty)
            #expect(pulls.allSatisfy { $0.head?.ref == head })
        }
    }
}

@Suite("Users: login by e-mail, profiles, public e-mails in bulk")
struct UserLookupTests {
    @Test("A login is found by its public e-mail, whatever its case")
    func loginByEmail() async throws {
        try await withFakeGitHub { server in
            let client = TestData.client(server)
            let found1 = try await client.userLogin(forEmail: "  DEV2@acme.example ")
            #expect(found1 == "acme-dev2")
            let search = try #require(await server.state.requestLog().first { $0.pathWithoutQuery == "/search/users" })
            #expect(search.query["q"] == "DEV2@acme.example in:email")
            #expect(search.chargedResource == "search")
        }
    }

    @Test("Plus addressing reaches GitHub intact")
    func plusAddress() async throws {
        try await withFakeGitHub { server in
            await server.state.upsertUser(FakeUser(id: 77, login: "erin", email: "erin+github@example.org"))
            let client = TestData.client(server)
            let found2 = try await client.userLogin(forEmail: "erin+github@example.org")
            #expect(found2 == "erin")
        }
    }

    @Test("No match, GitHub's 422, and text that is no e-mail all give nil (the last without a call)")
    func noMatch() async throws {
        try await withFakeGitHub { server in
            let client = TestData.client(server)
            let found3 = try await client.userLogin(forEmail: "nobody@nowhere.example")
            #expect(found3 == nil)
            let found4 = try await client.userLogin(forEmail: "not an email")
            #expect(found4 == nil)
            let found5 = try await client.userLogin(forEmail: "a@b")
            #expect(found5 == nil)
            #expect(await server.state.requestLog().count == 1)

            await server.state.inject(FakeFault(method: "GET", pathContains: "/search/users", kind: .status(422, message: "Validation Failed")))
            let found6 = try await client.userLogin(forEmail: "dev1@acme.example")
            #expect(found6 == nil)
        }
    }

    @Test("A profile carries what Sync GitHub Profile copies; an unknown login is notFound")
    func profile() async throws {
        try await withFakeGitHub { server in
            await server.state.upsertUser(FakeUser(id: 90, login: "grace", name: "Grace H", email: "grace@example.org",
                                                   bio: "Compilers", location: "Arlington", company: "Navy"))
            let client = TestData.client(server)
            let profile = try await client.user(login: "grace")
            #expect(profile.login == "grace")
            #expect(profile.name == "Grace H")
            #expect(profile.bio == "Compilers")
            #expect(profile.location == "Arlington")
            #expect(profile.company == "Navy")
            #expect(profile.email == "grace@example.org")
            await #expect(throws: GitHubError.notFound(message: "Not Found")) { _ = try await client.user(login: "no-such-user") }
        }
    }

    @Test("Public e-mails of many users take one GraphQL query per 100 logins")
    func bulkPublicProfiles() async throws {
        try await withFakeGitHub { server in
            let client = TestData.client(server)
            let unknown = (0..<110).map { "ghost-\($0)" }
            let logins = ["acme-dev1", "acme-dev2", "ACME-DEV2", "alice"] + unknown + ["acme"]
            let profiles = try await client.publicProfiles(logins: logins)

            #expect(profiles["acme-dev1"]?.email == "dev1@acme.example")
            #expect(profiles["acme-dev2"]?.email == "dev2@acme.example")
            #expect(profiles["ACME-DEV2"] == nil, "asked once, under the first spelling")
            #expect(profiles["alice"] != nil)
            #expect(profiles["alice"]?.email == nil, "no public e-mail is nil, not empty")
            #expect(profiles["ghost-3"] == nil)
            #expect(profiles["acme"] == nil, "an organisation is not a user")
            #expect(profiles.count == 3)
            let queries = await server.state.requestLog().filter { $0.pathWithoutQuery == "/graphql" }
            #expect(queries.count == 2, "114 distinct logins: two queries")
        }
    }

    @Test("The recorded search answer decodes")
    func recordedSearchDecodes() throws {
        let results = try GitHubJSON.decoder().decode(GitHubSearchResults<GitHubUser>.self, from: Fixtures.data("rest/GET_search_users.json"))
        #expect(results.totalCount == 12)
        #expect(results.incompleteResults == false)
        #expect(results.items.first?.login == "mojombo")
    }
}
