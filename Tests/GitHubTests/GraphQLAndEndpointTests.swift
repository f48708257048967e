import FakeGitHub
import Foundation
import GitHub
import Testing

@Suite("GraphQL and REST endpoints against FakeGitHub")
struct GraphQLAndEndpointTests {
    @Test("Branch heads with commit dates come 100 per GraphQL call")
    func branchHeads() async throws {
        try await withFakeGitHub(seed: TestData.seed(branches: 230)) { server in
            let client = TestData.client(server)
            let counter = RequestCounter()
            let heads = try await client.counting(into: counter).branchHeads(owner: "acme", repo: "widgets")
            #expect(heads.count == 230)
            #expect(heads.allSatisfy { $0.committedDate != nil && $0.sha.count == 40 })
            let seeded = await server.state.repository("acme/widgets")?.branches
            #expect(Set(heads.map(\.name)) == Set(seeded?.map(\.name) ?? []))
            #expect(counter.snapshot.graphQL == 3)
            #expect(counter.snapshot.graphQLCost == 3)
            let budget = try #require(await client.rateLimit(resource: "graphql"))
            #expect(budget.remaining == 4997, "GraphQL spends its own budget")
        }
    }

    @Test("Requested reviewers and latest reviews for every open PR in one walk")
    func pullRequestReviewers() async throws {
        try await withFakeGitHub(seed: TestData.seed(issues: 5, pulls: 60)) { server in
            let client = TestData.client(server)
            let states = try await client.pullRequestReviewers(owner: "acme", repo: "widgets")
            let open = await server.state.repository("acme/widgets")?.issues.filter { $0.pull != nil && $0.state == "open" } ?? []
            #expect(states.count == open.count)
            for pull in open {
                let state = try #require(states.first { $0.number == pull.number })
                #expect(state.requestedReviewers == (pull.pull?.requestedReviewers ?? []))
            }
        }
    }

    @Test("GraphQL errors without data throw; an unknown repository is notFound")
    func graphQLErrors() async throws {
        try await withFakeGitHub { server in
            let client = TestData.client(server)
            await #expect(throws: GitHubError.notFound(message: "repository acme/nope")) {
                _ = try await client.branchHeads(owner: "acme", repo: "nope")
            }
            await #expect(throws: GitHubError.graphQL(messages: ["FakeGitHub does not implement this query"])) {
                let _: JSONValue = try await client.graphQL(query: "query Other { viewer { login } }")
            }
        }
    }

    @Test("A GHES base URL with /api/v3 works for REST, and GraphQL goes to /api/graphql")
    func enterpriseServerPrefix() async throws {
        try await withFakeGitHub(options: FakeGitHubOptions(pathPrefix: "/api/v3")) { server in
            #expect(server.baseURL.hasSuffix("/api/v3"))
            let client = TestData.client(server)
            #expect(client.configuration.graphQLURL == "http://127.0.0.1:\(server.port)/api/graphql")
            let issues = try await client.issues(owner: "acme", repo: "widgets").collect()
            #expect(issues.count == 14)
            _ = try await client.branchHeads(owner: "acme", repo: "widgets")
            let paths = await server.state.requestLog().map(\.pathWithoutQuery)
            #expect(paths == ["/api/v3/repos/acme/widgets/issues", "/api/graphql"])
        }
    }

    @Test("GraphQL URL derivation for github.com and GHES")
    func graphQLURLDerivation() {
        #expect(GitHubConfiguration(baseURL: "https://api.github.com").graphQLURL == "https://api.github.com/graphql")
        #expect(GitHubConfiguration(baseURL: "https://ghe.example.com/api/v3/").graphQLURL == "https://ghe.example.com/api/graphql")
    }

    @Test("Every request carries the GitHub headers and the token, never in the clear elsewhere")
    func defaultHeadersAndRedaction() async throws {
        let token = GitHubToken(TestData.token)
        #expect(!"\(token)".contains(TestData.token))
        #expect(!String(reflecting: token).contains(TestData.token))
        #expect(!"\(GitHubAuth.token(token))".contains(TestData.token))
        #expect(token.identity.hasPrefix("sha256:") && token.identity.count == 7 + 64)
        // The fake authenticates the token: alice's login proves it was sent.
        try await withFakeGitHub(options: FakeGitHubOptions(acceptUnknownTokens: false)) { server in
            let user = try await TestData.client(server).authenticatedUser()
            #expect(user.login == "alice")
        }
    }

    @Test("Creating a PR, requesting reviewers and managing access change FakeGitHub's state")
    func mutations() async throws {
        try await withFakeGitHub(seed: TestData.seed(branches: 4)) { server in
            let client = TestData.client(server)
            let head = try #require(await server.state.repository("acme/widgets")?.branches.first { $0.name != "main" }?.name)
            let pull = try await client.createPullRequest(owner: "acme", repo: "widgets", CreatePullRequest(title: "Add feature", head: head, base: "main"))
            #expect(pull.head?.ref == head)
            let reviewed = try await client.requestReviewers(owner: "acme", repo: "widgets", number: pull.number, reviewers: ["bob"])
            #expect(reviewed.requestedReviewers?.map(\.login) == ["bob"])
            do {
                _ = try await client.requestReviewers(owner: "acme", repo: "widgets", number: pull.number, reviewers: ["stranger"])
                Issue.record("expected validationFailed")
            } catch GitHubError.validationFailed(let message, _) {
                #expect(message?.contains("collaborators") == true)
            }

            let invitation = try await client.addCollaborator(owner: "acme", repo: "widgets", username: "carol", permission: "triage")
            #expect(invitation?.invitee?.login == "carol")
            #expect(try await client.addCollaborator(owner: "acme", repo: "widgets", username: "carol", permission: "push") == nil,
                    "204 for an existing collaborator")
            let collaborators = try await client.collaborators(owner: "acme", repo: "widgets").collect()
            #expect(collaborators.first { $0.login == "carol" }?.permissions?.highestRole == "push")
            try await client.removeCollaborator(owner: "acme", repo: "widgets", username: "carol")
            #expect(try await client.collaborators(owner: "acme", repo: "widgets").collect().contains { $0.login == "carol" } == false)

            let teams = try await client.teams(org: "acme").collect()
            let team = try #require(teams.first)
            try await client.setTeamRepositoryPermission(org: "acme", teamSlug: team.slug, owner: "acme", repo: "widgets", permission: "maintain")

            let hook = try await client.createHook(owner: "acme", repo: "widgets", url: "http://127.0.0.1:9/hook", secret: "s", events: ["issues"])
            #expect(hook.config?.secret == "********", "the secret is write-only")
            #expect(try await client.hooks(owner: "acme", repo: "widgets").collect().map(\.id) == [hook.id])

            let all = try await client.issues(owner: "acme", repo: "widgets").collect()
            #expect(all.first { $0.number == pull.number }?.isPullRequest == true, "PRs share the issue numbers")
        }
    }

    @Test("Trees and blobs: one recursive tree call, then blobs by SHA")
    func treesAndBlobs() async throws {
        try await withFakeGitHub { server in
            let client = TestData.client(server)
            await server.commitFiles("acme/widgets", changes: ["templates/print_format/invoice.json": #"{"doctype": "Print Format"}"#])
            let tree = try await client.tree(owner: "acme", repo: "widgets", sha: "main")
            let entry = try #require(tree.tree.first { $0.path == "templates/print_format/invoice.json" })
            #expect(entry.type == "blob")
            #expect(tree.tree.contains { $0.path == "templates" && $0.type == "tree" })
            let blob = try await client.blob(owner: "acme", repo: "widgets", sha: entry.sha)
            let content = try blob.decodedContent()
            #expect(String(decoding: content, as: UTF8.self) == #"{"doctype": "Print Format"}"#)
            let flat = try await client.tree(owner: "acme", repo: "widgets", sha: "main", recursive: false)
            #expect(!flat.tree.contains { $0.path.contains("/") })
        }
    }
}
