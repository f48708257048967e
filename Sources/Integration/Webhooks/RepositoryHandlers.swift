import Foundation
import Frappe
import GitHub

/// `push`, `create`/`delete` (branches), `member` and `repository`. These change child rows of the
/// Repository, so each locks the Repository row first: two deliveries for one repository then
/// apply one after the other instead of overwriting each other's rows.
extension DeliveryApplier {
    func lockedRepository(_ name: String) throws -> Document {
        guard let doc = try w.get("Repository", name, forUpdate: true) else {
            throw Rejection(reason: "Repository \(name) disappeared while the delivery was applied")
        }
        return doc
    }

    /// Branch head sha and time; a new branch adds a row, a deleted branch removes it. Tags are not mirrored.
    func push(_ e: PushEvent) throws -> Outcome {
        guard let repo = try tracked(e.repository, lock: .forUpdate) else { return untracked(e.repository) }
        guard let branch = e.branch else { return .skipped("\(Mirror.shown(e.ref)) is not a branch; tags are not mirrored") }
        if let problem = GitHubNames.problem(withText: branch, field: "branch name") { throw Rejection(reason: problem) }
        let stored = try lockedRepository(repo)
        var rows = stored.children["branches_table"] ?? []
        let index = rows.firstIndex { $0["branch_name"].string == branch }
        if e.deleted == true || e.after == PushEvent.zeroSHA {
            guard let index else { return .applied("Branch \(branch) was not mirrored; nothing to remove") }
            rows.remove(at: index)
        } else {
            let mirror = try self.mirror
            let time = e.headCommit?.timestamp
            if let index {
                rows[index]["commit_sha"] = .string(e.after)
                if time != nil { rows[index]["last_updated"] = mirror.time(time) }
            } else {
                rows.append(mirror.branch(name: branch, sha: e.after, committedAt: time, protected: false, repository: repo))
            }
        }
        try w.update(Document("Repository", name: repo, [:], children: ["branches_table": rows]))
        return .applied
    }

    /// `create`/`delete` with `ref_type: branch`. A created branch has no sha in the payload; the
    /// push that follows (or the next sync) fills it in.
    func ref(_ e: RefEvent, created: Bool) throws -> Outcome {
        guard let repo = try tracked(e.repository, lock: .forUpdate) else { return untracked(e.repository) }
        guard e.refType == "branch" else { return .skipped("\(Mirror.shown(e.refType)) \(Mirror.shown(e.ref)): only branches are mirrored") }
        let branch = e.ref
        if let problem = GitHubNames.problem(withText: branch, field: "branch name") { throw Rejection(reason: problem) }
        let stored = try lockedRepository(repo)
        var rows = stored.children["branches_table"] ?? []
        let index = rows.firstIndex { $0["branch_name"].string == branch }
        if created {
            guard index == nil else { return .applied("Branch \(branch) is already mirrored") }
            rows.append(try mirror.branch(name: branch, sha: "", committedAt: nil, protected: false, repository: repo))
        } else {
            guard let index else { return .applied("Branch \(branch) was not mirrored; nothing to remove") }
            rows.remove(at: index)
        }
        try w.update(Document("Repository", name: repo, [:], children: ["branches_table": rows]))
        return .applied
    }

    /// Collaborators: `added` adds a row, `removed` deletes it, `edited` keeps the row (the payload
    /// names only the old permission).
    func member(_ e: MemberEvent) throws -> Outcome {
        guard let repo = try tracked(e.repository, lock: .forUpdate) else { return untracked(e.repository) }
        let login = e.member.login
        if let problem = GitHubNames.problem(withText: login, field: "member's login") { throw Rejection(reason: problem) }
        let stored = try lockedRepository(repo)
        var rows = stored.children["members_table"] ?? []
        let index = rows.firstIndex { $0["github_username"].string == login }
        switch e.action {
        case "removed":
            guard let index else { return .applied("\(login) was not a mirrored member; nothing to remove") }
            rows.remove(at: index)
        case "added", "edited":
            if let index {
                rows[index]["github_id"] = .string(String(e.member.id))
            } else {
                rows.append(Document("Repository Member", ["repo_full_name": .string(repo), "github_username": .string(login),
                                                           "github_id": .string(String(e.member.id)), "role": "member"]))
            }
        default:
            return .skipped("member/\(Mirror.shown(e.action)) is not mirrored")
        }
        try w.update(Document("Repository", name: repo, [:], children: ["members_table": rows]))
        return .applied
    }

    /// `repository`: a new full name (renamed, transferred) renames the record and everything that
    /// links to it; `deleted` removes the mirror; every other action refreshes the record's values.
    func repository(_ e: RepositoryEvent) throws -> Outcome {
        guard let stored = try tracked(e.repository, lock: .forUpdate) else { return untracked(e.repository) }
        let incoming = try mirror.repository(e.repository)
        if let newName = incoming.name, let problem = GitHubNames.problem(withFullName: newName) {
            throw Rejection(reason: "The payload's repository: \(problem)")
        }
        if e.action == "deleted" {
            let removed = try RepositoryRemoval(writer: w).remove(stored)
            return .applied("Repository deleted on GitHub: removed \(removed.issues) issues and \(removed.pulls) pull requests from the mirror")
        }
        var note: String?
        var current = stored
        if let newName = incoming.name, newName != stored {
            try RepositoryRename(writer: w).rename(stored, to: newName)
            note = "Renamed \(stored) to \(newName)"
            current = newName
        }
        var values = incoming.values
        values["full_name"] = .string(current)
        var doc = Document("Repository", name: current, values)
        Self.dropMissing(&doc)
        try w.update(doc)
        return note.map(Outcome.applied) ?? .applied
    }
}
