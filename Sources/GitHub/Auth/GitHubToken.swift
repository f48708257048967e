import Crypto
import Foundation

/// An opaque GitHub credential string: a PAT, an installation token (`ghs_…`, no longer 40
/// characters since 2026), an OAuth user token.
///
/// The raw value is reachable only through ``rawValue`` so that interpolating a token into a log
/// line, an error or a `description` prints a redacted form. Rate-limit and ETag state is keyed by
/// ``identity`` (a SHA-256 of the token), never by the token itself, so those stores can be
/// persisted or logged safely.
public struct GitHubToken: Sendable, Hashable, Codable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The secret. Send it; never print it.
    public let rawValue: String

    public init(_ rawValue: String) { self.rawValue = rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// `sha256:` + hex SHA-256 of the token. Stable across processes; reveals nothing usable.
    public var identity: String {
        "sha256:" + SHA256.hash(data: Data(rawValue.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    public var description: String { "GitHubToken(redacted, \(identity.prefix(19))…)" }
    public var debugDescription: String { description }
}
