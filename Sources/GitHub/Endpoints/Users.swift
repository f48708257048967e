import Foundation

extension GitHubClient {
    /// `GET /users/{login}`: the public profile.
    /// - Throws: ``GitHubError/notFound(message:)`` for a login GitHub does not know.
    public func user(login: String) async throws -> GitHubUserProfile {
        try await get(GitHubUserProfile.self, "/users/\(Self.segment(login))")
    }

    /// The GitHub login whose *public* profile e-mail is `email`, for `get_github_username_by_email`.
    ///
    /// `GET /search/users?q={email} in:email` (the search budget: 30 a minute), then, because search
    /// matches words and not whole addresses, the candidates' profiles (at most 3 more calls) to
    /// keep only an exact, case-insensitive match. A single candidate whose profile shows no e-mail is
    /// accepted as search found it.
    ///
    /// - Returns: nil when nobody has that public e-mail, when GitHub refuses the query (422), and,
    ///   without calling GitHub, for text that is not an e-mail address (no `@`, whitespace, quotes).
    public func userLogin(forEmail email: String) async throws -> String? {
        let address = email.trimmingCharacters(in: .whitespacesAndNewlines)
        guard Self.isPlausibleEmail(address) else { return nil }
        let results: GitHubSearchResults<GitHubUser>
        do {
            results = try await get(GitHubSearchResults<GitHubUser>.self, "/search/users",
                                    query: [("q", "\(address) in:email"), ("per_page", "10")])
        } catch GitHubError.validationFailed {
            return nil
        }
        let candidates = results.items.filter { $0.type == nil || $0.type == "User" }
        let wanted = address.lowercased()
        for candidate in candidates.prefix(3) {
            let profile = try await user(login: candidate.login)
            if profile.email?.lowercased() == wanted { return profile.login }
            if profile.email == nil, candidates.count == 1 { return profile.login }
        }
        return nil
    }

    /// One `@`, something on both sides, a dot in the domain, no whitespace, quotes or search syntax
    /// characters, at most 254 characters (RFC 5321's path limit).
    static func isPlausibleEmail(_ text: String) -> Bool {
        guard text.count <= 254 else { return false }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix(".") else {
            return false
        }
        let forbidden = CharacterSet.whitespacesAndNewlines.union(.controlCharacters).union(CharacterSet(charactersIn: "\"'()<>[]\\,;:"))
        return text.unicodeScalars.allSatisfy { !forbidden.contains($0) }
    }
}

extension GitHubClient {
    /// Logins per GraphQL query (GitHub allows 100 aliased fields at cost 1).
    static let profilesPerQuery = 100

    /// The GraphQL query for `count` logins: `u0: user(login: $l0) { … }` … Its operation name is
    /// `UsersByLogin` (FakeGitHub recognises it by that name and the `l<i>` / `u<i>` convention).
    static func usersByLoginQuery(count: Int) -> String {
        let variables = (0..<count).map { "$l\($0): String!" }.joined(separator: ", ")
        let fields = (0..<count).map { "  u\($0): user(login: $l\($0)) { login databaseId name email }" }.joined(separator: "\n")
        return "query UsersByLogin(\(variables)) {\n  rateLimit { cost remaining resetAt }\n\(fields)\n}"
    }

    /// Public name and e-mail of many users in one GraphQL query per 100 logins (REST needs one call
    /// per user), for filling members' e-mail during a sync.
    ///
    /// - Returns: keyed by the login as passed (duplicates differing only in case are asked once).
    ///   Logins GitHub does not know as users (deleted accounts, organisations) are absent. `email` is
    ///   nil when it is not public (GraphQL says `""`).
    public func publicProfiles(logins: [String]) async throws -> [String: GitHubUserProfile] {
        let unique = Self.uniqueLogins(logins)
        var result: [String: GitHubUserProfile] = [:]
        var start = 0
        while start < unique.count {
            let batch = Array(unique[start..<min(start + Self.profilesPerQuery, unique.count)])
            start += batch.count
            var variables: [String: JSONValue] = [:]
            for (index, login) in batch.enumerated() { variables["l\(index)"] = .string(login) }
            let data = try await graphQL([String: JSONValue].self, query: Self.usersByLoginQuery(count: batch.count), variables: variables)
            result.merge(Self.profiles(in: data, asked: batch)) { a, _ in a }
        }
        return result
    }

    /// Logins without empties and case-insensitive duplicates, in their first spelling.
    static func uniqueLogins(_ logins: [String]) -> [String] {
        var seen: Set<String> = []
        return logins.filter { !$0.isEmpty && seen.insert($0.lowercased()).inserted }
    }

    /// The `u<i>` answers of a query that asked for `asked[i]`, keyed by the login as asked. An
    /// alias that answered for another login than its own is dropped.
    static func profiles(in data: [String: JSONValue], asked: [String]) -> [String: GitHubUserProfile] {
        struct Node: Decodable, Sendable {
            var login: String
            var databaseId: Int64?
            var name: String?
            var email: String?
        }
        var result: [String: GitHubUserProfile] = [:]
        for (index, login) in asked.enumerated() {
            guard let value = data["u\(index)"], !value.isNull,
                  let node = try? GitHubJSON.decoder().decode(Node.self, from: GitHubJSON.encoder().encode(value)),
                  node.login.lowercased() == login.lowercased()
            else { continue }
            var profile = GitHubUserProfile(id: node.databaseId ?? 0, login: node.login, name: node.name)
            profile.email = node.email.flatMap { $0.isEmpty ? nil : $0 }
            profile.name = node.name.flatMap { $0.isEmpty ? nil : $0 }
            result[login] = profile
        }
        return result
    }
}
