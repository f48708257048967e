import Foundation

/// Who was asked to review a pull request and what reviewers said, for a whole repository in a few
/// GraphQL calls (REST needs two calls per PR).
public struct GitHubPullRequestReviewState: Sendable, Hashable, Codable {
    public struct Review: Sendable, Hashable, Codable {
        public var login: String
        /// `APPROVED`, `CHANGES_REQUESTED`, `COMMENTED`, `DISMISSED`, `PENDING`.
        public var state: String
        public var submittedAt: GitHubDate?

        public init(login: String, state: String, submittedAt: GitHubDate?) {
            self.login = login
            self.state = state
            self.submittedAt = submittedAt
        }
    }

    public var number: Int
    /// Logins of users asked to review.
    public var requestedReviewers: [String]
    /// Slugs of teams asked to review.
    public var requestedTeams: [String]
    /// The latest review per reviewer.
    public var latestReviews: [Review]

    public init(number: Int, requestedReviewers: [String], requestedTeams: [String], latestReviews: [Review]) {
        self.number = number
        self.requestedReviewers = requestedReviewers
        self.requestedTeams = requestedTeams
        self.latestReviews = latestReviews
    }
}

extension GitHubClient {
    /// The query text; FakeGitHub recognises it by its operation name `PullRequestReviewers`.
    public static let pullRequestReviewersQuery = """
        query PullRequestReviewers($owner: String!, $name: String!, $states: [PullRequestState!], $cursor: String) {
          rateLimit { cost remaining resetAt }
          repository(owner: $owner, name: $name) {
            pullRequests(states: $states, first: 50, after: $cursor, orderBy: {field: UPDATED_AT, direction: DESC}) {
              pageInfo { hasNextPage endCursor }
              nodes {
                number
                reviewRequests(first: 25) {
                  nodes { requestedReviewer { __typename ... on User { login } ... on Team { slug } } }
                }
                latestReviews(first: 25) { nodes { author { login } state submittedAt } }
              }
            }
          }
        }
        """

    /// Review requests and latest reviews of the repository's pull requests (50 PRs per call).
    /// - Parameter states: GraphQL states, e.g. `["OPEN"]` (default) or `["OPEN", "CLOSED", "MERGED"]`.
    public func pullRequestReviewers(owner: String, repo: String, states: [String] = ["OPEN"]) async throws -> [GitHubPullRequestReviewState] {
        struct Response: Decodable, Sendable {
            struct Repository: Decodable, Sendable { var pullRequests: Connection? }
            struct Connection: Decodable, Sendable {
                var pageInfo: PageInfo
                var nodes: [Node?]?
            }
            struct PageInfo: Decodable, Sendable {
                var hasNextPage: Bool
                var endCursor: String?
            }
            struct Node: Decodable, Sendable {
                var number: Int
                var reviewRequests: Requests?
                var latestReviews: Reviews?
            }
            struct Requests: Decodable, Sendable { var nodes: [Request?]? }
            struct Request: Decodable, Sendable { var requestedReviewer: Reviewer? }
            struct Reviewer: Decodable, Sendable {
                var __typename: String?
                var login: String?
                var slug: String?
            }
            struct Reviews: Decodable, Sendable { var nodes: [ReviewNode?]? }
            struct ReviewNode: Decodable, Sendable {
                var author: Author?
                var state: String
                var submittedAt: GitHubDate?
            }
            struct Author: Decodable, Sendable { var login: String }
            var repository: Repository?
        }

        var result: [GitHubPullRequestReviewState] = []
        var cursor: JSONValue = .null
        while true {
            let data = try await graphQL(Response.self, query: Self.pullRequestReviewersQuery, variables: [
                "owner": .string(owner), "name": .string(repo), "states": .array(states.map(JSONValue.string)), "cursor": cursor,
            ])
            guard let connection = data.repository?.pullRequests else {
                throw GitHubError.notFound(message: "repository \(owner)/\(repo)")
            }
            for case let node? in connection.nodes ?? [] {
                let reviewers = (node.reviewRequests?.nodes ?? []).compactMap { $0?.requestedReviewer }
                result.append(GitHubPullRequestReviewState(
                    number: node.number,
                    requestedReviewers: reviewers.compactMap(\.login),
                    requestedTeams: reviewers.compactMap(\.slug),
                    latestReviews: (node.latestReviews?.nodes ?? []).compactMap { review in
                        guard let review, let login = review.author?.login else { return nil }
                        return .init(login: login, state: review.state, submittedAt: review.submittedAt)
                    }))
            }
            guard connection.pageInfo.hasNextPage, let next = connection.pageInfo.endCursor else { return result }
            cursor = .string(next)
        }
    }
}
