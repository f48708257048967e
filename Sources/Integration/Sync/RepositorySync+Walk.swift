import Foundation
import Frappe
import GitHub

/// What a sync fetches and writes, list by list (``RepositorySync`` runs it inside its Sync Run).
extension RepositorySync {
    func sync(_ gh: GitHubClient, into summary: inout SyncSummary) async throws {
        let parts = repository.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { throw FrappeError.validation("Repository name must be owner/repo, not \(repository)") }
        let (owner, name) = (parts[0], parts[1])
        let repository = self.repository, user = self.user
        let (stored, users) = try await site.read { r -> (Document, [String: String]) in
            guard let doc = try r.get("Repository", repository) else { throw FrappeError.notFound("Repository \(repository) not found") }
            return (doc, try Self.userMap(r))
        }
        let mirror = Mirror(clock: site.clock, users: users)
        let tally = SyncTally()
        defer { summary.merge(tally.value) }

        // The three parts at the same time: their fetches share the token's read slots, their
        // writes go to different tables. The first failure cancels the others.
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await syncRepositoryRow(gh, owner: owner, name: name, stored: stored, mirror: mirror, tally: tally)
            }
            // Issues (the issues list includes pull requests: those are left to the pulls walk).
            group.addTask {
                try await walk(gh.issues(owner: owner, repo: name, state: .all, sort: .updated, direction: .desc, conditional: .callerStores),
                               stage: .issues, cursorField: "issues_cursor", stored: stored, tally: tally,
                               updatedAt: { $0.updatedAt }, documents: { items in
                                   items.filter { !$0.isPullRequest }.map { mirror.issue($0, repository: repository) }
                               }, numberField: "issue_number", childKeys: ["assignees_table": "github_username"], gh: gh)
            }
            group.addTask {
                try await walk(gh.pullRequests(owner: owner, repo: name, state: .all, sort: .updated, direction: .desc, conditional: .callerStores),
                               stage: .pulls, cursorField: "pulls_cursor", stored: stored, tally: tally,
                               updatedAt: { $0.updatedAt }, documents: { items in items.map { mirror.pullRequest($0, repository: repository) } },
                               numberField: "pr_number", childKeys: ["reviewers_table": "github_username"], gh: gh)
            }
            try await group.waitForAll()
        }

        // Bookkeeping, written as Frappe writes it (`db.set_value(update_modified=False)`): no
        // Version row and no new `modified`, so a re-sync with nothing changed shows nothing.
        try await site.write(user: user) { w in
            try Self.lockRepository(repository, w, exclusive: true)
            try w.setValue("Repository", repository, "is_synced", .int(1), updateModified: false)
            try w.setValue("Repository", repository, "last_synced", .datetime(w.now()), updateModified: false)
            try w.setSingle("GitHub Settings", ["last_sync": .datetime(w.now())])
        }
    }

    /// The repository row, its branches and collaborators: conditional lists whose rows are
    /// written together, then their validators kept.
    func syncRepositoryRow(_ gh: GitHubClient, owner: String, name: String, stored: Document, mirror: Mirror, tally: SyncTally) async throws {
        let repository = self.repository, user = self.user
        var update = Document("Repository", name: repository, [:])
        var validators: [(CacheValidators?, ETagKey?)] = []
        if case .modified(let repo, let v) = try await gh.repositoryIfChanged(owner: owner, repo: name) {
            update.values = mirror.repository(repo).values
            update.values["full_name"] = .string(repository)
            validators.append((v, gh.etagKey(for: "/repos/\(owner)/\(name)")))
        }
        async let branchesFetched = changedList(gh.branches(owner: owner, repo: name, conditional: .callerStores), gh: gh,
                                                refetch: { gh.branches(owner: owner, repo: name) })
        let memberList = try await changedList(gh.collaborators(owner: owner, repo: name, conditional: .callerStores), gh: gh,
                                               refetch: { gh.collaborators(owner: owner, repo: name) })
        let branchList = try await branchesFetched
        validators += branchList.validators + memberList.validators
        // What the changed lists need besides themselves, in one GraphQL query where both changed:
        // the branches' head commit dates and the members' public e-mail.
        let followUp = try await gh.branchHeadsAndProfiles(owner: owner, repo: name, branches: branchList.items != nil,
                                                            logins: memberList.items?.map(\.login) ?? [])
        if let items = branchList.items {
            let dates = Dictionary(followUp.heads.map { ($0.name, $0.committedDate) }, uniquingKeysWith: { a, _ in a })
            update.children["branches_table"] = items.map {
                mirror.branch(name: $0.name, sha: $0.commit.sha, committedAt: dates[$0.name] ?? nil, protected: $0.protected == true, repository: repository)
            }
            let removed = max(0, (stored.children["branches_table"]?.count ?? 0) - items.count)
            tally.update { $0.deleted += removed }
        }
        if let items = memberList.items {
            update.children["members_table"] = items.map { mirror.member($0, email: followUp.profiles[$0.login]?.email, repository: repository) }
            let removed = max(0, (stored.children["members_table"]?.count ?? 0) - items.count)
            tally.update { $0.deleted += removed }
        }
        if !update.values.isEmpty || !update.children.isEmpty {
            let doc = update
            let logins = memberList.items?.map(\.login)
            let result = try await site.write(user: user) { w in
                try Self.lockRepository(repository, w, exclusive: true)
                let result = try w.upsert([doc], childKeys: ["members_table": "github_username", "branches_table": "branch_name"],
                                          skipInvalid: true)
                if let logins { _ = try ProjectMembers.follow(logins, repository: repository, writer: w) }
                return result
            }
            tally.update { $0.add(result) }
        }
        for (v, key) in validators { try await gh.remember(v, for: key) }
        await progress(SyncProgress(stage: .repository, pages: 1, totalPages: 1))
    }

    /// A conditional list: its items when any page changed, else nil; and the validators to keep
    /// once the rows are written, either way.
    ///
    /// A full last page makes the client probe one page further; that probe comes back 200 and
    /// empty when nothing was added, which is not a change (its validators make it a 304 next time).
    func changedList<T: Decodable & Sendable>(_ pages: GitHubPages<T>, gh: GitHubClient, refetch: () -> GitHubPages<T>) async throws
        -> (items: [T]?, validators: [(CacheValidators?, ETagKey?)]) {
        var items: [T] = []
        var validators: [(CacheValidators?, ETagKey?)] = []
        var changed = false, unchanged = false
        var last: GitHubPage<T>?
        for try await page in pages {
            if page.notModified { unchanged = true } else if !page.items.isEmpty { changed = true; items += page.items }
            if page.validators != nil { validators.append((page.validators, page.etagKey)) }
            last = page
        }
        // A list that ends on a full page: fetch (and keep validators for) the page after it now,
        // because the next run will probe it, and that probe must be a 304 too.
        if let last, !last.notModified, last.nextURL == nil, last.items.count >= 100, let probe = GitHubPages<T>.pageURL(last.url, page: last.index + 1) {
            let response = try await gh.send(GitHubRequest(.GET, probe, conditional: .callerStores))
            if !response.notModified {
                let extra = try response.decode([T].self)
                if !extra.isEmpty { changed = true; items += extra }
                var v = response.validators
                v?.itemCount = extra.count
                if v != nil { validators.append((v, response.etagKey)) }
            }
        }
        guard changed else { return (nil, validators) }
        if unchanged { items = try await refetch().collect() }
        return (items, validators)
    }

    /// Walks a newest-first list page by page: each page's documents commit in one transaction,
    /// then its validators are kept. Stops at the stored cursor, or at a 304 once a complete walk
    /// has happened. The cursor moves only when the walk completes.
    ///
    /// A walk with no cursor (a first sync, or one a killed process left pending) needs every
    /// page, so it fetches ahead (``GitHubPages/prefetching(ahead:)``) while writing in page order;
    /// a walk that stops at a cursor fetches one page at a time, never one it will not use.
    func walk<T: Sendable>(_ pages: GitHubPages<T>, stage: SyncProgress.Stage, cursorField: String, stored: Document, tally: SyncTally,
                           updatedAt: @escaping @Sendable (T) -> GitHubDate?, documents: @escaping @Sendable ([T]) -> [Document],
                           numberField: String, childKeys: [String: String], gh: GitHubClient) async throws {
        let raw = stored[cursorField].string ?? ""
        let pending = raw.hasPrefix("pending:")
        let cursorText = pending ? String(raw.dropFirst(8)) : raw
        let cursor = cursorText.isEmpty ? nil : GitHubDate(iso8601: cursorText)
        let walk = PageWalk(sync: self, stage: stage, cursorField: cursorField, cursor: cursor, pending: pending, tally: tally,
                            updatedAt: updatedAt, documents: documents, numberField: numberField, childKeys: childKeys, gh: gh)
        let newest = cursor == nil ? try await walk.run(pages.prefetching(ahead: gh.configuration.maxReadsInFlight))
                                   : try await walk.run(pages)
        let repository = self.repository
        if let newest {
            let value = newest.iso8601
            try await site.write(user: user) { w in
                try Self.lockRepository(repository, w, exclusive: true)
                try w.setValue("Repository", repository, cursorField, .string(value), updateModified: false)
            }
        } else if pending {
            // A pending walk that found nothing new has now been completed.
            try await site.write(user: user) { w in
                try Self.lockRepository(repository, w, exclusive: true)
                try w.setValue("Repository", repository, cursorField, .string(cursorText), updateModified: false)
            }
        }
    }

    /// Holds the Repository row for the rest of the transaction, so a rename waits for this write
    /// and this write never lands under a name a rename has just taken away. Transactions that
    /// write the row itself take it `exclusive` from the start: two walks holding it shared and
    /// then both asking to write it would deadlock.
    static func lockRepository(_ name: String, _ w: DocumentWriter, exclusive: Bool = false) throws {
        guard try !w.list("Repository", where: ["name": .equals(.string(name))], fields: ["name"], limit: 1,
                          lock: exclusive ? .forUpdate : .share).isEmpty else {
            throw FrappeError.notFound("Repository \(name) was renamed or removed while it was being synced; sync it under its new name")
        }
    }

    /// GitHub login → ERP user, through `User.github_username` (installed by setup.install).
    static func userMap(_ r: DocumentReader) throws -> [String: String] {
        guard try r.meta("User").field("github_username") != nil else { return [:] }
        var map: [String: String] = [:]
        for row in try r.list("User", where: ["github_username": .isSet, "enabled": .equals(.int(1))], fields: ["name", "github_username"]) {
            if let login = row["github_username"].string, let user = row["name"].string { map[login] = user }
        }
        return map
    }
}
