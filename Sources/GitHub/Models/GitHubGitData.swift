import Foundation

/// `GET /repos/{o}/{r}/commits` item (and the commit part of `GET .../commits/{sha}`).
public struct GitHubCommit: Sendable, Hashable, Codable {
    public struct Details: Sendable, Hashable, Codable {
        public var message: String?
        public var author: GitHubGitActor?
        public var committer: GitHubGitActor?
        public var tree: GitHubSHARef?
        public var url: String?
        public var commentCount: Int?

        enum CodingKeys: String, CodingKey {
            case message, author, committer, tree, url
            case commentCount = "comment_count"
        }
    }

    public var sha: String
    public var nodeID: String?
    public var commit: Details?
    /// The GitHub accounts, or null when the email maps to no account.
    public var author: GitHubUser?
    public var committer: GitHubUser?
    public var parents: [GitHubSHARef]?
    public var htmlURL: String?
    public var url: String?

    enum CodingKeys: String, CodingKey {
        case sha, commit, author, committer, parents, url
        case nodeID = "node_id"
        case htmlURL = "html_url"
    }
}

/// `{sha, url}`: a pointer to a git object.
public struct GitHubSHARef: Sendable, Hashable, Codable {
    public var sha: String
    public var url: String?
    public init(sha: String, url: String? = nil) {
        self.sha = sha
        self.url = url
    }
}

/// `GET /repos/{o}/{r}/git/trees/{sha}?recursive=1`. Check ``truncated``: a recursive tree stops
/// at 100,000 entries / 7 MB and then sub-trees must be walked one by one.
public struct GitHubTree: Sendable, Hashable, Codable {
    public struct Entry: Sendable, Hashable, Codable {
        public var path: String
        public var mode: String?
        /// `"blob"`, `"tree"` or `"commit"` (submodule).
        public var type: String
        public var sha: String
        public var size: Int?
        public var url: String?

        public init(path: String, mode: String? = "100644", type: String, sha: String, size: Int? = nil, url: String? = nil) {
            self.path = path
            self.mode = mode
            self.type = type
            self.sha = sha
            self.size = size
            self.url = url
        }
    }

    public var sha: String
    public var url: String?
    public var tree: [Entry]
    public var truncated: Bool?

    public init(sha: String, url: String? = nil, tree: [Entry], truncated: Bool = false) {
        self.sha = sha
        self.url = url
        self.tree = tree
        self.truncated = truncated
    }
}

/// `GET /repos/{o}/{r}/git/blobs/{sha}`. Content is base64 with embedded newlines.
public struct GitHubBlob: Sendable, Hashable, Codable {
    public var sha: String
    public var nodeID: String?
    public var size: Int?
    public var url: String?
    public var content: String?
    public var encoding: String?

    public init(sha: String, content: Data) {
        self.sha = sha
        self.size = content.count
        self.content = content.base64EncodedString(options: [.lineLength76Characters, .endLineWithLineFeed])
        self.encoding = "base64"
    }

    /// The blob's bytes. Throws when the encoding is unknown or the base64 is invalid.
    public func decodedContent() throws -> Data {
        let text = content ?? ""
        switch encoding ?? "base64" {
        case "base64":
            let compact = text.filter { !$0.isWhitespace }
            guard let data = Data(base64Encoded: compact) else { throw GitHubError.decoding("blob \(sha) is not valid base64") }
            return data
        case "utf-8", "utf8":
            return Data(text.utf8)
        default:
            throw GitHubError.decoding("blob \(sha) has unknown encoding \(encoding ?? "")")
        }
    }

    enum CodingKeys: String, CodingKey {
        case sha, size, url, content, encoding
        case nodeID = "node_id"
    }
}
