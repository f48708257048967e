import Foundation
import Frappe
import GitHub

/// Template sync (ARCHITECTURE §3.6): the `.json` files of one repository at one commit, applied
/// to one site as Frappe documents.
///
/// GitHub: the tree once (`recursive=1`), then only the blobs whose SHA differs from what the site
/// last applied (kept per file in `GitHub Template`). With the commit known (a push's `after`)
/// that is 1 + changed blobs calls; from a branch name one more for its head.
///
/// Site: one transaction. Each file is applied inside its own savepoint, so a file that is not
/// JSON, names a DocType off the allow-list, or holds a document Frappe would refuse is recorded
/// as an error with its path and never stops the others. Documents are matched by
/// `github_sync_source` (`owner/repo:path`); those whose file is gone are deleted (with a Deleted
/// Document). `plan` runs exactly the same transaction and rolls it back, so what it answers is
/// what the sync then does.
struct TemplateSync: Sendable {
    static let sourceField = "github_sync_source"
    static let defaultDocTypes = ["Email Template", "Print Format", "Notification", "Project Template"]
    /// Length of a Data field (`github_sync_source`, `GitHub Template.sync_source`).
    static let maxSource = 140

    enum Trigger: String, Sendable {
        case push = "Push", syncNow = "Sync Now", periodic = "Periodic", configure = "Configure", rollback = "Rollback"
    }

    let site: Site
    let github: GitHubClient
    let owner: String
    let repo: String
    let user: String

    var fullName: String { "\(owner)/\(repo)" }
    func source(_ path: String) -> String { "\(fullName):\(path)" }

    /// What one sync (or plan) did.
    struct Result: Sendable {
        struct Ref: Sendable, Hashable { var doctype: String; var name: String; var path: String }
        struct FileError: Sendable, Hashable { var path: String; var message: String }

        var commit = ""
        var trigger = ""
        var dryRun = false
        var created: [Ref] = []
        var updated: [Ref] = []
        var unchanged: [Ref] = []
        var deleted: [Ref] = []
        var errors: [FileError] = []
        var changedFiles = 0
        var githubCalls = 0

        var json: JSONValue {
            func refs(_ list: [Ref]) -> JSONValue {
                .array(list.map { .object(["doctype": .string($0.doctype), "name": .string($0.name), "path": .string($0.path)]) })
            }
            return .object([
                "commit": .string(commit), "trigger": .string(trigger), "dry_run": .bool(dryRun),
                "create": refs(created), "update": refs(updated), "unchanged": refs(unchanged), "delete": refs(deleted),
                "errors": Self.errorsJSON(errors), "changed_files": .number(Double(changedFiles)),
                "github_calls": .number(Double(githubCalls)),
                "counts": .object(["created": .number(Double(created.count)), "updated": .number(Double(updated.count)),
                                   "deleted": .number(Double(deleted.count)), "failed": .number(Double(errors.count))]),
            ])
        }

        static func errorsJSON(_ errors: [FileError]) -> JSONValue {
            .array(errors.map { .object(["path": .string($0.path), "message": .string($0.message)]) })
        }
    }

    /// A stored `GitHub Template` row: what the site last applied for one file.
    struct StoredFile: Sendable {
        var rowName: String
        var path: String
        var blobSHA: String
        var status: String
        var error: String?
    }

    /// A file whose blob changed (or is new), read from GitHub.
    struct ChangedFile: Sendable {
        var path: String
        var blobSHA: String
        var content: Swift.Result<[[String: JSONValue]], TemplateFixture.Problem>
    }

    struct DryRunFinished: Error, Sendable { let result: Result }

    // MARK: Running

    /// Applies `commit` (a SHA, or a branch name resolved to its head first).
    /// `job`: the GitHub Sync Run this sync runs as (Sync Now), closed in the transaction that
    /// applies the files; without one, a finished row is added.
    func run(ref: String, trigger: Trigger, dryRun: Bool, counter: RequestCounter = RequestCounter(), job: String? = nil) async throws -> Result {
        let client = github.counting(into: counter)
        let commit = Self.isSHA(ref) ? ref : try await client.branchHead(owner: owner, repo: repo, branch: ref).object.sha
        let tree = try await client.tree(owner: owner, repo: repo, sha: commit, recursive: true)
        guard tree.truncated != true else {
            throw FrappeError.validation("The tree of \(fullName) at \(commit.prefix(12)) is too large for one read (over 100,000 entries)")
        }
        let files = Dictionary(tree.tree.filter { $0.type == "blob" && $0.path.lowercased().hasSuffix(".json") }.map { ($0.path, $0.sha) },
                               uniquingKeysWith: { first, _ in first })

        let prefix = fullName + ":"
        let stored = try await site.read { r -> [String: StoredFile] in
            var out: [String: StoredFile] = [:]
            for row in try r.list("GitHub Template", fields: ["name", "sync_source", "blob_sha", "status", "error"]) {
                guard let source = row["sync_source"].string, source.hasPrefix(prefix), let name = row["name"].string else { continue }
                let path = String(source.dropFirst(prefix.count))
                out[path] = StoredFile(rowName: name, path: path, blobSHA: row["blob_sha"].string ?? "", status: row["status"].string ?? "",
                                       error: row["error"].text)
            }
            return out
        }
        // Rows of released or deleted files are kept (their names are reused) but count as absent.
        let active = stored.filter { $0.value.status != "Deleted" }
        let changed = files.filter { active[$0.key]?.blobSHA != $0.value }.sorted { $0.key < $1.key }
        let removed = active.keys.filter { files[$0] == nil }.sorted()
        let fetched = try await fetch(changed, client: client)
        let calls = counter.snapshot.requests

        let apply: @Sendable (DocumentWriter) throws -> Result = { [self] w in
            var result = try self.apply(w, commit: commit, changed: fetched, removed: removed, stored: stored)
            result.trigger = trigger.rawValue
            result.githubCalls = calls
            result.dryRun = dryRun
            if dryRun { throw DryRunFinished(result: result) }
            try self.recordRun(w, result: result, job: job)
            return result
        }
        do {
            return try await site.write(user: user, apply)
        } catch let finished as DryRunFinished {
            return finished.result
        }
    }

    /// Blobs, a few at a time; one that cannot be read is that file's error.
    func fetch(_ changed: [(key: String, value: String)], client: GitHubClient) async throws -> [ChangedFile] {
        let owner = self.owner, repo = self.repo
        return try await withThrowingTaskGroup(of: ChangedFile.self) { group in
            var results: [ChangedFile] = []
            var pending = changed[...]
            func start(_ item: (key: String, value: String)) {
                group.addTask {
                    do {
                        let blob = try await client.blob(owner: owner, repo: repo, sha: item.value)
                        let data = try blob.decodedContent()
                        do {
                            return ChangedFile(path: item.key, blobSHA: item.value, content: .success(try TemplateFixture.parse(data)))
                        } catch let problem as TemplateFixture.Problem {
                            return ChangedFile(path: item.key, blobSHA: item.value, content: .failure(problem))
                        }
                    } catch let error as GitHubError {
                        switch error {
                        case .rateLimited, .secondaryRateLimited, .transport, .serverError, .unauthorized: throw error
                        default:
                            return ChangedFile(path: item.key, blobSHA: item.value,
                                               content: .failure(TemplateFixture.Problem(message: "GitHub could not give the file: \(error)")))
                        }
                    }
                }
            }
            for _ in 0..<8 { if let next = pending.popFirst() { start(next) } }
            while let done = try await group.next() {
                results.append(done)
                if let next = pending.popFirst() { start(next) }
            }
            return results.sorted { $0.path < $1.path }
        }
    }

    // MARK: The transaction

    func apply(_ w: DocumentWriter, commit: String, changed: [ChangedFile], removed: [String], stored: [String: StoredFile]) throws -> Result {
        var result = Result()
        result.commit = commit
        result.changedFiles = changed.count + removed.count
        let allowed = try Self.allowList(w)
        let now = w.now()

        /// Synced documents of a source, per DocType on the allow-list that has the marker field.
        func documents(from sources: [String]) throws -> [Result.Ref] {
            guard !sources.isEmpty else { return [] }
            var out: [Result.Ref] = []
            for doctype in allowed {
                guard let meta = try? w.meta(doctype), meta.field(Self.sourceField) != nil else { continue }
                for row in try w.list(doctype, where: [Self.sourceField: .isIn(sources.map { .string($0) })], fields: ["name", Self.sourceField]) {
                    guard let name = row["name"].string, let source = row[Self.sourceField].string else { continue }
                    out.append(Result.Ref(doctype: doctype, name: name, path: String(source.dropFirst(fullName.count + 1))))
                }
            }
            return out.sorted { ($0.path, $0.doctype, $0.name) < ($1.path, $1.doctype, $1.name) }
        }

        func templateRow(_ path: String, blob: String, status: String, error: String?, target: Result.Ref?) throws {
            var doc = Document("GitHub Template", name: stored[path]?.rowName)
            doc["sync_source"] = .string(source(path))
            doc["blob_sha"] = .string(blob)
            doc["commit_sha"] = .string(commit)
            doc["status"] = .string(status)
            doc["error"] = error.map { .string($0) } ?? .null
            doc["target_doctype"] = target.map { .string($0.doctype) } ?? .null
            doc["target_name"] = target.map { .string($0.name) } ?? .null
            doc["last_synced_at"] = .datetime(now)
            if doc.name == nil { try w.insert(doc) } else { try w.update(doc) }
        }

        // Files that changed or are new.
        for file in changed {
            // `owner/repo:path` lives in Data fields (140 characters): a longer one cannot be tracked.
            guard source(file.path).count <= Self.maxSource else {
                result.errors.append(.init(path: file.path, message: "The path is too long: \(fullName):<path> must fit in \(Self.maxSource) characters"))
                continue
            }
            let docs: [[String: JSONValue]]
            switch file.content {
            case .failure(let problem):
                result.errors.append(.init(path: file.path, message: problem.message))
                try templateRow(file.path, blob: file.blobSHA, status: "Error", error: problem.message, target: nil)
                continue
            case .success(let parsed): docs = parsed
            }
            do {
                let outcome = try w.savepoint { try applyFile(w, path: file.path, docs: docs, allowed: allowed, before: documents(from: [source(file.path)])) }
                result.created += outcome.created
                result.updated += outcome.updated
                result.unchanged += outcome.unchanged
                result.deleted += outcome.deleted
                try templateRow(file.path, blob: file.blobSHA, status: "Synced", error: nil, target: outcome.first)
            } catch let error as FrappeError {
                result.errors.append(.init(path: file.path, message: error.message))
                try templateRow(file.path, blob: file.blobSHA, status: "Error", error: error.message, target: nil)
            } catch let problem as TemplateFixture.Problem {
                result.errors.append(.init(path: file.path, message: problem.message))
                try templateRow(file.path, blob: file.blobSHA, status: "Error", error: problem.message, target: nil)
            }
        }

        // Files that are gone: their documents go too (Deleted Document keeps each).
        for ref in try documents(from: removed.map(source)) {
            try w.delete(ref.doctype, ref.name)
            result.deleted.append(ref)
        }
        for path in removed {
            guard let row = stored[path] else { continue }
            var doc = Document("GitHub Template", name: row.rowName)
            doc["status"] = .string("Deleted")
            doc["commit_sha"] = .string(commit)
            doc["error"] = .null
            doc["last_synced_at"] = .datetime(now)
            try w.update(doc)
        }

        // Unchanged files that still fail (same content) keep their error in the list.
        let reported = Set(result.errors.map(\.path))
        for (path, row) in stored where row.status == "Error" && !reported.contains(path) && !removed.contains(path)
            && !changed.contains(where: { $0.path == path }) {
            result.errors.append(.init(path: path, message: row.error ?? "failed"))
        }
        result.errors.sort { $0.path < $1.path }
        return result
    }

    struct FileOutcome {
        var created: [Result.Ref] = []
        var updated: [Result.Ref] = []
        var unchanged: [Result.Ref] = []
        var deleted: [Result.Ref] = []
        var first: Result.Ref?
    }

    /// One file: every document written with its marker, and the file's documents that are no
    /// longer in it deleted. Throws (and the savepoint undoes the file) on the first refusal.
    func applyFile(_ w: DocumentWriter, path: String, docs: [[String: JSONValue]], allowed: [String], before: [Result.Ref]) throws -> FileOutcome {
        var outcome = FileOutcome()
        let marker = source(path)
        var kept: Set<Result.Ref> = []
        for (index, fields) in docs.enumerated() {
            let doctype = fields["doctype"]?.string ?? ""
            guard allowed.contains(doctype) else {
                throw TemplateFixture.Problem(message: "\(doctype) is not on this site's template allow-list (GitHub Settings › Template DocTypes: \(allowed.joined(separator: ", ")))")
            }
            let meta = try w.meta(doctype)
            guard !meta.isSingle, !meta.isTable else { throw TemplateFixture.Problem(message: "\(doctype) cannot be synced from a file") }
            var doc = try TemplateFixture.document(fields, meta: meta, childMeta: { try w.meta($0) })
            if meta.field(Self.sourceField) != nil { doc[Self.sourceField] = .string(marker) }
            var existing: Document?
            if let name = doc.name {
                existing = try w.get(doctype, name, forUpdate: true)
                if let other = existing?[Self.sourceField].string, !other.isEmpty, other != marker {
                    throw TemplateFixture.Problem(message: "\(doctype) \(name) is already synced from \(other)")
                }
                if kept.contains(where: { $0.doctype == doctype && $0.name.lowercased() == name.lowercased() }) {
                    throw TemplateFixture.Problem(message: "Item \(index + 1) repeats \(doctype) \(name)")
                }
            }
            let summary = try w.upsert([doc])
            let ref = Result.Ref(doctype: doctype, name: summary.names.first ?? doc.name ?? "", path: path)
            kept.insert(ref)
            if outcome.first == nil { outcome.first = ref }
            if summary.inserted > 0 { outcome.created.append(ref) } else if summary.updated > 0 { outcome.updated.append(ref) } else { outcome.unchanged.append(ref) }
        }
        for ref in before where !kept.contains(where: { $0.doctype == ref.doctype && $0.name.lowercased() == ref.name.lowercased() }) {
            try w.delete(ref.doctype, ref.name)
            outcome.deleted.append(ref)
        }
        return outcome
    }

    /// One GitHub Sync Run row per sync: the job's own row, or a new one.
    func recordRun(_ w: DocumentWriter, result: Result, job: String? = nil) throws {
        var run = Document("GitHub Sync Run", name: job)
        run["status"] = .string(result.errors.isEmpty ? "Succeeded" : "Failed")
        run["finished_at"] = .datetime(w.now())
        run["github_calls"] = .int(Int64(result.githubCalls))
        run["rows_inserted"] = .int(Int64(result.created.count))
        run["rows_updated"] = .int(Int64(result.updated.count))
        run["rows_deleted"] = .int(Int64(result.deleted.count))
        let meta = try w.meta("GitHub Sync Run")
        if meta.field("rows_failed") != nil { run["rows_failed"] = .int(Int64(result.errors.count)) }
        if meta.field("commit_sha") != nil { run["commit_sha"] = .string(result.commit) }
        if !result.errors.isEmpty {
            run["error"] = .string(result.errors.prefix(20).map { "\($0.path): \($0.message)" }.joined(separator: "\n"))
        }
        if job != nil {
            run["progress"] = .int(100)
            run["result"] = .string(result.json.pythonJSON())
            try w.update(run)
            return
        }
        run["trigger"] = .string(result.trigger)
        run["user"] = .string(user)
        run["started_at"] = .datetime(w.now())
        if meta.field("template_repository") != nil { run["template_repository"] = .string(fullName) }
        try w.insert(run)
    }

    /// GitHub Settings › Template DocTypes (one per line or comma separated), else the defaults.
    static func allowList(_ r: DocumentReader) throws -> [String] {
        let text = try r.getSingle("GitHub Settings")["template_doctypes"].text ?? ""
        let names = text.split(whereSeparator: { $0 == "\n" || $0 == "," }).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return names.isEmpty ? defaultDocTypes : names
    }

    static func isSHA(_ text: String) -> Bool {
        text.count == 40 && text.allSatisfy { $0.isHexDigit }
    }
}
