import Foundation

/// A branch tip with its commit date, from one GraphQL walk (100 branches per query) instead of
/// `GET /branches` plus one `GET /commits/{sha}` per branch.
public struct GitHubBranchHead: Sendable, Hashable, Codable {
    public var name: String
    public var sha: String
    /// Null for tags pointing at non-commits (not returned for `refs/heads/`).
    public var committedDate: GitHubDate?
    public var authorLogin: String?
    public var message: String?

    public init(name: String, sha: String, committedDate: GitHubDate?, authorLogin: String? = nil, message: String? = nil) {
        self.name = name
        self.sha = sha
        self.committedDate = committedDate
        self.authorLogin = authorLogin
        self.message = message
    }
}

/// What a sync asks GraphQL after its branch and collaborator lists changed.
public struct GitHubBranchHeadsAndProfiles: Sendable {
    public var heads: [GitHubBranchHead] = []
    /// Keyed by login as asked; see ``GitHubClient/publicProfiles(logins:)``.
    public var profiles: [String: GitHubUserProfile] = [:]
}

extension GitHubClient {
    /// The query text; FakeGitHub recognises it by its operation name `BranchHeads`.
    public static let branchHeadsQuery = branchHeadsQuery(logins: 0)

    /// The branch heads query, with `u<i>: user(login: $l<i>)` fields for `logins` users
    /// (the convention of ``usersByLoginQuery(count:)``) riding along on its first page.
    static func branchHeadsQuery(logins count: Int) -> String {
        let variables = (0..<count).map { ", $l\($0): String!" }.joined()
        let users = (0..<count).map { "\n  u\($0): user(login: $l\($0)) { login databaseId name email }" }.joined()
        return """
            query BranchHeads($owner: String!, $name: String!, $cursor: String\(variables)) {
              rateLimit { cost remaining resetAt }
              repository(owner: $owner, name: $name) {
                refs(refPrefix: "refs/heads/", first: 100, after: $cursor) {
                  totalCount
                  pageInfo { hasNextPage endCursor }
                  nodes {
                    name
                    target { ... on Commit { oid committedDate messageHeadline author { user { login } } } }
                  }
                }
              }\(users)
            }
            """
    }

    /// Every branch of a repository with its head commit and date, 100 per GraphQL call.
    public func branchHeads(owner: String, repo: String) async throws -> [GitHubBranchHead] {
        try await branchHeadsAndProfiles(owner: owner, repo: repo, branches: true, logins: []).heads
    }

    /// Branch heads (when `branches`) and the public profiles of `logins`, in as few GraphQL
    /// calls as both need together: the first 100 logins ride on the first branch-heads query
    /// (a first sync asks both: one call instead of two), the rest go 100 per query.
    public func branchHeadsAndProfiles(owner: String, repo: String, branches: Bool, logins: [String]) async throws
        -> GitHubBranchHeadsAndProfiles {
        var result = GitHubBranchHeadsAndProfiles()
        let unique = Self.uniqueLogins(logins)
        guard branches else {
            result.profiles = try await publicProfiles(logins: unique)
            return result
        }
        var riding = Array(unique.prefix(Self.profilesPerQuery))
        var cursor: JSONValue = .null
        while true {
            var variables: [String: JSONValue] = ["owner": .string(owner), "name": .string(repo), "cursor": cursor]
            for (index, login) in riding.enumerated() { variables["l\(index)"] = .string(login) }
            let data = try await graphQL([String: JSONValue].self, query: Self.branchHeadsQuery(logins: riding.count), variables: variables)
            result.profiles.merge(Self.profiles(in: data, asked: riding)) { a, _ in a }
            riding = []
            let page = try Self.decodeBranchHeads(data, owner: owner, repo: repo)
            result.heads += page.heads
            guard let next = page.next else { break }
            cursor = .string(next)
        }
        if unique.count > Self.profilesPerQuery {
            result.profiles.merge(try await publicProfiles(logins: Array(unique.dropFirst(Self.profilesPerQuery)))) { a, _ in a }
        }
        return result
    }

    /// One page of `repository.refs` from a query's data, and the cursor of the next, if any.
    static func decodeBranchHeads(_ data: [String: JSONValue], owner: String, repo: String) throws -> (heads: [GitHubBranchHead], next: String?) {
        struct Repository: Decodable, Sendable { var refs: Refs? }
        struct Refs: Decodable, Sendable {
            var totalCount: Int?
            var pageInfo: PageInfo
            var nodes: [Node?]?
        }
        struct PageInfo: Decodable, Sendable {
            var hasNextPage: Bool
            var endCursor: String?
        }
        struct Node: Decodable, Sendable {
            var name: String
            var target: Target?
        }
        struct Target: Decodable, Sendable {
            var oid: String?
            var committedDate: GitHubDate?
            var messageHeadline: String?
            var author: Author?
        }
        struct Author: Decodable, Sendable { var user: Login? }
        struct Login: Decodable, Sendable { var login: String }

        guard let value = data["repository"], !value.isNull,
              let refs = try GitHubJSON.decoder().decode(Repository.self, from: GitHubJSON.encoder().encode(value)).refs else {
            throw GitHubError.notFound(message: "repository \(owner)/\(repo)")
        }
        let heads = (refs.nodes ?? []).compactMap { node -> GitHubBranchHead? in
            guard let node, let oid = node.target?.oid else { return nil }
            return GitHubBranchHead(name: node.name, sha: oid, committedDate: node.target?.committedDate,
                                    authorLogin: node.target?.author?.user?.login, message: node.target?.messageHeadline)
        }
        return (heads, refs.pageInfo.hasNextPage ? refs.pageInfo.endCursor : nil)
    }
}
