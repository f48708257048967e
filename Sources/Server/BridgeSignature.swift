import Crypto
import Foundation

/// The bridge's signature over a call (ARCHITECTURE §3.2):
/// `sha256=<hex HMAC-SHA256(secret, timestamp \n nonce \n site \n method \n path-with-query \n user \n body)>`.
///
/// The site is signed so a call signed for one site of a bench (with `github_sidecar_secret` in
/// `common_site_config.json`, every site shares the secret) is refused for another. The nonce is
/// 128 random bits, so two identical calls in the same second (a double click answered by two
/// gunicorn workers) are two different signed calls, and a replay is recognised by its nonce.
public enum BridgeSignature {
    public static let maxSkewSeconds = 300
    /// 128 bits as lower-case hex, as the bridge's `secrets.token_hex(16)` writes them.
    public static let nonceHexLength = 32

    public static func sign(secret: String, timestamp: String, nonce: String, site: String, method: String,
                            pathWithQuery: String, user: String, body: Data) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: message(timestamp, nonce, site, method, pathWithQuery, user, body),
                                                  using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Constant-time check of a `sha256=` header value; the hex digest may be in any case (the
    /// bytes are compared, never the text).
    public static func isValid(_ header: String, secret: String, timestamp: String, nonce: String, site: String, method: String,
                               pathWithQuery: String, user: String, body: Data) -> Bool {
        guard header.lowercased().hasPrefix("sha256="), let given = hexBytes(String(header.dropFirst(7))), given.count == 32 else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(given, authenticating: message(timestamp, nonce, site, method, pathWithQuery, user, body),
                                                      using: SymmetricKey(data: Data(secret.utf8)))
    }

    /// The nonce as it is remembered: lower-case, exactly 32 hex digits; nil for anything else.
    public static func normalisedNonce(_ nonce: String) -> String? {
        let lower = nonce.lowercased()
        guard lower.utf8.count == nonceHexLength, lower.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else { return nil }
        return lower
    }

    static func message(_ timestamp: String, _ nonce: String, _ site: String, _ method: String, _ path: String, _ user: String,
                        _ body: Data) -> Data {
        var data = Data("\(timestamp)\n\(nonce)\n\(site)\n\(method)\n\(path)\n\(user)\n".utf8)
        data.append(body)
        return data
    }

    static func hexBytes(_ hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: return c - 48
            case 65...70: return c - 55
            case 97...102: return c - 87
            default: return nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var i = 0
        while i < digits.count {
            guard let high = value(digits[i]), let low = value(digits[i + 1]) else { return nil }
            bytes.append(high << 4 | low)
            i += 2
        }
        return bytes
    }
}
