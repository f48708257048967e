import Foundation

/// The JSON coders the module uses. Models carry explicit `CodingKeys`, so plain coders work too;
/// these exist so every call site sorts keys the same way (stable ETags in FakeGitHub, readable diffs).
public enum GitHubJSON {
    public static func decoder() -> JSONDecoder { JSONDecoder() }

    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

/// A value that GitHub sends either as a string or as a number (e.g. hook `config.insecure_ssl`
/// is `"0"` in REST examples and `0` in some webhook examples).
public struct StringOrNumber: Sendable, Hashable, Codable, CustomStringConvertible {
    public var stringValue: String

    public init(_ value: String) { self.stringValue = value }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            stringValue = text
        } else if let number = try? container.decode(Int64.self) {
            stringValue = String(number)
        } else if let bool = try? container.decode(Bool.self) {
            stringValue = bool ? "1" : "0"
        } else {
            stringValue = String(try container.decode(Double.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(stringValue)
    }

    public var description: String { stringValue }
}
