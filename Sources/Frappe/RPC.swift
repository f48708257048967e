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

/// One whitelisted method, as `@frappe.whitelist(allow_guest=…, methods=[…])` declares it.
public struct RPCMethod: Sendable {
    public let name: String
    public let verbs: Set<String>
    public let allowGuest: Bool
    public let respond: @Sendable (RPCCall) async throws -> RPCResult
    /// The method reads only the raw body and headers (a webhook receiver): the server does not
    /// parse arguments, so a body that is not valid JSON or form data still reaches it.
    public var takesRawBody = false

    public init(_ name: String, verbs: Set<String> = ["GET", "POST", "PUT", "DELETE"], allowGuest: Bool = false,
                handler: @escaping @Sendable (RPCCall) async throws -> JSONValue?) {
        self.init(name, verbs: verbs, allowGuest: allowGuest, respond: { RPCResult(message: try await handler($0)) })
    }

    public init(_ name: String, verbs: Set<String> = ["GET", "POST", "PUT", "DELETE"], allowGuest: Bool = false,
                respond: @escaping @Sendable (RPCCall) async throws -> RPCResult) {
        self.name = name
        self.verbs = verbs
        self.allowGuest = allowGuest
        self.respond = respond
    }
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
