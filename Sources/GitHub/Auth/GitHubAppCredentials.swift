import Crypto
import Foundation
import _CryptoExtras

/// A GitHub App's identity: the issuer (`iss`, the App's client ID or numeric App ID; older GHES
/// accepts only the App ID) and its RSA private key.
///
/// Makes the RS256 JWT GitHub wants on App-only endpoints (`GET /app/installations/{id}`,
/// `POST /app/installations/{id}/access_tokens`). Claims follow GitHub's advice and the failures
/// others hit:
/// - `iat` = now − 60 s, to absorb clock drift (a JWT "issued in the future" gets a 401);
/// - `exp` = now + 9 min (GitHub's hard limit is 10 min and a fast clock trips it);
/// - both are whole seconds: GitHub rejects fractional `iat`/`exp` ("'Issued at' claim ('iat') must
///   be an Integer"), which JWT libraries that encode `Date` as a Double produce.
public struct GitHubAppCredentials: Sendable, CustomStringConvertible {
    /// The App's client ID (`Iv1.…`) or its numeric ID, as text.
    public let issuer: String
    /// The numeric App ID when known (for logs and FakeGitHub); optional.
    public let appID: Int64?
    private let privateKey: _RSA.Signing.PrivateKey

    /// - Parameter privateKeyPEM: PKCS#1 (`BEGIN RSA PRIVATE KEY`, what GitHub downloads) or
    ///   PKCS#8 (`BEGIN PRIVATE KEY`).
    public init(issuer: String, appID: Int64? = nil, privateKeyPEM: String) throws {
        self.issuer = issuer
        self.appID = appID
        do {
            self.privateKey = try _RSA.Signing.PrivateKey(pemRepresentation: privateKeyPEM)
        } catch {
            // Never echo the PEM or the underlying error text, which may quote key material.
            throw GitHubError.invalidConfiguration("GitHub App private key is not a valid RSA PEM (PKCS#1 or PKCS#8)")
        }
    }

    public init(issuer: String, appID: Int64? = nil, privateKey: _RSA.Signing.PrivateKey) {
        self.issuer = issuer
        self.appID = appID
        self.privateKey = privateKey
    }

    public var description: String { "GitHubAppCredentials(issuer: \(issuer), key: redacted)" }

    /// JWT lifetime past `now`. Nine minutes leaves a minute for clock drift under GitHub's ten.
    public static let lifetime: TimeInterval = 9 * 60
    /// How far `iat` is back-dated.
    public static let backdate: TimeInterval = 60

    /// A fresh RS256 JWT. `now` is injectable for tests.
    public func makeJWT(now: Date = Date()) throws -> String {
        let seconds = Int64(now.timeIntervalSince1970.rounded(.down))
        let header = #"{"alg":"RS256","typ":"JWT"}"#
        let claims = JWTClaims(
            iat: seconds - Int64(Self.backdate), exp: seconds + Int64(Self.lifetime), iss: issuer)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let payload = try encoder.encode(claims)
        let signingInput = Base64URL.encode(Data(header.utf8)) + "." + Base64URL.encode(payload)
        let signature = try privateKey.signature(for: Data(signingInput.utf8), padding: .insecurePKCS1v1_5)
        return signingInput + "." + Base64URL.encode(signature.rawRepresentation)
    }
}

/// The three claims GitHub reads. Integers, never Doubles (see ``GitHubAppCredentials``).
public struct JWTClaims: Codable, Sendable, Hashable {
    public var iat: Int64
    public var exp: Int64
    public var iss: String
}

/// Base64url without padding, as JWTs use.
public enum Base64URL {
    public static func encode(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public static func decode(_ text: some StringProtocol) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        let remainder = base64.count % 4
        if remainder == 1 { return nil }
        if remainder > 0 { base64 += String(repeating: "=", count: 4 - remainder) }
        return Data(base64Encoded: base64)
    }
}
