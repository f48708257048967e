import Foundation
import Frappe
import Logging

/// The parts of a request authentication looks at.
struct AuthRequest: Sendable {
    var method: String
    var pathWithQuery: String
    var headers: [String: String]
    var body: Data
    /// Frappe's `sid` cookie, as Hummingbird's cookie parser read it.
    var sessionCookie: String?

    func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// Validates a Frappe `sid` cookie by asking the site's Frappe (never by reading pickles).
public protocol SessionValidator: Sendable {
    /// The logged-in user, or nil for Guest / an expired session.
    func user(forSessionCookie sid: String, site: String) async throws -> String?
}

/// Decides who is calling (ARCHITECTURE §3.2): a bridge-signed call, an API key and secret
/// (`token` or `Basic`), a desk session cookie, or Guest.
struct Authenticator: Sendable {
    let replay: ReplayMemory
    let sessions: (any SessionValidator)?
    let now: @Sendable () -> Int

    init(sessions: (any SessionValidator)?, logger: Logger,
         now: @escaping @Sendable () -> Int = { Int(Date().timeIntervalSince1970) }) {
        self.sessions = sessions
        self.replay = ReplayMemory(logger: logger)
        self.now = now
    }

    func authenticate(_ request: AuthRequest, site: Site) async throws -> Caller {
        if let signature = request.header("x-sidecar-signature") {
            return try await bridge(request, signature: signature, site: site)
        }
        if let authorization = request.header("authorization") {
            return try await apiKey(authorization, site: site)
        }
        if let sid = request.sessionCookie, !sid.isEmpty, sid != "Guest", let sessions {
            guard let user = try await sessions.user(forSessionCookie: sid, site: site.name), user != "Guest" else { return .guest }
            return try await caller(user, via: .session, site: site)
        }
        return .guest
    }

    /// The site is part of the signed message (a call signed for one site is refused for another),
    /// and the nonce is used once per site: remembered by ``ReplayMemory``.
    private func bridge(_ request: AuthRequest, signature: String, site: Site) async throws -> Caller {
        guard let secret = site.config.sidecarSecret, !secret.isEmpty else {
            throw FrappeError.authentication("This site has no github_sidecar_secret: bridge calls are refused")
        }
        guard let stamp = request.header("x-sidecar-timestamp"), let ts = Int(stamp) else {
            throw FrappeError.authentication("Missing or invalid X-Sidecar-Timestamp")
        }
        guard abs(now() - ts) <= BridgeSignature.maxSkewSeconds else {
            throw FrappeError.authentication("The bridge signature has expired; check the clocks of Frappe and the sidecar")
        }
        guard let sentNonce = request.header("x-sidecar-nonce"), let nonce = BridgeSignature.normalisedNonce(sentNonce) else {
            throw FrappeError.authentication("Missing or invalid X-Sidecar-Nonce (128 random bits as 32 hex digits)")
        }
        let user = request.header("x-sidecar-user") ?? ""
        guard !user.isEmpty, BridgeSignature.isValid(signature, secret: secret, timestamp: stamp, nonce: sentNonce, site: site.name,
                                                    method: request.method, pathWithQuery: request.pathWithQuery, user: user,
                                                    body: request.body) else {
            throw FrappeError.authentication("Invalid bridge signature")
        }
        guard try await replay.admit(nonce: nonce, site: site, now: now()) else {
            throw FrappeError.authentication("This signed call was already used")
        }
        if user == "Guest" { return .guest }
        return try await caller(user, via: .bridge, site: site)
    }

    /// `Authorization: token key:secret` or `Basic base64(key:secret)`, checked as Frappe's
    /// `validate_auth_via_api_keys` does: the key in `tabUser.api_key`, the secret from `__Auth`.
    private func apiKey(_ header: String, site: Site) async throws -> Caller {
        let parts = header.split(separator: " ", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { throw FrappeError.authentication("Invalid Authorization header") }
        let credentials: String
        switch parts[0].lowercased() {
        case "token": credentials = parts[1]
        case "basic":
            guard let data = Data(base64Encoded: parts[1]), let text = String(data: data, encoding: .utf8) else {
                throw FrappeError(.invalidAuthorizationToken, "Invalid Basic credentials")
            }
            credentials = text
        default: throw FrappeError.authentication("Unsupported Authorization type")
        }
        let pair = credentials.split(separator: ":", maxSplits: 1).map(String.init)
        guard pair.count == 2, !pair[0].isEmpty, !pair[1].isEmpty else { throw FrappeError.authentication("Invalid API key or secret") }
        let (key, secret) = (pair[0], pair[1])
        let user = try await site.read { r -> String? in
            guard let user = try r.user(forAPIKey: key),
                  let stored = try r.getPassword("User", user, "api_secret") else { return nil }
            return Self.constantTimeEqual(stored, secret) ? user : nil
        }
        guard let user else { throw FrappeError.authentication("Invalid API key or secret") }
        return try await caller(user, via: .apiKey, site: site)
    }

    private func caller(_ user: String, via: Caller.Via, site: Site) async throws -> Caller {
        let roles = try await site.read { try $0.rolesOfEnabledUser(user) }
        guard let roles else { throw FrappeError.authentication("User \(user) does not exist or is disabled") }
        return Caller(user: user, roles: roles, via: via)
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var diff = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) { diff |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0) }
        return diff == 0
    }
}
