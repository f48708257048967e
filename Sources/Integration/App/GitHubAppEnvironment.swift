import Crypto
import Foundation
import GitHub
import Frappe

/// The GitHub App belongs to the bench: its credentials come from the sidecar's environment
/// (seed 003, ARCHITECTURE §3.6), never from a site table, and never appear in logs or answers.
public struct GitHubAppEnvironment: Sendable, CustomStringConvertible {
    public var appID: Int64
    public var clientID: String?
    /// With ``clientID``: the web flow's code exchange, so the callback can ask GitHub which
    /// installations the returning user may access (`GITHUB_APP_CLIENT_SECRET`).
    let clientSecret: String?
    let privateKeyPEM: String
    let webhookSecret: String
    /// `https://github.com/apps/<slug>/installations/new`.
    public var appURL: String
    public var apiURL: String
    public var landlord: LandlordURL
    /// Key for connect states (AES-GCM): `GITHUB_APP_STATE_SECRET`, else derived from the App key.
    let stateKey: SymmetricKey

    public init(appID: Int64, clientID: String? = nil, clientSecret: String? = nil, privateKeyPEM: String, webhookSecret: String, appURL: String,
                apiURL: String = "https://api.github.com", landlord: LandlordURL, stateSecret: String? = nil) {
        self.appID = appID
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.privateKeyPEM = privateKeyPEM
        self.webhookSecret = webhookSecret
        self.appURL = appURL
        self.apiURL = apiURL
        self.landlord = landlord
        let material = SymmetricKey(data: Data((stateSecret ?? privateKeyPEM).utf8))
        stateKey = HKDF<SHA256>.deriveKey(inputKeyMaterial: material, salt: Data("github-sidecar connect state".utf8),
                                          info: Data("aes-gcm-256".utf8), outputByteCount: 32)
    }

    public var description: String { "GitHubAppEnvironment(app \(appID), \(apiURL), landlord \(landlord), secrets redacted)" }

    /// The App from `GITHUB_APP_*` variables; nil when `GITHUB_APP_ID` is unset (the App is optional).
    public static func from(_ env: [String: String]) throws -> GitHubAppEnvironment? {
        guard let idText = env["GITHUB_APP_ID"], !idText.isEmpty else { return nil }
        guard let appID = Int64(idText) else { throw GitHubError.invalidConfiguration("GITHUB_APP_ID must be the App's numeric id") }
        var pem = env["GITHUB_APP_PRIVATE_KEY"] ?? ""
        if pem.isEmpty, let path = env["GITHUB_APP_PRIVATE_KEY_FILE"], !path.isEmpty {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw GitHubError.invalidConfiguration("GITHUB_APP_PRIVATE_KEY_FILE cannot be read")
            }
            pem = String(decoding: data, as: UTF8.self)
        }
        // `.env` files often carry the PEM on one line with literal `\n`.
        pem = pem.replacingOccurrences(of: "\\n", with: "\n")
        guard !pem.isEmpty else { throw GitHubError.invalidConfiguration("Set GITHUB_APP_PRIVATE_KEY or GITHUB_APP_PRIVATE_KEY_FILE") }
        guard let secret = env["GITHUB_WEBHOOK_SECRET"], !secret.isEmpty else {
            throw GitHubError.invalidConfiguration("Set GITHUB_WEBHOOK_SECRET (the App's webhook secret)")
        }
        guard let appURL = env["GITHUB_APP_URL"], !appURL.isEmpty else {
            throw GitHubError.invalidConfiguration("Set GITHUB_APP_URL (https://github.com/apps/<slug>/installations/new)")
        }
        guard let landlord = env["GITHUB_SIDECAR_LANDLORD"], !landlord.isEmpty else {
            throw GitHubError.invalidConfiguration("Set GITHUB_SIDECAR_LANDLORD (see `github-sidecar landlord create`)")
        }
        let api = env["GITHUB_API_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "https://api.github.com"
        return GitHubAppEnvironment(appID: appID, clientID: env["GITHUB_APP_CLIENT_ID"].flatMap { $0.isEmpty ? nil : $0 },
                                    clientSecret: env["GITHUB_APP_CLIENT_SECRET"].flatMap { $0.isEmpty ? nil : $0 },
                                    privateKeyPEM: pem, webhookSecret: secret,
                                    appURL: appURL, apiURL: api, landlord: try LandlordURL(landlord), stateSecret: env["GITHUB_APP_STATE_SECRET"])
    }

    func credentials() throws -> GitHubAppCredentials {
        // `iss`: the client ID when given (GitHub's advice), else the numeric id (older GHES).
        try GitHubAppCredentials(issuer: clientID ?? String(appID), appID: appID, privateKeyPEM: privateKeyPEM)
    }

    var verifier: WebhookVerifier { WebhookVerifier(secrets: [webhookSecret]) }
}
