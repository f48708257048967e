import Crypto
import Foundation

/// The bridge's signature over a call (ARCHITECTURE §3.2):
/// `sha256=<hex HMAC-SHA256(secret, timestamp \n method \n path-with-query \n user \n body)>`.
public enum BridgeSignature {
    public static let maxSkewSeconds = 300

    public static func sign(secret: String, timestamp: String, method: String, pathWithQuery: String, user: String, body: Data) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: message(timestamp, method, pathWithQuery, user, body), using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Constant-time check of a `sha256=` header value.
    public static func isValid(_ header: String, secret: String, timestamp: String, method: String, pathWithQuery: String, user: String, body: Data) -> Bool {
        guard header.hasPrefix("sha256="), let given = hexBytes(String(header.dropFirst(7))), given.count == 32 else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(given, authenticating: message(timestamp, method, pathWithQuery, user, body),
                                                      using: SymmetricKey(data: Data(secret.utf8)))
    }

    static func message(_ timestamp: String, _ method: String, _ path: String, _ user: String, _ body: Data) -> Data {
        var data = Data("\(timestamp)\n\(method)\n\(path)\n\(user)\n".utf8)
        data.append(body)
        return data
    }

    static func hexBytes(_ hex: String) -> [UInt8]? {
        guard hex.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.count / 2)
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}

/// Remembers bridge signatures seen within the skew window, so a captured call cannot be replayed.
/// (Per process: with several sidecars per site, put a shared store behind this seam.)
actor ReplayGuard {
    private var seen: [String: Int] = [:]

    /// False when this signature was already used.
    func admit(_ signature: String, timestamp: Int, now: Int) -> Bool {
        if seen.count > 10_000 || seen.count % 512 == 0 {
            seen = seen.filter { now - $0.value <= BridgeSignature.maxSkewSeconds * 2 }
        }
        guard seen[signature] == nil else { return false }
        seen[signature] = timestamp
        return true
    }
}
