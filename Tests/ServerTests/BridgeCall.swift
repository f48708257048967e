import Foundation
import Server

/// The headers the bridge sends with a signed call (ARCHITECTURE §3.2), as
/// `frappe_bridge/erpnext_github_integration/sidecar.py` makes them: a fresh random nonce each time.
enum BridgeCall {
    /// A new 128-bit nonce, as `secrets.token_hex(16)` writes it.
    static func nonce() -> String {
        (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }

    /// Site, user, timestamp and signature first (tests replace them by index), then the rest.
    static func headers(secret: String, site: String, user: String, method: String, path: String, body: Data,
                        timestamp: Int? = nil, nonce: String = BridgeCall.nonce(), signedSite: String? = nil) -> [(String, String)] {
        let ts = String(timestamp ?? Int(Date().timeIntervalSince1970))
        let signature = BridgeSignature.sign(secret: secret, timestamp: ts, nonce: nonce, site: signedSite ?? site, method: method,
                                             pathWithQuery: path, user: user, body: body)
        return [("X-Frappe-Site-Name", site), ("X-Sidecar-User", user), ("X-Sidecar-Timestamp", ts), ("X-Sidecar-Signature", signature),
                ("Content-Type", "application/json"), ("X-Sidecar-Nonce", nonce)]
    }
}
