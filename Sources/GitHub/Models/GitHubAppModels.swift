import Foundation

/// `GET /app` (App JWT): the App itself.
public struct GitHubApp: Sendable, Hashable, Codable {
    public var id: Int64
    public var slug: String?
    public var nodeID: String?
    public var clientID: String?
    public var name: String?
    public var owner: GitHubUser?
    public var htmlURL: String?
    public var permissions: [String: String]?
    public var events: [String]?
    public var installationsCount: Int?

    public init(id: Int64, slug: String?, name: String?) {
        self.id = id
        self.slug = slug
        self.name = name
    }

    enum CodingKeys: String, CodingKey {
        case id, slug, name, owner, permissions, events
        case nodeID = "node_id"
        case clientID = "client_id"
        case htmlURL = "html_url"
        case installationsCount = "installations_count"
    }
}

/// `GET /user/installations` (user token): `{total_count, installations}`.
public struct GitHubUserInstallations: Sendable, Hashable, Codable {
    public var totalCount: Int
    public var installations: [GitHubInstallation]

    public init(totalCount: Int, installations: [GitHubInstallation]) {
        self.totalCount = totalCount
        self.installations = installations
    }

    enum CodingKeys: String, CodingKey {
        case installations
        case totalCount = "total_count"
    }
}

/// `GET /installation/repositories` (installation token): `{total_count, repository_selection, repositories}`.
public struct GitHubInstallationRepositories: Sendable, Hashable, Codable {
    public var totalCount: Int
    public var repositorySelection: String?
    public var repositories: [GitHubRepository]

    public init(totalCount: Int, repositorySelection: String?, repositories: [GitHubRepository]) {
        self.totalCount = totalCount
        self.repositorySelection = repositorySelection
        self.repositories = repositories
    }

    enum CodingKeys: String, CodingKey {
        case repositories
        case totalCount = "total_count"
        case repositorySelection = "repository_selection"
    }
}

/// `GET /repos/{o}/{r}/git/ref/{ref}`: `{ref, node_id, url, object: {sha, type, url}}`.
public struct GitHubGitRef: Sendable, Hashable, Codable {
    public struct Object: Sendable, Hashable, Codable {
        public var sha: String
        /// `commit` for a branch, `tag` for an annotated tag.
        public var type: String
        public var url: String?
        public init(sha: String, type: String, url: String? = nil) {
            self.sha = sha
            self.type = type
            self.url = url
        }
    }

    public var ref: String
    public var nodeID: String?
    public var url: String?
    public var object: Object

    public init(ref: String, object: Object) {
        self.ref = ref
        self.object = object
    }

    enum CodingKeys: String, CodingKey {
        case ref, url, object
        case nodeID = "node_id"
    }
}

/// `GET /repos/{o}/{r}/git/commits/{sha}`: the git object (tree, parents, message).
public struct GitHubGitCommit: Sendable, Hashable, Codable {
    public var sha: String
    public var nodeID: String?
    public var url: String?
    public var htmlURL: String?
    public var author: GitHubGitActor?
    public var committer: GitHubGitActor?
    public var tree: GitHubSHARef
    public var message: String?
    public var parents: [GitHubSHARef]

    public init(sha: String, tree: GitHubSHARef, message: String?, parents: [GitHubSHARef]) {
        self.sha = sha
        self.tree = tree
        self.message = message
        self.parents = parents
    }

    enum CodingKeys: String, CodingKey {
        case sha, url, author, committer, tree, message, parents
        case nodeID = "node_id"
        case htmlURL = "html_url"
    }
}

/// `GET /repos/{o}/{r}/compare/{base}...{head}`. `files` holds at most 300 entries for the
/// whole comparison (page 1); `status` is `ahead`, `behind`, `diverged` or `identical`.
public struct GitHubComparison: Sendable, Hashable, Codable {
    public struct File: Sendable, Hashable, Codable {
        public var sha: String?
        public var filename: String
        /// `added`, `removed`, `modified`, `renamed`, `copied`, `changed`, `unchanged`.
        public var status: String
        public var additions: Int?
        public var deletions: Int?
        public var changes: Int?
        public var previousFilename: String?

        public init(sha: String?, filename: String, status: String, previousFilename: String? = nil) {
            self.sha = sha
            self.filename = filename
            self.status = status
            self.previousFilename = previousFilename
        }

        enum CodingKeys: String, CodingKey {
            case sha, filename, status, additions, deletions, changes
            case previousFilename = "previous_filename"
        }
    }

    public var url: String?
    public var status: String
    public var aheadBy: Int
    public var behindBy: Int
    public var totalCommits: Int
    public var baseCommit: GitHubCommit?
    public var mergeBaseCommit: GitHubCommit?
    public var commits: [GitHubCommit]
    public var files: [File]?

    public init(status: String, aheadBy: Int, behindBy: Int, totalCommits: Int, commits: [GitHubCommit], files: [File]) {
        self.status = status
        self.aheadBy = aheadBy
        self.behindBy = behindBy
        self.totalCommits = totalCommits
        self.commits = commits
        self.files = files
    }

    enum CodingKeys: String, CodingKey {
        case url, status, commits, files
        case aheadBy = "ahead_by"
        case behindBy = "behind_by"
        case totalCommits = "total_commits"
        case baseCommit = "base_commit"
        case mergeBaseCommit = "merge_base_commit"
    }
}
