/// A repository webhook (`GET/POST /repos/{o}/{r}/hooks`), also `ping.hook`.
public struct GitHubHook: Sendable, Hashable, Codable {
    public struct Config: Sendable, Hashable, Codable {
        public var url: String?
        public var contentType: String?
        /// `"0"`/`"1"` in REST, sometimes a number in webhook payloads.
        public var insecureSSL: StringOrNumber?
        /// GitHub answers `"********"` here; the real secret is write-only.
        public var secret: String?

        public init(url: String?, contentType: String? = "json", secret: String? = nil, insecureSSL: String? = "0") {
            self.url = url
            self.contentType = contentType
            self.secret = secret
            self.insecureSSL = insecureSSL.map(StringOrNumber.init)
        }

        enum CodingKeys: String, CodingKey {
            case url, secret
            case contentType = "content_type"
            case insecureSSL = "insecure_ssl"
        }
    }

    public var id: Int64
    /// `"Repository"`, `"Organization"` or `"App"`.
    public var type: String?
    public var name: String?
    public var active: Bool?
    public var events: [String]?
    public var config: Config?
    public var appID: Int64?
    public var url: String?
    public var pingURL: String?
    public var createdAt: GitHubDate?
    public var updatedAt: GitHubDate?

    public init(id: Int64, events: [String], config: Config, active: Bool = true) {
        self.id = id
        self.type = "Repository"
        self.name = "web"
        self.active = active
        self.events = events
        self.config = config
    }

    enum CodingKeys: String, CodingKey {
        case id, type, name, active, events, config, url
        case appID = "app_id"
        case pingURL = "ping_url"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}
