import Foundation

/// The user side of a GitHub App: the web flow's code exchange, so a setup callback can check with
/// `GET /user/installations` that the person who came back may access the installation (GitHub's
/// advice: never trust a callback's `installation_id` alone).
extension GitHubClient {
    /// `POST {webURL}/login/oauth/access_token` → the user's token. The web host is not the API host
    /// on github.com (`https://github.com` vs `https://api.github.com`); on GHES it is `https://HOST`.
    /// GitHub answers a bad or used code with 200 and `{"error": …}`: that is an `unauthorized` error.
    public func exchangeOAuthCode(webURL: String, clientID: String, clientSecret: String, code: String) async throws -> GitHubToken {
        struct Body: Encodable {
            var client_id: String
            var client_secret: String
            var code: String
        }
        struct Answer: Decodable {
            var access_token: String?
            var error: String?
            var error_description: String?
        }
        let web = GitHubClient(core: Core(configuration: GitHubConfiguration(baseURL: webURL), etagStore: InMemoryETagStore(),
                                          httpClient: core.httpClient, logger: core.logger),
                               auth: .anonymous, rateLimitPolicy: .failFast, counter: counter)
        var request = try GitHubRequest.json(.POST, "/login/oauth/access_token", body: Body(client_id: clientID, client_secret: clientSecret, code: code))
        request.accept = "application/json"
        request.mutation = false
        let answer = try await web.send(request).decode(Answer.self)
        guard let token = answer.access_token, !token.isEmpty else {
            throw GitHubError.unauthorized(message: answer.error_description ?? answer.error ?? "GitHub did not accept the authorization code")
        }
        return GitHubToken(token)
    }

    /// The web URL for an API base: `https://api.github.com` → `https://github.com`,
    /// `https://HOST/api/v3` → `https://HOST`; anything else (a test double) is its own web host.
    public static func webURL(forAPI apiURL: String) -> String {
        var url = apiURL
        while url.hasSuffix("/") { url.removeLast() }
        if url.hasSuffix("/api/v3") { return String(url.dropLast("/api/v3".count)) }
        if var components = URLComponents(string: url), let host = components.host, host.hasPrefix("api.") {
            components.host = String(host.dropFirst(4))
            return components.string ?? url
        }
        return url
    }
}
