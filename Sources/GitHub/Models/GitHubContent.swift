import Foundation

/// `GET /repos/{o}/{r}/contents/{path}`: an object for a file, an **array** of these for a
/// directory. `content` (base64 with newlines) is only present for files up to 1 MB.
public struct GitHubContent: Sendable, Hashable, Codable {
    /// `file`, `dir`, `symlink` or `submodule`.
    public var type: String
    public var name: String?
    public var path: String
    public var sha: String
    public var size: Int?
    public var encoding: String?
    public var content: String?
    public var url: String?
    public var htmlURL: String?
    public var downloadURL: String?

    enum CodingKeys: String, CodingKey {
        case type, name, path, sha, size, encoding, content, url
        case htmlURL = "html_url"
        case downloadURL = "download_url"
    }
}

/// `GET /search/*`: `{total_count, incomplete_results, items}`.
public struct GitHubSearchResult<Item: Sendable & Hashable & Codable>: Sendable, Hashable, Codable {
    public var totalCount: Int
    public var incompleteResults: Bool?
    public var items: [Item]

    enum CodingKeys: String, CodingKey {
        case items
        case totalCount = "total_count"
        case incompleteResults = "incomplete_results"
    }
}
