import Foundation

/// Assigning people. Both calls describe a final state rather than a change ("these are assigned"),
/// so sending one twice leaves GitHub exactly as sending it once: they are retried on timeouts and
/// 5xx like PUTs, and a caller may repeat them after an unknown outcome without looking first.
extension GitHubClient {
    /// `PATCH /repos/{o}/{r}/issues/{n}` with only `assignees`: the issue's assignees become exactly
    /// `assignees` (an empty list unassigns everyone). What the original app's "Assign Issue" did.
    /// Without push access GitHub drops the change silently; read the answer's `assignees` to see who is.
    public func setAssignees(owner: String, repo: String, number: Int, assignees: [String]) async throws -> GitHubIssue {
        struct Body: Encodable { var assignees: [String] }
        var request = try GitHubRequest.json(.PATCH, Self.repoPath(owner, repo) + "/issues/\(number)", body: Body(assignees: assignees))
        request.idempotent = true
        return try await send(request).decode(GitHubIssue.self)
    }

    /// `POST /repos/{o}/{r}/issues/{n}/assignees`: adds up to 10 `assignees`, keeping the ones already
    /// there (logins already assigned change nothing). Works for pull requests too (same numbers).
    /// Without push access GitHub ignores the logins silently; read the answer's `assignees`.
    public func addAssignees(owner: String, repo: String, number: Int, assignees: [String]) async throws -> GitHubIssue {
        struct Body: Encodable { var assignees: [String] }
        var request = try GitHubRequest.json(.POST, Self.repoPath(owner, repo) + "/issues/\(number)/assignees", body: Body(assignees: assignees))
        request.idempotent = true
        return try await send(request).decode(GitHubIssue.self)
    }
}
