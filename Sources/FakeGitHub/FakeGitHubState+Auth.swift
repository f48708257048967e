import Crypto
import Foundation
import GitHub
import _CryptoExtras

/// Who is calling, after authentication.
struct Caller: Sendable {
    /// Login of the user (for installations, the App's bot login).
    var login: String
    /// Rate-limit key: the login, `installation:<id>` or `app:<id>`.
    var identity: String
    var installationID: Int64?
    var appID: Int64?
}

struct Refusal: Error {
    var response: FakeHTTPResponse
}

extension FakeGitHubState {
    /// GitHub's rules, as far as a mirror needs them: App endpoints want a valid RS256 App JWT
    /// (integer `iat`/`exp`, `exp` at most 10 minutes after `iat`, not expired, known `iss`); everything
    /// else wants a known, unexpired token (or none, for anonymous reads).
    func authenticate(_ request: FakeHTTPRequest, route: FakeRoute) -> Result<Caller, Refusal> {
        let header = request.header("authorization")
        let credential: String? = header.flatMap { value in
            let parts = value.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, ["bearer", "token"].contains(parts[0].lowercased()) else { return nil }
            return String(parts[1])
        }
        if route.needsAppJWT {
            guard let credential else {
                return .failure(Refusal(response: .error(401, "A JSON web token could not be decoded")))
            }
            return verifyAppJWT(credential).map { app in
                Caller(login: (app.slug ?? "app-\(app.id)") + "[bot]", identity: "app:\(app.id)", appID: app.id)
            }
        }
        guard let credential else {
            if header != nil { return .failure(Refusal(response: .error(401, "Bad credentials"))) }
            return .success(Caller(login: "anonymous", identity: "anonymous"))
        }
        if let grant = tokens[credential] {
            if let expiry = grant.expiresAt, expiry <= options.now() {
                return .failure(Refusal(response: .error(401, "Bad credentials")))
            }
            if let installation = grant.installationID {
                return .success(Caller(login: grant.login, identity: "installation:\(installation)", installationID: installation))
            }
            return .success(Caller(login: grant.login, identity: grant.login))
        }
        if options.acceptUnknownTokens, credential.split(separator: ".").count != 3 {
            let login = users.values.sorted { $0.id < $1.id }.first { $0.type != "Organization" }?.login ?? "octocat"
            return .success(Caller(login: login, identity: login))
        }
        return .failure(Refusal(response: .error(401, "Bad credentials")))
    }

    func verifyAppJWT(_ jwt: String) -> Result<FakeApp, Refusal> {
        func refuse(_ message: String) -> Result<FakeApp, Refusal> { .failure(Refusal(response: .error(401, message))) }
        let parts = jwt.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = Base64URL.decode(parts[0]), let payloadData = Base64URL.decode(parts[1]),
            let signatureData = Base64URL.decode(parts[2]),
            let header = try? JSONDecoder().decode(JSONValue.self, from: headerData),
            let payload = try? JSONDecoder().decode(JSONValue.self, from: payloadData)
        else { return refuse("A JSON web token could not be decoded") }
        guard header["alg"]?.stringValue == "RS256" else { return refuse("A JSON web token could not be decoded") }
        guard case .number(let iat)? = payload["iat"], iat.rounded() == iat else {
            return refuse("'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued.")
        }
        guard case .number(let exp)? = payload["exp"], exp.rounded() == exp else {
            return refuse("'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires.")
        }
        let now = options.now().timeIntervalSince1970
        if iat > now + 1 {
            return refuse("'Issued at' claim ('iat') must be an Integer representing a time in the past.")
        }
        if exp - iat > 600 || exp > now + 600 {
            return refuse("'Expiration time' claim ('exp') is too far in the future")
        }
        if exp <= now { return refuse("'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires.") }
        let issuer: String
        switch payload["iss"] {
        case .string(let text)?: issuer = text
        case .number(let number)?: issuer = String(Int64(number))
        default: return refuse("'Issuer' claim ('iss') must be an Integer or the App's client ID")
        }
        guard let app = apps.values.first(where: { String($0.id) == issuer || $0.clientID == issuer }) else {
            return refuse("Integration not found")
        }
        guard let key = try? _RSA.Signing.PublicKey(pemRepresentation: app.publicKeyPEM) else {
            return refuse("A JSON web token could not be decoded")
        }
        let signingInput = Data((parts[0] + "." + parts[1]).utf8)
        let signature = _RSA.Signing.RSASignature(rawRepresentation: signatureData)
        guard key.isValidSignature(signature, for: signingInput, padding: .insecurePKCS1v1_5) else {
            return refuse("A JSON web token could not be decoded")
        }
        return .success(app)
    }

    /// Mints an installation token (`ghs_` + 36 random characters, then an App-specific suffix so it
    /// is not 40 characters long, as GitHub's newer tokens aren't).
    func mintInstallationToken(app: FakeApp, installation: FakeInstallation) -> (String, Date) {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        let random = String((0..<36).map { _ in alphabet[Int.random(in: 0..<alphabet.count)] })
        let token = "ghs_\(random)_\(app.id)"
        let expiresAt = Date(timeIntervalSince1970: (options.now().timeIntervalSince1970 + options.installationTokenLifetime).rounded(.down))
        tokens[token] = TokenGrant(login: (app.slug ?? "app-\(app.id)") + "[bot]", installationID: installation.id, expiresAt: expiresAt)
        return (token, expiresAt)
    }
}
