import Foundation

/// A Frappe exception class, with the HTTP status Frappe v15 answers for it
/// (`frappe/exceptions.py`, `http_status_code`).
public enum FrappeExceptionType: String, Sendable, CaseIterable {
    case validationError = "ValidationError"
    case mandatoryError = "MandatoryError"
    case linkValidationError = "LinkValidationError"
    case characterLengthExceededError = "CharacterLengthExceededError"
    case timestampMismatchError = "TimestampMismatchError"
    case invalidNameError = "InvalidNameError"
    case frappeTypeError = "FrappeTypeError"
    case doesNotExistError = "DoesNotExistError"
    case permissionError = "PermissionError"
    case authenticationError = "AuthenticationError"
    case nameError = "NameError"
    case duplicateEntryError = "DuplicateEntryError"
    case tooManyRequestsError = "TooManyRequestsError"
    case invalidAuthorizationToken = "InvalidAuthorizationToken"
    case unsupportedMediaType = "UnsupportedMediaType"
    case requestEntityTooLarge = "RequestEntityTooLarge"
    case serviceUnavailable = "SessionStopped"
    case internalError = "Exception"

    public var httpStatus: Int {
        switch self {
        case .validationError, .mandatoryError, .linkValidationError, .characterLengthExceededError,
             .timestampMismatchError, .invalidNameError, .frappeTypeError: return 417
        case .doesNotExistError: return 404
        case .permissionError: return 403
        case .authenticationError: return 401
        case .nameError, .duplicateEntryError: return 409
        case .tooManyRequestsError: return 429
        case .invalidAuthorizationToken: return 400
        case .unsupportedMediaType: return 415
        case .requestEntityTooLarge: return 413
        case .serviceUnavailable: return 503
        case .internalError: return 500
        }
    }
}

/// An error a caller sees the way Frappe would show it: an exception class and a message.
///
/// The message is meant for the person who clicked the button; it must never carry secrets
/// or stack traces.
public struct FrappeError: Error, Sendable, CustomStringConvertible, Equatable {
    public var type: FrappeExceptionType
    public var message: String
    public var title: String
    /// Extra keys for the response body (e.g. `retry_after` on a 429).
    public var extras: [String: String]
    /// Why, for code and tests that must tell refusals of one class apart without reading the
    /// message (which is for people and may change). Sent as `exc_cause`.
    public var cause: Cause?

    public init(_ type: FrappeExceptionType, _ message: String, title: String = "Message", extras: [String: String] = [:],
                cause: Cause? = nil) {
        self.type = type
        self.message = message
        self.title = title
        self.extras = extras
        self.cause = cause
    }

    /// An open set of causes; each module declares its own (`extension FrappeError.Cause`).
    public struct Cause: RawRepresentable, Hashable, Sendable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
    }

    public var description: String { "\(type.rawValue): \(message)" }
    public var httpStatus: Int { type.httpStatus }

    public static func validation(_ m: String) -> FrappeError { FrappeError(.validationError, m) }
    public static func mandatory(_ m: String) -> FrappeError { FrappeError(.mandatoryError, m) }
    public static func permission(_ m: String) -> FrappeError { FrappeError(.permissionError, m, title: "Not permitted") }
    public static func notFound(_ m: String) -> FrappeError { FrappeError(.doesNotExistError, m) }
    public static func authentication(_ m: String) -> FrappeError { FrappeError(.authenticationError, m) }
    public static func duplicate(_ m: String) -> FrappeError { FrappeError(.duplicateEntryError, m, title: "Duplicate Entry") }
    public static func internalError(_ m: String = "Internal server error") -> FrappeError { FrappeError(.internalError, m) }
}

/// The JSON bodies Frappe v15's `/api/method/...` answers with (`frappe/utils/response.py`).
public enum FrappeResponseBody {
    /// `{"message": value}`, or `{}` when the method returned nothing.
    public static func success(_ message: Any?) throws -> Data {
        guard let message, !(message is NSNull) else { return Data("{}".utf8) }
        return try JSONSerialization.data(withJSONObject: ["message": message], options: [.fragmentsAllowed, .withoutEscapingSlashes])
    }

    /// `exc_type` and `_server_messages`: a JSON string of a list of JSON strings, each a message
    /// object, exactly as the desk's `frappe.request` parses it. No traceback is ever included.
    public static func error(_ error: FrappeError) -> Data {
        let inner: [String: Any] = ["message": error.message, "title": error.title, "indicator": "red", "raise_exception": 1]
        let innerString = jsonString(inner, pythonSeparators: true)
        var body: [String: Any] = [
            "exc_type": error.type.rawValue,
            "_server_messages": jsonString([innerString], pythonSeparators: true),
        ]
        for (k, v) in error.extras { body[k] = v }
        // A stable code beside Frappe's keys (clients ignore keys they do not know), so scripts
        // and tests can tell refusals of one class apart without reading the message.
        if let cause = error.cause { body["exc_cause"] = cause.rawValue }
        return (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data(#"{"exc_type":"Exception"}"#.utf8)
    }

    /// Python's `json.dumps` default separators (`", "` and `": "`), which Frappe uses for the
    /// inner message strings.
    static func jsonString(_ object: Any, pythonSeparators: Bool) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]),
              let compact = String(data: data, encoding: .utf8) else { return "{}" }
        return pythonSeparators ? pythonSpacing(compact) : compact
    }

    /// Adds a space after `,` and `:` outside strings.
    static func pythonSpacing(_ json: String) -> String {
        var out = ""
        out.reserveCapacity(json.count + json.count / 8)
        var inString = false, escaped = false
        for ch in json {
            out.append(ch)
            if inString {
                if escaped { escaped = false } else if ch == "\\" { escaped = true } else if ch == "\"" { inString = false }
            } else if ch == "\"" {
                inString = true
            } else if ch == "," || ch == ":" {
                out.append(" ")
            }
        }
        return out
    }
}
