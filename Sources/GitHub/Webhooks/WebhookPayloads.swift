import Foundation

/// Typed webhook payloads for the events the product acts on.
public enum WebhookPayload: Sendable {
    case issues(IssuesEvent)
    case pullRequest(PullRequestEvent)
    case pullRequestReview(PullRequestReviewEvent)
    case push(PushEvent)
    case member(MemberEvent)
    case repository(RepositoryEvent)
    case create(RefEvent)
    case delete(RefEvent)
    case ping(PingEvent)
    case installation(InstallationEvent)
    case installationRepositories(InstallationRepositoriesEvent)
    /// An event without a typed payload here; record it as skipped.
    case other(event: String, envelope: WebhookEnvelope)

    /// The events with typed payloads (what a hook should subscribe to).
    public static let knownEvents = [
        "issues", "pull_request", "pull_request_review", "push", "member", "repository", "create", "delete",
        "ping", "installation", "installation_repositories",
    ]

    public init(event: String, body: Data) throws {
        let decoder = JSONDecoder()
        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            do {
                return try decoder.decode(T.self, from: body)
            } catch {
                throw GitHubError.decoding("\(event) webhook: \(error)")
            }
        }
        switch event {
        case "issues": self = .issues(try decode(IssuesEvent.self))
        case "pull_request": self = .pullRequest(try decode(PullRequestEvent.self))
        case "pull_request_review": self = .pullRequestReview(try decode(PullRequestReviewEvent.self))
        case "push": self = .push(try decode(PushEvent.self))
        case "member": self = .member(try decode(MemberEvent.self))
        case "repository": self = .repository(try decode(RepositoryEvent.self))
        case "create": self = .create(try decode(RefEvent.self))
        case "delete": self = .delete(try decode(RefEvent.self))
        case "ping": self = .ping(try decode(PingEvent.self))
        case "installation": self = .installation(try decode(InstallationEvent.self))
        case "installation_repositories": self = .installationRepositories(try decode(InstallationRepositoriesEvent.self))
        default: self = .other(event: event, envelope: try decode(WebhookEnvelope.self))
        }
    }
}

/// `issues`. May be about a pull request (`issue.pull_request` set). `changes` is free-form and may be
/// `{}` even for `edited`; transfers carry `changes.new_issue`/`new_repository`.
public struct IssuesEvent: Sendable, Decodable {
    public var action: String
    public var issue: GitHubIssue
    public var changes: JSONValue?
    public var assignee: GitHubUser?
    public var label: GitHubLabel?
    public var repository: GitHubRepository
    public var sender: GitHubUser?
    public var installation: InstallationReference?
}

/// `pull_request`. `number` equals `pull_request.number`; `synchronize` adds `before`/`after`;
/// `review_requested` names a `requested_reviewer` (user) or `requested_team`.
public struct PullRequestEvent: Sendable, Decodable {
    public var action: String
    public var number: Int
    public var pullRequest: GitHubPullRequest
    public var changes: JSONValue?
    public var before: String?
    public var after: String?
    public var requestedReviewer: GitHubUser?
    public var requestedTeam: GitHubTeam?
    public var assignee: GitHubUser?
    public var label: GitHubLabel?
    public var repository: GitHubRepository
    public var sender: GitHubUser?
    public var installation: InstallationReference?

    enum CodingKeys: String, CodingKey {
        case action, number, changes, before, after, assignee, label, repository, sender, installation
        case pullRequest = "pull_request"
        case requestedReviewer = "requested_reviewer"
        case requestedTeam = "requested_team"
    }
}

/// `pull_request_review`. `review.state` is lower-case here.
public struct PullRequestReviewEvent: Sendable, Decodable {
    public var action: String
    public var review: GitHubReview
    public var pullRequest: GitHubPullRequest
    public var repository: GitHubRepository
    public var sender: GitHubUser?
    public var installation: InstallationReference?

    enum CodingKeys: String, CodingKey {
        case action, review, repository, sender, installation
        case pullRequest = "pull_request"
    }
}

/// `push`. `ref` is the full ref (`refs/heads/main`, `refs/tags/v1`). A deletion has `deleted: true`,
/// `after` = 40 zeros and `head_commit: null`; a new branch has `created: true` and `before` = zeros.
/// Commit lists are capped (2048 commits, 3000 files each), so use `after`/`head_commit.tree_id` and
/// diff trees rather than trusting `added`/`modified`/`removed`.
public struct PushEvent: Sendable, Decodable {
    public var ref: String
    public var before: String
    public var after: String
    public var created: Bool?
    public var deleted: Bool?
    public var forced: Bool?
    public var baseRef: String?
    public var compare: String?
    public var commits: [PushCommit]?
    public var headCommit: PushCommit?
    public var repository: GitHubRepository
    public var pusher: GitHubGitActor?
    public var sender: GitHubUser?
    public var installation: InstallationReference?

    public static let zeroSHA = String(repeating: "0", count: 40)

    /// `main` for `refs/heads/main`; nil for tags.
    public var branch: String? {
        ref.hasPrefix("refs/heads/") ? String(ref.dropFirst("refs/heads/".count)) : nil
    }

    enum CodingKeys: String, CodingKey {
        case ref, before, after, created, deleted, forced, compare, commits, repository, pusher, sender, installation
        case baseRef = "base_ref"
        case headCommit = "head_commit"
    }
}

/// A commit in a `push` payload.
public struct PushCommit: Sendable, Hashable, Decodable {
    public var id: String
    public var treeID: String?
    public var distinct: Bool?
    public var message: String?
    public var timestamp: GitHubDate?
    public var url: String?
    public var author: GitHubGitActor?
    public var committer: GitHubGitActor?
    public var added: [String]?
    public var removed: [String]?
    public var modified: [String]?

    enum CodingKeys: String, CodingKey {
        case id, distinct, message, timestamp, url, author, committer, added, removed, modified
        case treeID = "tree_id"
    }
}

/// `member` (`added`, `edited` with `changes.old_permission.from`, `removed`).
public struct MemberEvent: Sendable, Decodable {
    public var action: String
    public var member: GitHubUser
    public var changes: JSONValue?
    public var repository: GitHubRepository
    public var sender: GitHubUser?
    public var installation: InstallationReference?
}

/// `repository` (`created`, `deleted`, `edited`, `renamed` with `changes.repository.name.from`,
/// `transferred`, `publicized`, `privatized`, `archived`, ...).
public struct RepositoryEvent: Sendable, Decodable {
    public var action: String
    public var repository: GitHubRepository
    public var changes: JSONValue?
    public var sender: GitHubUser?
    public var installation: InstallationReference?
}

/// `create` and `delete`: `ref` is the **short** name and `ref_type` says `branch` or `tag`.
public struct RefEvent: Sendable, Decodable {
    public var ref: String
    public var refType: String
    public var masterBranch: String?
    public var description: String?
    public var pusherType: String?
    public var repository: GitHubRepository
    public var sender: GitHubUser?
    public var installation: InstallationReference?

    enum CodingKeys: String, CodingKey {
        case ref, description, repository, sender, installation
        case refType = "ref_type"
        case masterBranch = "master_branch"
        case pusherType = "pusher_type"
    }
}

/// `ping`, sent when a hook is created. `repository` is absent for org hooks.
public struct PingEvent: Sendable, Decodable {
    public var zen: String?
    public var hookID: Int64?
    public var hook: GitHubHook?
    public var repository: GitHubRepository?
    public var sender: GitHubUser?

    enum CodingKeys: String, CodingKey {
        case zen, hook, repository, sender
        case hookID = "hook_id"
    }
}

/// `installation` (`created`, `deleted`, `suspend`, `unsuspend`, `new_permissions_accepted`).
/// No `repository` key; repositories come as `{id, node_id, name, full_name, private}` stubs.
public struct InstallationEvent: Sendable, Decodable {
    public var action: String
    public var installation: GitHubInstallation
    public var repositories: [GitHubRepository]?
    public var requester: GitHubUser?
    public var sender: GitHubUser?
}

/// `installation_repositories` (`added`, `removed`).
public struct InstallationRepositoriesEvent: Sendable, Decodable {
    public var action: String
    public var installation: GitHubInstallation
    public var repositorySelection: String?
    public var repositoriesAdded: [GitHubRepository]
    public var repositoriesRemoved: [GitHubRepository]
    public var requester: GitHubUser?
    public var sender: GitHubUser?

    enum CodingKeys: String, CodingKey {
        case action, installation, requester, sender
        case repositorySelection = "repository_selection"
        case repositoriesAdded = "repositories_added"
        case repositoriesRemoved = "repositories_removed"
    }
}
