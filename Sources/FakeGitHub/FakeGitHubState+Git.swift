import Foundation
import GitHub

/// Git objects of every repository: content-addressed blobs, flat trees (path → blob SHA) and
/// commits. GitHub keeps history, so a sync of an earlier commit (a roll-back) must still find its
/// trees and blobs after later pushes; ``FakeRepository/files`` only holds the default branch's head.
struct FakeGitObjects: Sendable {
    var blobs: [String: String] = [:]
    var trees: [String: [String: String]] = [:]
    var commits: [String: FakeGitCommit] = [:]
    /// Repositories (lower-cased full names) whose seed state has been recorded as commits.
    var recorded: Set<String> = []
    var counter = 0
}

struct FakeGitCommit: Sendable, Hashable {
    var sha: String
    var tree: String
    var parents: [String]
    var message: String
    var author: String
    var date: Date
}

/// What a push changed, relative to the previous head of the branch.
public struct FakePushResult: Sendable {
    public var before: String
    public var after: String
    public var tree: String
    public var added: [String]
    public var modified: [String]
    public var removed: [String]
}

extension FakeGitHubState {
    // MARK: History

    /// Records the seed's files as the head commit of every branch (once per repository), so the
    /// seeded branch SHAs resolve to trees.
    func ensureHistory(_ key: String) {
        guard !git.recorded.contains(key), let repo = repositories[key] else { return }
        git.recorded.insert(key)
        let tree = recordTree(repo.files)
        for branch in repo.branches where git.commits[branch.sha] == nil {
            git.commits[branch.sha] = FakeGitCommit(sha: branch.sha, tree: tree, parents: [], message: branch.message ?? "Initial commit",
                                                    author: branch.author ?? repo.owner, date: branch.committedDate)
        }
    }

    /// Stores the files' blobs and the tree; returns the tree SHA.
    func recordTree(_ files: [String: String]) -> String {
        var entries: [String: String] = [:]
        for (path, content) in files {
            let sha = Self.blobSHA(content)
            git.blobs[sha] = content
            entries[path] = sha
        }
        let sha = Self.treeSHA(entries.map { ($0.key, $0.value) })
        git.trees[sha] = entries
        return sha
    }

    /// The files (path → content) of a tree.
    func files(ofTree sha: String) -> [String: String] {
        var files: [String: String] = [:]
        for (path, blob) in git.trees[sha] ?? [:] { files[path] = git.blobs[blob] }
        return files
    }

    /// A commit by SHA, `refs/heads/<b>`, `heads/<b>` or branch name.
    func resolveCommit(_ repo: FakeRepository, _ ref: String) -> FakeGitCommit? {
        ensureHistory(repo.fullName.lowercased())
        if let commit = git.commits[ref] { return commit }
        var name = ref
        for prefix in ["refs/heads/", "heads/"] where name.hasPrefix(prefix) { name = String(name.dropFirst(prefix.count)) }
        guard let branch = repo.branches.first(where: { $0.name == name }) else { return nil }
        return git.commits[branch.sha]
    }

    /// Whether `ancestor` is reachable from `commit` (or is it); the number of commits between.
    func distance(from commit: String, to ancestor: String) -> Int? {
        var queue = [(commit, 0)]
        var seen: Set<String> = []
        while !queue.isEmpty {
            let (sha, depth) = queue.removeFirst()
            if sha == ancestor { return depth }
            guard seen.insert(sha).inserted, let node = git.commits[sha] else { continue }
            queue += node.parents.map { ($0, depth + 1) }
        }
        return nil
    }

    // MARK: Pushing

    /// Commits `changes` (path → new content, nil deletes) on `branch` (default: the default
    /// branch) as one new commit and returns the push and the deliveries GitHub would send:
    /// to repository hooks, the configured URL, and every App installation covering the repository.
    func push(_ fullName: String, branch: String? = nil, changes: [String: String?], message: String, author: String)
        -> (FakePushResult, [OutgoingWebhook])? {
        let key = fullName.lowercased()
        ensureHistory(key)
        guard var repo = repositories[key] else { return nil }
        let branchName = branch ?? repo.defaultBranch
        let zero = String(repeating: "0", count: 40)
        let before = repo.branches.first { $0.name == branchName }?.sha ?? zero
        var files: [String: String]
        if let parent = git.commits[before] {
            files = self.files(ofTree: parent.tree)
        } else {
            files = branchName == repo.defaultBranch ? repo.files : [:]
        }
        var added: [String] = [], modified: [String] = [], removed: [String] = []
        for (path, content) in changes.sorted(by: { $0.key < $1.key }) {
            let current: String? = files[path]
            switch (current, content) {
            case (nil, let new?): added.append(path); files[path] = new
            case (let old?, let new?) where old != new: modified.append(path); files[path] = new
            case (_?, nil): removed.append(path); files[path] = nil
            default: break
            }
        }
        let now = options.now()
        let tree = recordTree(files)
        git.counter += 1
        let after = Self.treeSHA([("parent", before), ("tree", tree), ("message", message), ("time", String(now.timeIntervalSince1970)),
                                  ("n", String(git.counter))])
        git.commits[after] = FakeGitCommit(sha: after, tree: tree, parents: before == zero ? [] : [before], message: message,
                                           author: author, date: now)
        if let index = repo.branches.firstIndex(where: { $0.name == branchName }) {
            repo.branches[index].sha = after
            repo.branches[index].committedDate = now
            repo.branches[index].message = message
            repo.branches[index].author = author
        } else {
            repo.branches.append(FakeBranch(name: branchName, sha: after, committedDate: now, message: message, author: author))
        }
        if branchName == repo.defaultBranch { repo.files = files }
        repo.pushedAt = now
        repositories[key] = repo
        version += 1

        let commit: JSONValue = .object([
            "id": .string(after), "tree_id": .string(tree), "distinct": .bool(true), "message": .string(message),
            "timestamp": .string(GitHubDate(now).iso8601), "url": .string("https://github.com/\(repo.fullName)/commit/\(after)"),
            "author": .object(["name": .string(author), "email": .string("\(author)@example.com"), "username": .string(author)]),
            "committer": .object(["name": .string(author), "email": .string("\(author)@example.com"), "username": .string(author)]),
            "added": .array(added.map(JSONValue.string)), "removed": .array(removed.map(JSONValue.string)),
            "modified": .array(modified.map(JSONValue.string)),
        ])
        let payload: [String: JSONValue] = [
            "ref": .string("refs/heads/\(branchName)"), "before": .string(before), "after": .string(after),
            "created": .bool(before == zero), "deleted": .bool(false), "forced": .bool(false), "base_ref": .null,
            "compare": .string("https://github.com/\(repo.fullName)/compare/\(before.prefix(12))...\(after.prefix(12))"),
            "commits": .array([commit]), "head_commit": commit,
            "pusher": .object(["name": .string(author), "email": .string("\(author)@example.com")]),
        ]
        let hooks = webhooks(repo, event: "push", action: nil, payload: payload, sender: author)
            + appDeliveries(covering: repo, event: "push", action: nil, payload: payload, sender: author)
        return (FakePushResult(before: before, after: after, tree: tree, added: added, modified: modified, removed: removed), hooks)
    }

    // MARK: Reads

    func handleGit(_ route: FakeGitRoute, owner: String, name: String, request: FakeHTTPRequest, caller: Caller) -> FakeHTTPResponse {
        let key = "\(owner)/\(name)".lowercased()
        guard let repo = repositories[key], installationCanSee(caller, repo) else { return .error(404, "Not Found") }
        ensureHistory(key)
        let base = "\(apiBaseURL)/repos/\(repo.fullName)"
        switch route {
        case .tree(let sha):
            let treeSHA = git.trees[sha] != nil ? sha : resolveCommit(repo, sha)?.tree
            guard let treeSHA, let entries = git.trees[treeSHA] else { return .error(404, "Not Found") }
            return .json(200, encode(renderTree(sha: treeSHA, entries: entries, recursive: request.query["recursive"] != nil, base: base)))
        case .blob(let sha):
            guard let content = git.blobs[sha] else { return .error(404, "Not Found") }
            var blob = GitHubBlob(sha: sha, content: Data(content.utf8))
            blob.url = "\(base)/git/blobs/\(sha)"
            blob.nodeID = "B_\(sha.prefix(8))"
            return .json(200, encode(blob))
        case .gitCommit(let sha):
            guard let commit = git.commits[sha] else { return .error(404, "Not Found") }
            return .json(200, encode(renderGitCommit(commit, base: base, repo: repo)))
        case .ref(let ref):
            guard ref.hasPrefix("heads/"), let commit = resolveCommit(repo, ref) else { return .error(404, "Not Found") }
            var result = GitHubGitRef(ref: "refs/" + ref, object: .init(sha: commit.sha, type: "commit", url: "\(base)/git/commits/\(commit.sha)"))
            result.url = "\(base)/git/refs/\(ref)"
            result.nodeID = "REF_\(commit.sha.prefix(8))"
            return .json(200, encode(result))
        case .commit(let ref):
            guard let commit = resolveCommit(repo, ref) else { return .error(422, "No commit found for SHA: \(ref)") }
            return .json(200, encode(renderRESTCommit(commit, base: base, repo: repo)))
        case .compare(let baseRef, let headRef):
            guard let from = resolveCommit(repo, baseRef), let to = resolveCommit(repo, headRef) else { return .error(404, "Not Found") }
            return .json(200, encode(compare(from, to, base: base, repo: repo)))
        case .contents(let path):
            let ref = request.query["ref"] ?? repo.defaultBranch
            guard let commit = resolveCommit(repo, ref), let entries = git.trees[commit.tree] else { return .error(404, "Not Found") }
            return contents(path: path, entries: entries, base: base, repo: repo, ref: ref)
        }
    }

    /// An installation token sees only its installation's repositories; other callers see all.
    func installationCanSee(_ caller: Caller, _ repo: FakeRepository) -> Bool {
        guard let id = caller.installationID else { return true }
        guard let (_, installation) = findInstallation(id, appID: nil), installation.suspended != true else { return false }
        return Self.covers(installation, repo)
    }

    static func covers(_ installation: FakeInstallation, _ repo: FakeRepository) -> Bool {
        if let names = installation.repositories { return names.contains { $0.lowercased() == repo.fullName.lowercased() } }
        return repo.owner.lowercased() == installation.account.lowercased()
    }

    func renderTree(sha: String, entries: [String: String], recursive: Bool, base: String) -> GitHubTree {
        var out: [GitHubTree.Entry] = []
        var directories: [String: [(String, String)]] = [:]
        for (path, blob) in entries {
            let parts = path.split(separator: "/").map(String.init)
            for depth in 1..<max(parts.count, 1) {
                directories[parts[0..<depth].joined(separator: "/"), default: []].append((path, blob))
            }
            if recursive || parts.count == 1 {
                out.append(.init(path: path, mode: "100644", type: "blob", sha: blob, size: git.blobs[blob]?.utf8.count,
                                 url: "\(base)/git/blobs/\(blob)"))
            }
        }
        for (directory, contents) in directories where recursive || !directory.contains("/") {
            let treeSHA = Self.treeSHA(contents)
            out.append(.init(path: directory, mode: "040000", type: "tree", sha: treeSHA, size: nil, url: "\(base)/git/trees/\(treeSHA)"))
        }
        out.sort { $0.path < $1.path }
        return GitHubTree(sha: sha, url: "\(base)/git/trees/\(sha)", tree: out, truncated: false)
    }

    func renderGitCommit(_ commit: FakeGitCommit, base: String, repo: FakeRepository) -> GitHubGitCommit {
        var result = GitHubGitCommit(sha: commit.sha, tree: GitHubSHARef(sha: commit.tree, url: "\(base)/git/trees/\(commit.tree)"),
                                     message: commit.message, parents: commit.parents.map { GitHubSHARef(sha: $0, url: "\(base)/git/commits/\($0)") })
        let actor = GitHubGitActor(name: commit.author, email: "\(commit.author)@example.com", date: GitHubDate(commit.date))
        result.author = actor
        result.committer = actor
        result.url = "\(base)/git/commits/\(commit.sha)"
        result.htmlURL = "https://github.com/\(repo.fullName)/commit/\(commit.sha)"
        result.nodeID = "C_\(commit.sha.prefix(8))"
        return result
    }

    func renderRESTCommit(_ commit: FakeGitCommit, base: String, repo: FakeRepository) -> JSONValue {
        let actor: JSONValue = .object(["name": .string(commit.author), "email": .string("\(commit.author)@example.com"),
                                        "date": .string(GitHubDate(commit.date).iso8601)])
        return .object([
            "sha": .string(commit.sha), "node_id": .string("C_\(commit.sha.prefix(8))"), "url": .string("\(base)/commits/\(commit.sha)"),
            "html_url": .string("https://github.com/\(repo.fullName)/commit/\(commit.sha)"),
            "commit": .object(["message": .string(commit.message), "author": actor, "committer": actor,
                               "tree": .object(["sha": .string(commit.tree), "url": .string("\(base)/git/trees/\(commit.tree)")]),
                               "url": .string("\(base)/git/commits/\(commit.sha)"), "comment_count": .number(0)]),
            "author": jsonValue(renderUser(commit.author)), "committer": jsonValue(renderUser(commit.author)),
            "parents": .array(commit.parents.map { .object(["sha": .string($0), "url": .string("\(base)/commits/\($0)")]) }),
        ])
    }

    /// GitHub's comparison: status from ancestry, the commits `head` has beyond `base`, and the
    /// changed files (at most 300, as on page 1 of the real endpoint).
    func compare(_ from: FakeGitCommit, _ to: FakeGitCommit, base: String, repo: FakeRepository) -> JSONValue {
        let ahead = distance(from: to.sha, to: from.sha)
        let behind = distance(from: from.sha, to: to.sha)
        let status: String
        switch (ahead, behind) {
        case (0?, _): status = "identical"
        case (_?, _): status = "ahead"
        case (nil, _?): status = "behind"
        default: status = "diverged"
        }
        var commits: [JSONValue] = []
        var cursor: String? = to.sha
        while let sha = cursor, sha != from.sha, let node = git.commits[sha], commits.count < 250, ahead != nil {
            commits.insert(renderRESTCommit(node, base: base, repo: repo), at: 0)
            cursor = node.parents.first
        }
        let old = git.trees[from.tree] ?? [:]
        let new = git.trees[to.tree] ?? [:]
        var files: [JSONValue] = []
        for path in Set(old.keys).union(new.keys).sorted() {
            let change: String
            switch (old[path], new[path]) {
            case (nil, _?): change = "added"
            case (_?, nil): change = "removed"
            case (let a?, let b?) where a != b: change = "modified"
            default: continue
            }
            files.append(.object(["filename": .string(path), "status": .string(change), "sha": .string(new[path] ?? old[path] ?? "")]))
        }
        return .object([
            "url": .string("\(base)/compare/\(from.sha)...\(to.sha)"), "status": .string(status),
            "ahead_by": .number(Double(ahead ?? 0)), "behind_by": .number(Double(behind ?? 0)),
            "total_commits": .number(Double(commits.count)), "commits": .array(commits), "files": .array(Array(files.prefix(300))),
            "base_commit": renderRESTCommit(from, base: base, repo: repo),
        ])
    }

    /// `contents/<path>`: a file object (base64 content) or a directory listing (array).
    func contents(path: String, entries: [String: String], base: String, repo: FakeRepository, ref: String) -> FakeHTTPResponse {
        func item(_ itemPath: String, type: String, sha: String, size: Int) -> [String: JSONValue] {
            [
                "type": .string(type), "name": .string(String(itemPath.split(separator: "/").last ?? "")), "path": .string(itemPath),
                "sha": .string(sha), "size": .number(Double(size)), "url": .string("\(base)/contents/\(itemPath)?ref=\(ref)"),
                "html_url": .string("https://github.com/\(repo.fullName)/blob/\(ref)/\(itemPath)"),
                "download_url": type == "file" ? .string("https://raw.githubusercontent.com/\(repo.fullName)/\(ref)/\(itemPath)") : .null,
            ]
        }
        if let blob = entries[path], let content = git.blobs[blob] {
            var object = item(path, type: "file", sha: blob, size: content.utf8.count)
            object["encoding"] = .string("base64")
            object["content"] = .string(Data(content.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithLineFeed]))
            return .json(200, encode(JSONValue.object(object)))
        }
        let prefix = path.isEmpty ? "" : path + "/"
        var listing: [String: JSONValue] = [:]
        var directoryFiles: [String: [(String, String)]] = [:]
        for (file, blob) in entries where file.hasPrefix(prefix) {
            let rest = file.dropFirst(prefix.count)
            if let slash = rest.firstIndex(of: "/") {
                directoryFiles[prefix + rest[..<slash], default: []].append((file, blob))
            } else {
                listing[file] = .object(item(file, type: "file", sha: blob, size: git.blobs[blob]?.utf8.count ?? 0))
            }
        }
        for (directory, contents) in directoryFiles {
            listing[directory] = .object(item(directory, type: "dir", sha: Self.treeSHA(contents), size: 0))
        }
        guard !listing.isEmpty else { return .error(404, "Not Found") }
        return .json(200, encode(JSONValue.array(listing.keys.sorted().compactMap { listing[$0] })))
    }
}
