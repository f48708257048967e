import Foundation
import GitHub

/// How far a sync has got, reported after each write so a job can show the desk a progress bar
/// (Frappe realtime `progress`). A concurrent walk may report pages out of order; `pages` counts
/// the pages of the stage written so far.
public struct SyncProgress: Sendable, Equatable {
    public enum Stage: String, Sendable {
        /// The repository row, its branches and collaborators.
        case repository
        case issues
        case pulls
    }

    public var stage: Stage
    /// Pages of this stage written so far.
    public var pages: Int
    /// The stage's page count, when GitHub's `Link: rel="last"` named it.
    public var totalPages: Int?

    public init(stage: Stage, pages: Int, totalPages: Int?) {
        self.stage = stage
        self.pages = pages
        self.totalPages = totalPages
    }

    /// The page number in a `rel="last"` URL (`…?page=30`).
    public static func lastPage(_ url: String?) -> Int? {
        url.flatMap { GitHubPages<JSONValue>.pageNumber(in: $0) }
    }
}
