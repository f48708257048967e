import Foundation

extension GitHubClient {
    /// Creates an issue at most once per `operationID`, even when GitHub's answer is lost.
    ///
    /// The body gets the operation's hidden marker (``GitHubOperationMarker``). If the create's outcome is
    /// unknown (timeout or dropped connection after sending, or a 5xx), the issue is looked up instead
    /// of being re-sent: the repository's issues newest-created first, back to shortly before the send,
    /// matched by marker. The one found is returned (``SentOnce/Origin/recovered``). The create is sent
    /// again only when that lookup is certain nothing exists and GitHub has had
    /// ``GitHubConfiguration/unknownOutcomeSettleTime`` to finish; otherwise the call throws
    /// ``GitHubError/mutationOutcomeUnknown(method:path:reason:)`` and nothing was sent twice.
    ///
    /// - Parameters:
    ///   - operationID: stable for one intended issue (e.g. a bulk request's id + the item's index),
    ///     1 to ``GitHubOperationMarker/maximumIDLength`` bytes; the same id always means the same issue.
    ///   - previousAttemptSince: pass when this operation may have been sent before (a bulk called
    ///     again after an interruption, a desk retry after an unknown outcome): the earliest time it
    ///     could have been sent. The call looks first and returns the issue instead of creating another.
    ///     Concurrent calls with the same id in this process are serialised and do this by themselves.
    /// - Returns: the issue as GitHub has it (its body includes the marker; see
    ///   ``GitHubOperationMarker/strippingMarkers(from:)``).
    public func createIssueOnce(
        owner: String, repo: String, _ issue: CreateIssue, operationID: String, previousAttemptSince: Date? = nil
    ) async throws -> SentOnce<GitHubIssue> {
        let marker = try GitHubOperationMarker.marker(for: operationID)
        var marked = issue
        marked.body = GitHubOperationMarker.appending(marker, to: issue.body)
        let request = marked
        let path = Self.repoPath(owner, repo) + "/issues"
        return try await sendOnce(
            operationKey: "issue\u{0}\(owner.lowercased())/\(repo.lowercased())\u{0}\(operationID)",
            path: path, previousAttemptSince: previousAttemptSince,
            lookup: { cutoff in try await self.findIssue(owner: owner, repo: repo, marker: marker, createdSince: cutoff) },
            send: { try await self.createIssue(owner: owner, repo: repo, request) })
    }

    /// Opens a pull request at most once per `operationID`, like ``createIssueOnce(owner:repo:_:operationID:previousAttemptSince:)``.
    ///
    /// GitHub allows one open pull request per head and base, so the lookup is
    /// `GET /repos/{o}/{r}/pulls?head={owner}:{branch}&base={base}&state=all`: a pull request carrying this
    /// operation's marker is ``SentOnce/Origin/recovered``; otherwise an open one for the same head and
    /// base is returned as ``SentOnce/Origin/existing`` (GitHub answers a second create with 422 "A pull
    /// request already exists", which this call turns into that answer).
    /// - Parameter pull: `head` is `branch` (same repository) or `user:branch` (a fork).
    public func createPullRequestOnce(
        owner: String, repo: String, _ pull: CreatePullRequest, operationID: String, previousAttemptSince: Date? = nil
    ) async throws -> SentOnce<GitHubPullRequest> {
        let marker = try GitHubOperationMarker.marker(for: operationID)
        var marked = pull
        marked.body = GitHubOperationMarker.appending(marker, to: pull.body)
        let request = marked
        let path = Self.repoPath(owner, repo) + "/pulls"
        return try await sendOnce(
            operationKey: "pull\u{0}\(owner.lowercased())/\(repo.lowercased())\u{0}\(operationID)",
            path: path, previousAttemptSince: previousAttemptSince,
            lookup: { _ in try await self.findPullRequest(owner: owner, repo: repo, head: pull.head, base: pull.base, marker: marker) },
            send: { try await self.createPullRequest(owner: owner, repo: repo, request) },
            isAlreadyExists: Self.isPullRequestAlreadyExists)
    }

    /// GitHub's refusal of a second open pull request for one head and base.
    static func isPullRequestAlreadyExists(_ error: GitHubError) -> Bool {
        guard case .validationFailed(let message, let errors) = error else { return false }
        let texts = [message] + errors.map(\.message)
        return texts.contains { $0?.lowercased().contains("a pull request already exists") == true }
    }

    /// How many pages of newest-created issues a lookup reads before giving up as inconclusive.
    static let maximumLookupPages = 10

    /// The issue carrying `marker`, among issues created at or after `cutoff` (newest first).
    func findIssue(owner: String, repo: String, marker: String, createdSince cutoff: Date) async throws -> OnceLookup<GitHubIssue> {
        var pages = 0
        for try await page in issues(owner: owner, repo: repo, state: .all, sort: .created, direction: .desc) {
            pages += 1
            for issue in page.items {
                if !issue.isPullRequest, issue.body?.contains(marker) == true { return .found(issue, .created) }
                if let created = issue.createdAt?.date, created < cutoff { return .absent }
            }
            if pages >= Self.maximumLookupPages, page.nextURL != nil {
                return .inconclusive("more than \(pages * configuration.perPage) issues were created since \(GitHubDate(cutoff))")
            }
        }
        return .absent
    }

    /// The pull request for `head` → `base` that carries `marker`, else the open one for them.
    func findPullRequest(owner: String, repo: String, head: String, base: String, marker: String) async throws -> OnceLookup<GitHubPullRequest> {
        let headFilter = head.contains(":") ? head : "\(owner):\(head)"
        var candidates: [GitHubPullRequest] = []
        var pages = 0
        let list = self.pages(of: GitHubPullRequest.self, Self.repoPath(owner, repo) + "/pulls", query: [
            ("state", "all"), ("head", headFilter), ("base", base), ("sort", "created"), ("direction", "desc"),
        ])
        for try await page in list {
            pages += 1
            if let mine = page.items.first(where: { $0.body?.contains(marker) == true }) { return .found(mine, .created) }
            candidates += page.items
            if pages >= Self.maximumLookupPages, page.nextURL != nil {
                return .inconclusive("too many pull requests for \(headFilter) → \(base)")
            }
        }
        if let open = candidates.first(where: { $0.state == "open" }) { return .found(open, .existing) }
        return .absent
    }
}
