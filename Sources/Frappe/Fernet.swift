import Crypto
import _CryptoExtras
import Foundation

/// Fernet tokens, interoperable with Python's `cryptography.fernet` that Frappe uses for
/// Password fields in `__Auth` (`frappe/utils/password.py:encrypt`).
///
/// Token: base64url(0x80 | timestamp(8, BE) | IV(16) | AES-128-CBC(PKCS7) | HMAC-SHA256(32)).
public struct Fernet: Sendable {
    private let signingKey: SymmetricKey
    private let encryptionKey: SymmetricKey

    public enum Failure: Error, CustomStringConvertible {
        case invalidKey, invalidToken
        public var description: String {
            switch self {
            case .invalidKey: return "Encryption key is invalid"
            case .invalidToken: return "Encryption key is invalid!"
            }
        }
    }

    /// `key` is the site's `encryption_key`: 32 bytes in urlsafe base64 (44 characters).
    public init(key: String) throws {
        guard let bytes = Self.base64URLDecode(key), bytes.count == 32 else { throw Failure.invalidKey }
        signingKey = SymmetricKey(data: bytes.prefix(16))
        encryptionKey = SymmetricKey(data: bytes.suffix(16))
    }

    /// A fresh key in the form `Fernet.generate_key()` gives.
    public static func generateKey() -> String {
        base64URLEncode(SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) })
    }

    public func encrypt(_ plaintext: String, now: Date = Date()) throws -> String {
        var iv = [UInt8](repeating: 0, count: 16)
        for i in iv.indices { iv[i] = UInt8.random(in: 0...255) }
        let ciphertext = try AES._CBC.encrypt(Array(plaintext.utf8), using: encryptionKey, iv: AES._CBC.IV(ivBytes: iv))
        var token = Data([0x80])
        var timestamp = UInt64(max(0, now.timeIntervalSince1970)).bigEndian
        withUnsafeBytes(of: &timestamp) { token.append(contentsOf: $0) }
        token.append(contentsOf: iv)
        token.append(contentsOf: ciphertext)
        token.append(contentsOf: HMAC<SHA256>.authenticationCode(for: token, using: signingKey))
        return Self.base64URLEncode(token)
    }

    public func decrypt(_ token: String) throws -> String {
        guard let data = Self.base64URLDecode(token), data.count >= 1 + 8 + 16 + 16 + 32, data.first == 0x80 else {
            throw Failure.invalidToken
        }
        let signed = data.prefix(data.count - 32)
        let mac = data.suffix(32)
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: signed, using: signingKey) else {
            throw Failure.invalidToken
        }
        let iv = data.dropFirst(9).prefix(16)
        let ciphertext = signed.dropFirst(25)
        guard ciphertext.count % 16 == 0,
              let plain = try? AES._CBC.decrypt(ciphertext, using: encryptionKey, iv: AES._CBC.IV(ivBytes: Array(iv))),
              let text = String(data: Data(plain), encoding: .utf8) else { throw Failure.invalidToken }
        return text
    }

    static func base64URLEncode(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }

    static func base64URLDecode(_ text: String) -> Data? {
        var s = text.trimmingCharacters(in: .whitespacesAndNewlines)
            .replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s.append("=") }
        return Data(base64Encoded: s)
    }
}
