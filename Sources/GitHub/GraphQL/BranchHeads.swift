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

extension GitHubClient {
    /// The query text; FakeGitHub recognises it by its operation name `BranchHeads`.
    public static let branchHeadsQuery = """
        query BranchHeads($owner: String!, $name: String!, $cursor: String) {
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
          }
        }
        """

    /// Every branch of a repository with its head commit and date, 100 per GraphQL call.
    public func branchHeads(owner: String, repo: String) async throws -> [GitHubBranchHead] {
        struct Response: Decodable, Sendable {
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
            var repository: Repository?
        }

        var heads: [GitHubBranchHead] = []
        var cursor: JSONValue = .null
        while true {
            let data = try await graphQL(Response.self, query: Self.branchHeadsQuery, variables: [
                "owner": .string(owner), "name": .string(repo), "cursor": cursor,
            ])
            guard let refs = data.repository?.refs else {
                throw GitHubError.notFound(message: "repository \(owner)/\(repo)")
            }
            for node in refs.nodes ?? [] {
                guard let node, let oid = node.target?.oid else { continue }
                heads.append(GitHubBranchHead(
                    name: node.name, sha: oid, committedDate: node.target?.committedDate,
                    authorLogin: node.target?.author?.user?.login, message: node.target?.messageHeadline))
            }
            guard refs.pageInfo.hasNextPage, let next = refs.pageInfo.endCursor else { return heads }
            cursor = .string(next)
        }
    }
}
