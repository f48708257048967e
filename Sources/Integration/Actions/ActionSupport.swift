import Crypto
import Foundation
import Frappe
import GitHub

/// What the desk actions share: the repository as stored, people named either way, and the
/// answer the seed gave (the mirrored document).
enum ActionSupport {
    /// The stored Repository a name means (GitHub names are case-insensitive, so `ACME/Widgets`
    /// finds `acme/widgets`), or a 404 that names it. Acting on GitHub needs it mirrored first.
    static func repository(_ given: String, reader r: DocumentReader) throws -> (name: String, owner: String, repo: String) {
        let (owner, repo) = try ownerRepo(given)
        let stored = try StoredRepository.name("\(owner)/\(repo)", r)
        let (o, n) = try ownerRepo(stored)
        return (stored, o, n)
    }

    /// A list argument of logins or users (JSON array, a JSON string of one, or comma-separated),
    /// each trimmed, empty ones dropped, duplicates removed in order.
    static func names(_ args: RPCArguments, _ key: String) throws -> [String] {
        var seen = Set<String>()
        return (try args.list(key) ?? []).compactMap { $0.string?.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && seen.insert($0.lowercased()).inserted }
    }

    /// People as the desk names them, ERP users or GitHub logins, as GitHub logins: a User with
    /// a `github_username` stands for that login; anything else is taken as a login. An ERP user
    /// with no GitHub login is refused by name, before GitHub is called.
    static func logins(for people: [String], reader r: DocumentReader) throws -> [String] {
        guard !people.isEmpty else { return [] }
        let mapped = try r.meta("User").field("github_username") != nil
        var out: [String] = []
        for person in people {
            if mapped, let user = try r.get("User", person) {
                guard let login = user["github_username"].string, !login.isEmpty else {
                    throw FrappeError.validation("User \(person) has no GitHub username: link one first (Link GitHub User)")
                }
                out.append(login)
            } else {
                guard GitHubLogin.isValid(person) else { throw FrappeError.validation("\(person) is neither a user nor a GitHub login") }
                out.append(person)
            }
        }
        return out
    }

    /// A stable id for one intended create, so that a retried or repeated request finds the
    /// issue the first one made instead of making another (see ``GitHubClient/createIssueOnce``).
    static func operationID(_ parts: [String]) -> String {
        SHA256.hash(data: Data(parts.joined(separator: "\u{1F}").utf8)).prefix(16).map { String(format: "%02x", $0) }.joined()
    }
}

/// GitHub's rules for a login: 1–39 characters, letters, digits and single hyphens, not at the
/// ends (bots' `name[bot]` accepted too, as they appear as assignees and reviewers).
enum GitHubLogin {
    static func isValid(_ login: String) -> Bool {
        let core = login.hasSuffix("[bot]") ? String(login.dropLast(5)) : login
        guard (1...39).contains(core.count), !core.hasPrefix("-"), !core.hasSuffix("-"), !core.contains("--") else { return false }
        return core.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
    }
}
