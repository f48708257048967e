import Foundation
import Frappe
import GitHub

/// What a GitHub Sync Run job does (its `job_type`). Every kind shares the queue's rules
/// (``SyncJobs``): durable rows, claimed under a named lock, retried with ``JobRetry``.
public enum JobKind: String, Sendable, CaseIterable {
    /// `sync_repo`, sync-all and the scheduler: the repository mirrored from GitHub.
    case repositorySync = "Repository Sync"
    /// `bulk_import_github_data`: every issue or pull request of a repository, state=all.
    case bulkImport = "Bulk Import"
    /// `bulk_create_issues`: issues created on GitHub, each at most once.
    case bulkCreate = "Bulk Create"
    /// `github_app.sync_now`: the site's template files applied from the App's repository.
    case templateSync = "Template Sync"

    /// A row written before `job_type` existed (or left empty) is a repository sync.
    init(stored: String?) { self = stored.flatMap { JobKind(rawValue: $0) } ?? .repositorySync }

    /// What the desk is told while the job goes on ("The import of acme/widgets goes on…").
    func subject(_ target: String) -> String {
        switch self {
        case .repositorySync: return "The sync of \(target)"
        case .bulkImport: return "The import from \(target)"
        case .bulkCreate: return "Creating issues in \(target)"
        case .templateSync: return "The template sync from \(target)"
        }
    }
}

/// What running a job needs besides its row: GitHub for the site, and the bench's App for
/// template syncs (nil when the App is not configured; such a job then fails with the reason).
public struct JobEnvironment: Sendable {
    public let client: @Sendable (Site) async throws -> GitHubClient
    public let app: GitHubAppService?

    public init(app: GitHubAppService? = nil, client: @escaping @Sendable (Site) async throws -> GitHubClient) {
        self.client = client
        self.app = app
    }
}
