import Crypto
import Foundation

/// Why a delivery was refused. Never carries the secret or the expected signature.
public enum WebhookVerificationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No secret is configured, so nothing can be verified (refuse unless unsigned is explicitly allowed).
    case noSecretConfigured
    /// `X-Hub-Signature-256` is absent.
    case missingSignature
    /// The header is not `sha256=` followed by 64 hex digits.
    case malformedSignature
    /// No configured secret produces this signature over these bytes.
    case signatureMismatch

    public var description: String {
        switch self {
        case .noSecretConfigured: return "webhook secret not configured"
        case .missingSignature: return "X-Hub-Signature-256 header missing"
        case .malformedSignature: return "X-Hub-Signature-256 header malformed"
        case .signatureMismatch: return "X-Hub-Signature-256 does not match the body"
        }
    }
}

/// Verifies `X-Hub-Signature-256` (HMAC-SHA256 of the raw body, hex, prefixed `sha256=`).
///
/// - Verify the bytes exactly as received, before any JSON parsing: re-serialised JSON never matches.
/// - Comparison is constant-time (`HMAC.isValidAuthenticationCode`).
/// - Several secrets are accepted so a secret can be rotated without dropping deliveries: configure
///   old and new, change the hook, then drop the old one.
public struct WebhookVerifier: Sendable, CustomStringConvertible {
    private let keys: [SymmetricKey]

    public init(secrets: [String]) {
        self.keys = secrets.filter { !$0.isEmpty }.map { SymmetricKey(data: Data($0.utf8)) }
    }

    public var description: String { "WebhookVerifier(\(keys.count) secret(s), redacted)" }

    public var hasSecrets: Bool { !keys.isEmpty }

    /// Throws unless `signatureHeader` is a valid signature of `body` under one of the secrets.
    public func verify(body: some DataProtocol, signatureHeader: String?) throws {
        guard !keys.isEmpty else { throw WebhookVerificationError.noSecretConfigured }
        guard let header = signatureHeader?.trimmingCharacters(in: .whitespaces), !header.isEmpty else {
            throw WebhookVerificationError.missingSignature
        }
        guard header.lowercased().hasPrefix("sha256="), let mac = Self.hexBytes(header.dropFirst(7)), mac.count == 32 else {
            throw WebhookVerificationError.malformedSignature
        }
        var valid = false
        for key in keys where HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: body, using: key) {
            valid = true
        }
        guard valid else { throw WebhookVerificationError.signatureMismatch }
    }

    /// True when ``verify(body:signatureHeader:)`` would not throw.
    public func isValid(body: some DataProtocol, signatureHeader: String?) -> Bool {
        (try? verify(body: body, signatureHeader: signatureHeader)) != nil
    }

    /// `sha256=<hex>` for `body` under `secret`: what GitHub (and FakeGitHub) send.
    public static func signature(for body: some DataProtocol, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + mac.map { hexDigits[Int($0 >> 4)] + hexDigits[Int($0 & 0x0f)] }.joined()
    }

    private static let hexDigits = (0..<16).map { String($0, radix: 16) }

    private static func hexBytes(_ text: Substring) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
