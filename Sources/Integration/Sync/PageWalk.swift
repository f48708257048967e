import Foundation
import Frappe
import GitHub
import Synchronization

/// A sync's running totals, added to by the lists it walks at the same time. What is in it when
/// a sync fails is what the failed run records.
final class SyncTally: Sendable {
    private let summary = Mutex(SyncSummary())

    func update(_ body: (inout SyncSummary) -> Void) { summary.withLock { body(&$0) } }

    var value: SyncSummary { summary.withLock { $0 } }
}

extension SyncSummary {
    /// Adds the rows counted in `other` (calls are counted by the run, not here).
    mutating func merge(_ other: SyncSummary) {
        inserted += other.inserted
        updated += other.updated
        unchanged += other.unchanged
        deleted += other.deleted
        older += other.older
        skipped += other.skipped
    }
}

/// One newest-first list walked into the mirror (see ``RepositorySync/walk(_:stage:cursorField:stored:tally:updatedAt:documents:numberField:childKeys:gh:)``).
struct PageWalk<T: Sendable>: Sendable {
    let sync: RepositorySync
    let stage: SyncProgress.Stage
    let cursorField: String
    /// Where the last complete walk stopped; nil walks everything.
    let cursor: GitHubDate?
    /// The last walk was cut short: 304 pages are passed over, not taken as the end.
    let pending: Bool
    let tally: SyncTally
    let updatedAt: @Sendable (T) -> GitHubDate?
    let documents: @Sendable ([T]) -> [Document]
    let numberField: String
    let childKeys: [String: String]
    let gh: GitHubClient

    /// Writes the pages in the order `pages` hands them out; returns the newest `updated_at` seen
    /// (the next cursor), nil when nothing changed.
    func run<S: AsyncSequence>(_ pages: S) async throws -> GitHubDate? where S.Element == GitHubPage<T> {
        let (site, repository, user) = (sync.site, sync.repository, sync.user)
        var newest: GitHubDate?
        var first = true
        var written = 0
        for try await page in pages {
            if page.notModified {
                // Unchanged since it was applied. With a complete walk behind us, older pages are too.
                if cursor != nil && !pending { break }
                continue
            }
            if newest == nil { newest = page.items.first.flatMap(updatedAt) }
            let fresh = page.items.filter { item in cursor.map { c in (updatedAt(item) ?? c) >= c } ?? true }
            // What GitHub could never have sent (a bad number, a NUL) is skipped with its reason.
            var docs: [Document] = []
            var rejected: [UpsertSummary.Skipped] = []
            for doc in documents(fresh) {
                if let problem = GitHubNames.problem(with: doc, numberField: numberField) {
                    rejected.append(.init(name: doc.name ?? "", reason: problem))
                } else {
                    docs.append(doc)
                }
            }
            let marker: String? = first && !pending ? "pending:" + (cursor?.iso8601 ?? "") : nil
            first = false
            let (pageDocs, cursorField, childKeys) = (docs, self.cursorField, self.childKeys)
            let result = try await site.write(user: user) { w -> UpsertSummary in
                try RepositorySync.lockRepository(repository, w, exclusive: marker != nil)
                if let marker { try w.setValue("Repository", repository, cursorField, .string(marker), updateModified: false) }
                // Never older over newer: a webhook may have stored a newer version since GitHub sent this page.
                return try w.upsert(pageDocs, childKeys: childKeys, newerBy: "updated_at", skipInvalid: true)
            }
            tally.update {
                $0.skipped += rejected
                $0.add(result)
            }
            try await gh.remember(page)
            written += 1
            await sync.progress(SyncProgress(stage: stage, pages: written, totalPages: SyncProgress.lastPage(page.lastURL)))
            if fresh.count < page.items.count { break }   // reached what the last walk applied
        }
        return newest
    }
}
