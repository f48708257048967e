import Foundation

/// `{data, errors}` of a GraphQL answer.
public struct GraphQLEnvelope<DataType: Decodable & Sendable>: Decodable, Sendable {
    public struct Error: Decodable, Sendable, Hashable {
        public var message: String
        /// e.g. `RATE_LIMITED`, `NOT_FOUND`.
        public var type: String?
        public var path: [JSONValue]?
    }

    public var data: DataType?
    public var errors: [Error]?
}

/// `rateLimit { cost remaining resetAt }`, which every query of this module asks for.
public struct GraphQLRateLimit: Decodable, Sendable, Hashable {
    public var cost: Int?
    public var remaining: Int?
    public var resetAt: GitHubDate?
}

extension GitHubClient {
    /// POSTs a GraphQL query to ``GitHubConfiguration/graphQLURL``.
    ///
    /// Queries are reads, so they are retried like GETs and not spaced like mutations. GitHub answers
    /// a GraphQL rate limit with 200 and `errors[].type == "RATE_LIMITED"`; that is handled like a
    /// primary limit (wait or fail per ``RateLimitPolicy``). Partial data with errors is returned;
    /// errors without data throw ``GitHubError/graphQL(messages:)``.
    public func graphQL<T: Decodable & Sendable>(
        _ type: T.Type = T.self, query: String, variables: [String: JSONValue] = [:]
    ) async throws -> T {
        var waited = 0
        while true {
            let request = GitHubRequest(
                .POST, configuration.graphQLURL, body: try GitHubJSON.encoder().encode(GraphQLRequestBody(query: query, variables: variables)),
                resource: "graphql", idempotent: true, mutation: false)
            let response = try await send(request)
            if let cost = (try? JSONDecoder().decode(GraphQLCostOnly.self, from: response.body))?.data?.rateLimit?.cost {
                record { $0.graphQLCost += cost }
            }
            let envelope = try response.decode(GraphQLEnvelope<T>.self)
            let errors = envelope.errors ?? []
            if errors.contains(where: { $0.type == "RATE_LIMITED" }) {
                let reset = await rateLimit(resource: "graphql")?.resetAt ?? configuration.now().addingTimeInterval(60)
                guard rateLimitPolicy == .waitForReset, waited < configuration.maxRateLimitWaits else {
                    throw GitHubError.rateLimited(resource: "graphql", resetAt: reset)
                }
                waited += 1
                record { $0.rateLimitWaits += 1 }
                try await configuration.sleep(.milliseconds(Int64((max(reset.timeIntervalSince(configuration.now()), 0) + 1) * 1000)))
                continue
            }
            guard let data = envelope.data else {
                throw GitHubError.graphQL(messages: errors.map { $0.message })
            }
            return data
        }
    }
}

private struct GraphQLRequestBody: Encodable {
    var query: String
    var variables: [String: JSONValue]
}

private struct GraphQLCostOnly: Decodable {
    struct Inner: Decodable { var rateLimit: GraphQLRateLimit? }
    var data: Inner?
}
