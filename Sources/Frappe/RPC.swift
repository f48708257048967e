import Foundation

/// Who is calling, after authentication.
public struct Caller: Sendable {
    public enum Via: String, Sendable { case bridge, apiKey, session, guest }
    public let user: String
    public let roles: Set<String>
    public let via: Via

    public init(user: String, roles: Set<String>, via: Via) {
        self.user = user
        self.roles = roles
        self.via = via
    }

    public static let guest = Caller(user: "Guest", roles: ["Guest"], via: .guest)
    public var isGuest: Bool { user == "Guest" }
    public var isAdministrator: Bool { user == "Administrator" }
    public func has(anyOf roles: Set<String>) -> Bool { isAdministrator || !self.roles.isDisjoint(with: roles) }
}

/// A method's arguments as Frappe's `make_form_dict` builds them: query string, then form body
/// (form wins), or a JSON object body. Keys the method does not know are simply never read,
/// as `frappe.call` drops them.
public struct RPCArguments: Sendable {
    public var values: [String: JSONValue]

    public init(_ values: [String: JSONValue] = [:]) { self.values = values }

    /// Parses a request: `query` (already split), the raw body and its content type.
    public init(query: String?, body: Data, contentType: String?) throws {
        var values: [String: JSONValue] = [:]
        for (k, v) in Self.formPairs(query ?? "") where values[k] == nil { values[k] = .string(v) }
        let type = contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        if !body.isEmpty {
            if type == "application/json" {
                switch try JSONValue.decode(body) {
                case .object(let object): values.merge(object) { _, new in new }
                case .array(let list): values["data"] = .array(list)
                default: throw FrappeError.validation("The JSON body must be an object")
                }
            } else if type == "application/x-www-form-urlencoded" || type.isEmpty {
                var form: [String: JSONValue] = [:]
                for (k, v) in Self.formPairs(String(decoding: body, as: UTF8.self)) where form[k] == nil { form[k] = .string(v) }
                values.merge(form) { _, new in new }
            }
        }
        values["_"] = nil
        values["cmd"] = nil
        self.values = values
    }

    static func formPairs(_ text: String) -> [(String, String)] {
        text.split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let rawKey = parts.first else { return nil }
            let decode = { (s: Substring) in s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s) }
            return (decode(rawKey), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    public subscript(_ key: String) -> JSONValue? { values[key] }

    /// Whether the argument was given: present, not null, not empty text (a list or an object
    /// counts, whatever it holds).
    public func has(_ key: String) -> Bool {
        switch values[key] {
        case .none, .null?: return false
        case .string(let s)?: return !s.isEmpty
        default: return true
        }
    }

    /// A text argument; empty text counts as absent.
    public func string(_ key: String) -> String? {
        guard let v = values[key], let s = v.string, !s.isEmpty else { return nil }
        return s
    }

    /// A required text argument, with Frappe's message when it is missing.
    public func require(_ key: String) throws -> String {
        guard let s = string(key) else { throw FrappeError.validation("Missing argument: \(key)") }
        return s
    }

    public func int(_ key: String) throws -> Int? {
        guard let v = values[key] else { return nil }
        if case .string(let s) = v, s.isEmpty { return nil }
        guard let i = v.int else { throw FrappeError(.frappeTypeError, "Argument \(key) must be a whole number") }
        return i
    }

    public func bool(_ key: String) -> Bool { values[key]?.bool ?? false }

    /// A list argument, sent as a JSON array or (from the desk's form encoding) a JSON string of
    /// one, or a comma-separated string.
    public func list(_ key: String) throws -> [JSONValue]? {
        guard let v = values[key] else { return nil }
        switch v {
        case .null: return nil
        case .array(let items): return items
        case .string(let s):
            let t = s.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { return [] }
            if t.hasPrefix("[") {
                guard case .array(let items) = try JSONValue.decode(Data(t.utf8)) else { throw FrappeError.validation("\(key) must be a list") }
                return items
            }
            return t.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) }
        default: throw FrappeError.validation("\(key) must be a list")
        }
    }
}

/// What a method answers: `{"message": …}` with a status (200 unless the method says otherwise,
/// e.g. 202 for an accepted webhook delivery).
public struct RPCResult: Sendable {
    public var status: Int
    public var message: JSONValue?

    public init(status: Int = 200, message: JSONValue?) {
        self.status = status
        self.message = message
    }
}

/// An argument a method declares. A required one that is missing (or empty) is refused with
/// Frappe's 417 naming it before the method runs, on every path (bridge, API key, session).
public struct RPCArgument: Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let name: String
    public let isRequired: Bool

    public init(_ name: String, required: Bool = true) {
        self.name = name
        self.isRequired = required
    }

    public init(stringLiteral name: String) { self.init(name) }

    /// An argument the method may go without (`def fn(body=None)`).
    public static func optional(_ name: String) -> RPCArgument { RPCArgument(name, required: false) }

    public var description: String { isRequired ? name : "\(name)=None" }
}

/// Who may call a method, checked before its body runs (ARCHITECTURE §5): a refusal is a
/// PermissionError (403) saying what is missing. `summary` is what the catalogue prints.
public struct RPCPermission: Sendable {
    public let summary: String
    public let check: @Sendable (RPCCall) async throws -> Void

    public init(_ summary: String, check: @escaping @Sendable (RPCCall) async throws -> Void) {
        self.summary = summary
        self.check = check
    }

    /// Anyone who reached the method: a guest route authenticates its request itself (HMAC,
    /// signed state); any other method is already closed to Guest by the server.
    public static let anyCaller = RPCPermission("any logged-in user") { _ in }
}

extension FrappeError.Cause {
    /// A method called with an HTTP verb it does not take (the message names the ones it does).
    public static let wrongVerb = FrappeError.Cause(rawValue: "wrong-verb")
}

/// One whitelisted method, as `@frappe.whitelist(allow_guest=…, methods=[…])` declares it, with
/// its arguments and who may call it, so the table reads like the Python module it stands for.
public struct RPCMethod: Sendable {
    public let name: String
    public let verbs: Set<String>
    public let allowGuest: Bool
    public let arguments: [RPCArgument]
    public let permission: RPCPermission
    let body: @Sendable (RPCCall) async throws -> RPCResult
    /// The method reads only the raw body and headers (a webhook receiver): the server does not
    /// parse arguments, so a body that is not valid JSON or form data still reaches it.
    public var takesRawBody = false

    public init(_ name: String, verbs: Set<String> = ["GET", "POST", "PUT", "DELETE"], allowGuest: Bool = false,
                arguments: [RPCArgument] = [], permission: RPCPermission = .anyCaller,
                handler: @escaping @Sendable (RPCCall) async throws -> JSONValue?) {
        self.init(name, verbs: verbs, allowGuest: allowGuest, arguments: arguments, permission: permission,
                  respond: { RPCResult(message: try await handler($0)) })
    }

    public init(_ name: String, verbs: Set<String> = ["GET", "POST", "PUT", "DELETE"], allowGuest: Bool = false,
                arguments: [RPCArgument] = [], permission: RPCPermission = .anyCaller,
                respond: @escaping @Sendable (RPCCall) async throws -> RPCResult) {
        self.name = name
        self.verbs = verbs
        self.allowGuest = allowGuest
        self.arguments = arguments
        self.permission = permission
        self.body = respond
    }

    /// Permission first (it may read the argument it is about), then the required arguments,
    /// then the body.
    public func respond(_ call: RPCCall) async throws -> RPCResult {
        try await permission.check(call)
        for argument in arguments where argument.isRequired && !call.args.has(argument.name) {
            throw FrappeError.validation("Missing argument: \(argument.name)")
        }
        return try await body(call)
    }

    /// `module.fn(arg, other=None)`, as the README's catalogue lists it.
    public var signature: String { "\(name)(\(arguments.map(\.description).joined(separator: ", ")))" }
}

/// Everything a method sees of its call.
public struct RPCCall: Sendable {
    public let site: Site
    public let caller: Caller
    public let args: RPCArguments
    public let headers: [String: String]
    public let rawBody: Data

    public init(site: Site, caller: Caller, args: RPCArguments, headers: [String: String], rawBody: Data) {
        self.site = site
        self.caller = caller
        self.args = args
        self.headers = headers
        self.rawBody = rawBody
    }

    /// A PermissionError (403) unless the caller holds one of `roles`.
    public func require(anyOf roles: Set<String>, to action: String) throws {
        guard caller.has(anyOf: roles) else {
            throw FrappeError.permission("You need the \(roles.sorted().joined(separator: " or ")) role to \(action)")
        }
    }
}
