import Foundation
import GitHub

/// GraphQL, for exactly the queries the client sends (recognised by operation name), with the
/// same answer shapes as GitHub. Anything else gets a GraphQL error, as an unknown field would.
extension FakeGitHubState {
    func handleGraphQL(_ request: FakeHTTPRequest, caller: Caller) -> FakeHTTPResponse {
        guard let body = try? JSONDecoder().decode(JSONValue.self, from: request.body), let query = body["query"]?.stringValue else {
            return .error(400, "Problems parsing JSON")
        }
        let variables = body["variables"] ?? .object([:])
        let bucket = currentBucket(identity: caller.identity, resource: "graphql")
        let rateLimit: JSONValue = .object([
            "cost": .number(1), "remaining": .number(Double(max(bucket.limit - bucket.used - 1, 0))),
            "resetAt": .string(GitHubDate(bucket.resetAt).iso8601),
        ])
        let owner = variables["owner"]?.stringValue ?? ""
        let name = variables["name"]?.stringValue ?? ""
        let offset = variables["cursor"]?.stringValue.flatMap { Data(base64Encoded: $0) }.flatMap { String(data: $0, encoding: .utf8) }
            .flatMap { Int($0.replacingOccurrences(of: "cursor:", with: "")) } ?? 0
        func cursor(_ value: Int) -> String { Data("cursor:\(value)".utf8).base64EncodedString() }

        let repo = repositories["\(owner)/\(name)".lowercased()]
        func missingRepository() -> FakeHTTPResponse {
            .json(200, encode(JSONValue.object([
                "data": .object(["rateLimit": rateLimit, "repository": .null]),
                "errors": .array([.object([
                    "type": .string("NOT_FOUND"), "path": .array([.string("repository")]),
                    "message": .string("Could not resolve to a Repository with the name '\(owner)/\(name)'."),
                ])]),
            ])))
        }

        if query.contains("query UsersByLogin") {
            return usersByLogin(variables: variables, rateLimit: rateLimit)
        }

        if query.contains("query BranchHeads") {
            guard let repo else { return missingRepository() }
            let branches = repo.branches.sorted { $0.name < $1.name }
            let page = Array(branches.dropFirst(offset).prefix(100))
            let end = offset + page.count
            let nodes: [JSONValue] = page.map { branch in
                .object([
                    "name": .string(branch.name),
                    "target": .object([
                        "oid": .string(branch.sha), "committedDate": .string(GitHubDate(branch.committedDate).iso8601),
                        "messageHeadline": .string(branch.message ?? ""),
                        "author": .object(["user": branch.author.map { .object(["login": .string($0)]) } ?? .null]),
                    ]),
                ])
            }
            var (data, errors) = userAliases(variables: variables)
            data["rateLimit"] = rateLimit
            data["repository"] = .object(["refs": .object([
                "totalCount": .number(Double(branches.count)),
                "pageInfo": .object(["hasNextPage": .bool(end < branches.count), "endCursor": page.isEmpty ? .null : .string(cursor(end))]),
                "nodes": .array(nodes),
            ])])
            var answer: [String: JSONValue] = ["data": .object(data)]
            if !errors.isEmpty { answer["errors"] = .array(errors) }
            return .json(200, encode(JSONValue.object(answer)))
        }

        if query.contains("query PullRequestReviewers") {
            guard let repo else { return missingRepository() }
            let states = Set((variables["states"].flatMap { value -> [String]? in
                guard case .array(let items) = value else { return nil }
                return items.compactMap(\.stringValue)
            }) ?? ["OPEN", "CLOSED", "MERGED"])
            let pulls = repo.issues.filter { issue in
                guard let pull = issue.pull else { return false }
                let state = issue.state == "open" ? "OPEN" : (pull.merged == true ? "MERGED" : "CLOSED")
                return states.contains(state)
            }.sorted { ($0.updatedAt, $0.number) > ($1.updatedAt, $1.number) }
            let page = Array(pulls.dropFirst(offset).prefix(50))
            let end = offset + page.count
            let nodes: [JSONValue] = page.map { issue in
                let pull = issue.pull
                let userRequests: [JSONValue] = (pull?.requestedReviewers ?? []).map {
                    .object(["requestedReviewer": .object(["__typename": .string("User"), "login": .string($0)])])
                }
                let teamRequests: [JSONValue] = (pull?.requestedTeams ?? []).map {
                    .object(["requestedReviewer": .object(["__typename": .string("Team"), "slug": .string($0)])])
                }
                var latest: [String: FakeReview] = [:]
                for review in (pull?.reviews ?? []).sorted(by: { $0.submittedAt < $1.submittedAt }) { latest[review.login.lowercased()] = review }
                let reviews: [JSONValue] = latest.values.sorted { $0.submittedAt < $1.submittedAt }.map { review in
                    .object([
                        "author": .object(["login": .string(review.login)]), "state": .string(review.state),
                        "submittedAt": .string(GitHubDate(review.submittedAt).iso8601),
                    ])
                }
                return .object([
                    "number": .number(Double(issue.number)),
                    "reviewRequests": .object(["nodes": .array(userRequests + teamRequests)]),
                    "latestReviews": .object(["nodes": .array(reviews)]),
                ])
            }
            return .json(200, encode(JSONValue.object(["data": .object([
                "rateLimit": rateLimit,
                "repository": .object(["pullRequests": .object([
                    "pageInfo": .object(["hasNextPage": .bool(end < pulls.count), "endCursor": page.isEmpty ? .null : .string(cursor(end))]),
                    "nodes": .array(nodes),
                ])]),
            ])])))
        }

        return .json(200, encode(JSONValue.object([
            "errors": .array([.object(["message": .string("FakeGitHub does not implement this query"), "type": .string("UNSUPPORTED")])]),
        ])))
    }
}
