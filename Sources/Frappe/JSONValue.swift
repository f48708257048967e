import Foundation
@_exported import CoreValues

extension JSONValue {
    /// Parses a request body or an argument; bad JSON is Frappe's ValidationError, not a decoder dump.
    public static func decode(_ data: Data) throws -> JSONValue {
        do {
            return try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw FrappeError.validation("Invalid JSON")
        }
    }
}
