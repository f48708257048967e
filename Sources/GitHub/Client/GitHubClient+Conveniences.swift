import Foundation

extension GitHubClient {
    /// GET and decode.
    public func get<T: Decodable & Sendable>(_ type: T.Type = T.self, _ path: String, query: [(String, String)] = []) async throws -> T {
        try await send(GitHubRequest(.GET, path, query: query)).decode(T.self)
    }

    /// A conditional GET: `.notModified` (nothing decoded, no budget spent) or `.modified(value, validators)`.
    ///
    /// With ``ConditionalMode/callerStores`` (the default) store the validators after applying the
    /// value: `try await client.remember(validators, for: key)` — the key is
    /// ``etagKey(for:query:)``.
    public func getConditional<T: Decodable & Sendable>(
        _ type: T.Type = T.self, _ path: String, query: [(String, String)] = [], mode: ConditionalMode = .callerStores
    ) async throws -> Conditional<T> {
        let response = try await send(GitHubRequest(.GET, path, query: query, conditional: mode))
        if response.notModified {
            return .notModified(response.validators ?? CacheValidators(etag: nil))
        }
        let value = try response.decode(T.self)
        if mode == .storeOnReceipt, let key = response.etagKey, let validators = response.validators {
            try await etagStore.store(validators, for: key)
        }
        return .modified(value, response.validators)
    }

    /// Walks a list endpoint page by page (`per_page` = ``GitHubConfiguration/perPage``).
    public func pages<T: Decodable & Sendable>(
        of type: T.Type = T.self, _ path: String, query: [(String, String)] = [], conditional: ConditionalMode = .none
    ) -> GitHubPages<T> {
        var query = query
        if !query.contains(where: { $0.0 == "per_page" }) {
            query.append(("per_page", String(configuration.perPage)))
        }
        return GitHubPages(client: self, request: GitHubRequest(.GET, path, query: query, conditional: conditional))
    }

    /// The ``ETagKey`` this handle uses for a GET of `path` + `query`.
    public func etagKey(for path: String, query: [(String, String)] = []) -> ETagKey {
        ETagKey(identity: auth.identity, url: GitHubRequest(.GET, path, query: query).url(baseURL: configuration.baseURL))
    }

    /// Stores validators once the data they describe has been applied (``ConditionalMode/callerStores``).
    public func remember(_ validators: CacheValidators?, for key: ETagKey?) async throws {
        guard let validators, let key, validators.isUsable else { return }
        try await etagStore.store(validators, for: key)
    }

    /// Stores a page's validators once its items have been applied.
    public func remember<T>(_ page: GitHubPage<T>) async throws {
        try await remember(page.validators, for: page.etagKey)
    }

    /// POST/PATCH/PUT with a JSON body, decoding the answer.
    public func send<Body: Encodable, T: Decodable & Sendable>(
        _ method: GitHubMethod, _ path: String, body: Body, as type: T.Type = T.self
    ) async throws -> T {
        try await send(GitHubRequest.json(method, path, body: body)).decode(T.self)
    }

    /// Percent-encodes one path segment (owner, repo, login, ref names with `/` stay one segment).
    static func segment(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    static func repoPath(_ owner: String, _ repo: String) -> String {
        "/repos/\(segment(owner))/\(segment(repo))"
    }
}
