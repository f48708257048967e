import Foundation

/// HTTP methods the client uses.
public enum GitHubMethod: String, Sendable, Hashable {
    case GET, POST, PATCH, PUT, DELETE

    /// Safe to send twice: GitHub applies the same state either way.
    public var isIdempotent: Bool {
        switch self {
        case .GET, .PUT, .DELETE: return true
        case .POST, .PATCH: return false
        }
    }

    /// Changes state on GitHub, so subject to serialisation and spacing.
    public var isMutation: Bool { self != .GET }
}

/// One REST (or GraphQL) call, before authentication is added.
public struct GitHubRequest: Sendable {
    public var method: GitHubMethod
    /// A path under the base URL (`/repos/o/r/issues`) or an absolute URL (a `Link` target).
    public var path: String
    public var query: [(String, String)]
    public var body: Data?
    public var conditional: ConditionalMode
    /// `Accept` override (defaults to `application/vnd.github+json`).
    public var accept: String?
    /// The rate-limit resource the call spends (`core`, `search`, `graphql`); inferred when nil.
    public var resource: String?
    /// Override of ``GitHubMethod/isIdempotent`` (e.g. minting an installation token is a POST that is
    /// harmless to repeat; a GraphQL query is a POST that reads).
    public var idempotent: Bool?
    /// Override of ``GitHubMethod/isMutation`` (same examples).
    public var mutation: Bool?

    public init(
        _ method: GitHubMethod, _ path: String, query: [(String, String)] = [], body: Data? = nil,
        conditional: ConditionalMode = .none, accept: String? = nil, resource: String? = nil,
        idempotent: Bool? = nil, mutation: Bool? = nil
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.body = body
        self.conditional = conditional
        self.accept = accept
        self.resource = resource
        self.idempotent = idempotent
        self.mutation = mutation
    }

    /// A request with a JSON body.
    public static func json(_ method: GitHubMethod, _ path: String, body: some Encodable) throws -> GitHubRequest {
        GitHubRequest(method, path, body: try GitHubJSON.encoder().encode(body))
    }

    var isIdempotent: Bool { idempotent ?? method.isIdempotent }
    var isMutation: Bool { mutation ?? method.isMutation }

    func effectiveResource() -> String {
        if let resource { return resource }
        if path.hasSuffix("/graphql") { return "graphql" }
        if path.hasPrefix("/search/") || path.contains("/search/") { return "search" }
        return "core"
    }

    /// The absolute URL, with the query appended in the given order (so it is a stable cache key).
    func url(baseURL: String) -> String {
        let base = path.hasPrefix("http://") || path.hasPrefix("https://") ? path : baseURL + path
        guard !query.isEmpty else { return base }
        let encoded = query.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        return base + (base.contains("?") ? "&" : "?") + encoded
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~:,")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

/// A raw response. 304s come back with ``notModified`` set and an empty body.
public struct GitHubResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: Data
    /// The URL that was requested (the ETag key's URL).
    public var url: String
    public var notModified: Bool { status == 304 }
    /// Validators the response carried (`ETag`, `Last-Modified`); on a 304, the ones we sent.
    public var validators: CacheValidators?
    /// Where validators for this URL live in the ``ETagStore`` (nil for non-conditional calls).
    public var etagKey: ETagKey?

    /// First header with this name, case-insensitively.
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.0.lowercased() == lower }?.1
    }

    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            return try GitHubJSON.decoder().decode(T.self, from: body)
        } catch {
            throw GitHubError.unreadableResponse(url: url, expected: "\(T.self)", detail: "\(error)")
        }
    }
}

/// The outcome of a conditional GET.
public enum Conditional<Value: Sendable>: Sendable {
    /// 304: what we have is current. No body was read and no primary budget was spent.
    case notModified(CacheValidators)
    /// 200: the decoded value and the validators to store once it has been applied.
    case modified(Value, CacheValidators?)

    public var value: Value? {
        if case .modified(let value, _) = self { return value }
        return nil
    }

    public var isNotModified: Bool {
        if case .notModified = self { return true }
        return false
    }
}
