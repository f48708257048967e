import Foundation

/// Makes a deterministic sample organisation of any size (same parameters → byte-identical seed).
///
/// Used for the demo and benchmarks: e.g. repository "L" = 3,000 issues, 800 PRs, 100 branches,
/// 30 collaborators; "XL" = 10,000 / 2,000 / 300 / 50.
public struct FakeSeedGenerator: Sendable {
    public var organization: String
    public var repositories: Int
    public var issues: Int
    public var pullRequests: Int
    public var branches: Int
    public var collaborators: Int
    public var teams: Int
    public var seed: UInt64
    /// Tokens to put in the seed (each belongs to the first member, an org admin).
    public var tokens: [String]

    public init(organization: String = "acme", repositories: Int = 1, issues: Int = 100, pullRequests: Int = 20, branches: Int = 10,
                collaborators: Int = 5, teams: Int = 2, seed: UInt64 = 42, tokens: [String] = []) {
        self.organization = organization
        self.repositories = repositories
        self.issues = issues
        self.pullRequests = pullRequests
        self.branches = branches
        self.collaborators = collaborators
        self.teams = teams
        self.seed = seed
        self.tokens = tokens
    }

    public func generate() -> FakeSeed {
        var rng = SplitMix64(seed: seed)
        let start = Date(timeIntervalSince1970: 1_704_067_200)  // 2024-01-01T00:00:00Z
        let orgID: Int64 = 1_000
        let memberCount = max(collaborators, 1)
        let users = (1...memberCount).map { index in
            FakeUser(id: 10_000 + Int64(index), login: "\(organization)-dev\(index)", name: "Developer \(index)",
                     email: "dev\(index)@\(organization).example")
        }
        let logins = users.map(\.login)
        let labels = ["bug", "enhancement", "documentation", "question", "good first issue", "priority: high"]
        var nextID: Int64 = 1_000_000

        var repos: [FakeRepository] = []
        for repoIndex in 1...max(repositories, 1) {
            let name = repositories == 1 ? "platform" : "service-\(repoIndex)"
            let created = start.addingTimeInterval(Double(repoIndex) * 3_600)
            var branchList = [FakeBranch(name: "main", sha: sha(&rng), committedDate: created.addingTimeInterval(86_400 * 300),
                                         message: "Release", author: logins[0], protected: true)]
            for index in 1..<max(branches, 1) {
                branchList.append(FakeBranch(
                    name: "feature/\(String(format: "%04d", index))-\(words[Int(rng.next() % UInt64(words.count))])",
                    sha: sha(&rng), committedDate: created.addingTimeInterval(Double(rng.next() % 25_000_000)),
                    message: "Work on feature \(index)", author: logins[Int(rng.next() % UInt64(logins.count))]))
            }
            // Issues and PRs share one number sequence, interleaved as on a real repository.
            let total = issues + pullRequests
            var prLeft = pullRequests
            var items: [FakeIssue] = []
            for number in 1...max(total, 1) where total > 0 {
                let remaining = total - number + 1
                let isPull = prLeft > 0 && (rng.next() % UInt64(remaining)) < UInt64(prLeft)
                if isPull { prLeft -= 1 }
                let createdAt = created.addingTimeInterval(Double(number) * 3_000 + Double(rng.next() % 2_000))
                let updatedAt = createdAt.addingTimeInterval(Double(rng.next() % 5_000_000))
                let closed = rng.next() % 3 == 0
                let author = logins[Int(rng.next() % UInt64(logins.count))]
                let assignee = rng.next() % 2 == 0 ? [logins[Int(rng.next() % UInt64(logins.count))]] : []
                nextID += 1
                var item = FakeIssue(
                    number: number, id: nextID,
                    title: "\(isPull ? "Implement" : "Fix") \(words[Int(rng.next() % UInt64(words.count))]) \(words[Int(rng.next() % UInt64(words.count))]) (#\(number))",
                    body: rng.next() % 5 == 0 ? nil : "Details for item \(number).\n\n- step one\n- step two",
                    state: closed ? "closed" : "open", user: author,
                    labels: rng.next() % 2 == 0 ? [labels[Int(rng.next() % UInt64(labels.count))]] : [],
                    assignees: assignee, createdAt: createdAt, updatedAt: updatedAt, closedAt: closed ? updatedAt : nil)
                if isPull {
                    nextID += 1
                    let head = branchList.count > 1 ? branchList[1 + Int(rng.next() % UInt64(branchList.count - 1))] : branchList[0]
                    let merged = closed && rng.next() % 2 == 0
                    let reviewer = logins[Int(rng.next() % UInt64(logins.count))]
                    item.pull = FakePull(
                        id: nextID, head: head.name, headSHA: head.sha, base: "main", draft: rng.next() % 10 == 0, merged: merged,
                        mergedAt: merged ? updatedAt : nil, requestedReviewers: closed ? [] : [reviewer],
                        reviews: rng.next() % 2 == 0 ? [FakeReview(login: reviewer, state: "APPROVED", submittedAt: updatedAt)] : [])
                }
                items.append(item)
            }
            let permissions = ["pull", "triage", "push", "push", "maintain"]
            let members = users.enumerated().map { index, user in
                FakeCollaborator(login: user.login, permission: index == 0 ? "admin" : permissions[Int(rng.next() % UInt64(permissions.count))])
            }
            repos.append(FakeRepository(
                id: 500_000 + Int64(repoIndex), owner: organization, name: name, private: repoIndex % 2 == 0,
                description: "Sample repository \(repoIndex) of \(organization)", defaultBranch: "main", createdAt: created,
                updatedAt: created.addingTimeInterval(86_400 * 300), branches: branchList, issues: items, collaborators: members,
                files: [
                    "README.md": "# \(name)\n",
                    "templates/email_template/welcome.json": #"{"doctype": "Email Template", "name": "Welcome", "subject": "Welcome", "response": "Hello"}"#,
                ]))
        }
        let teamList = (0..<teams).map { index in
            FakeTeam(id: 2_000 + Int64(index), slug: ["developers", "reviewers", "ops", "qa"][index % 4] + (index >= 4 ? "-\(index)" : ""),
                     name: ["Developers", "Reviewers", "Ops", "QA"][index % 4], description: "Team \(index + 1)",
                     members: Array(logins.prefix(3)), repositories: [:])
        }
        return FakeSeed(
            users: users, organizations: [FakeOrganization(id: orgID, login: organization, teams: teamList)],
            repositories: repos, tokens: tokens.map { FakeToken(token: $0, login: logins[0]) })
    }

    private func sha(_ rng: inout SplitMix64) -> String {
        (0..<5).map { _ in String(format: "%08x", UInt32(truncatingIfNeeded: rng.next())) }.joined()
    }

    private let words = [
        "login", "invoice", "report", "export", "sync", "cache", "webhook", "billing", "search", "payment", "timezone",
        "email", "upload", "dashboard", "permissions", "api", "importer", "scheduler", "printing", "ledger",
    ]
}

/// A tiny, fast, seedable PRNG (Vigna's SplitMix64), so generated fixtures are reproducible
/// everywhere (Swift's `SystemRandomNumberGenerator` is not seedable).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
