import FakeGitHub
import Foundation

/// Moves every date of a seed by one offset so its newest issue update falls on `now`: recorded sample data
/// (say, from 2024) then looks like an organisation that was busy this month, and "the last 30
/// days" in the desk shows something. Order and spacing of events are kept.
enum SeedDates {
    static func shifted(_ seed: FakeSeed, newestAt now: Date) -> FakeSeed {
        // The newest issue or pull request sets the offset: that is what "recent activity" counts.
        let activity = seed.repositories.flatMap { $0.issues.map(\.updatedAt) }
        let everything = activity + seed.repositories.flatMap { repo in [repo.updatedAt] + repo.branches.map(\.committedDate) }
        guard let newest = activity.max() ?? everything.max() else { return seed }
        let offset = now.timeIntervalSince(newest)
        func move(_ date: Date) -> Date { date.addingTimeInterval(offset) }
        var seed = seed
        for r in seed.repositories.indices {
            seed.repositories[r].createdAt = move(seed.repositories[r].createdAt)
            seed.repositories[r].updatedAt = move(seed.repositories[r].updatedAt)
            seed.repositories[r].pushedAt = seed.repositories[r].pushedAt.map(move)
            for b in seed.repositories[r].branches.indices {
                seed.repositories[r].branches[b].committedDate = move(seed.repositories[r].branches[b].committedDate)
            }
            for i in seed.repositories[r].issues.indices {
                var issue = seed.repositories[r].issues[i]
                issue.createdAt = move(issue.createdAt)
                issue.updatedAt = move(issue.updatedAt)
                issue.closedAt = issue.closedAt.map(move)
                if var pull = issue.pull {
                    pull.mergedAt = pull.mergedAt.map(move)
                    pull.reviews = pull.reviews?.map { review in
                        var review = review
                        review.submittedAt = move(review.submittedAt)
                        return review
                    }
                    issue.pull = pull
                }
                seed.repositories[r].issues[i] = issue
            }
        }
        return seed
    }
}
