import CHiredis
import Foundation

/// A blocking connection to Redis through hiredis. Used by one thread at a time (the cache's
/// own thread), hence `@unchecked Sendable`.
public final class RedisConnection: @unchecked Sendable {
    private let context: UnsafeMutablePointer<redisContext>

    public enum Reply: Equatable, Sendable {
        case string(String), integer(Int), array([Reply]), status(String), error(String), nil_
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// `redis://[:password@]host:port[/db]`, as Frappe's `redis_cache` is written.
    public init(url: String, timeoutSeconds: Int = 2) throws {
        guard let u = URLComponents(string: url), u.scheme == "redis" || u.scheme == "unix" else {
            throw Failure(description: "not a redis:// URL")
        }
        let timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        guard let c = redisConnectWithTimeout(u.host ?? "127.0.0.1", Int32(u.port ?? 6379), timeout) else {
            throw Failure(description: "cannot allocate a Redis context")
        }
        if c.pointee.err != 0 {
            let message = withUnsafeBytes(of: c.pointee.errstr) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            redisFree(c)
            throw Failure(description: "Redis: \(message)")
        }
        redisSetTimeout(c, timeout)
        context = c
        if let password = u.password, !password.isEmpty {
            _ = try command(["AUTH", password])
        }
        let db = u.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        if let n = Int(db), n != 0 { _ = try command(["SELECT", String(n)]) }
    }

    deinit { redisFree(context) }

    /// One command, its reply.
    public func command(_ args: [String]) throws -> Reply {
        try pipeline([args])[0]
    }

    /// Several commands sent together, then their replies in order.
    public func pipeline(_ commands: [[String]]) throws -> [Reply] {
        for args in commands {
            guard !args.isEmpty else { throw Failure(description: "Redis: empty command") }
            let rc = try withArgv(args) { argc, argv, lengths in redisAppendCommandArgv(context, argc, argv, lengths) }
            guard rc == 0 else { throw Failure(description: "Redis: could not queue \(args.first ?? "")") }
        }
        return try commands.map { _ in try readReply() }
    }

    /// Waits for the next reply (e.g. a message on a subscribed channel).
    public func readReply() throws -> Reply {
        var raw: UnsafeMutableRawPointer?
        guard redisGetReply(context, &raw) == 0, let reply = raw?.assumingMemoryBound(to: redisReply.self) else {
            throw Failure(description: "Redis: connection lost or timed out")
        }
        defer { freeReplyObject(raw) }
        return Self.convert(reply)
    }

    private static func convert(_ r: UnsafeMutablePointer<redisReply>) -> Reply {
        let text = { r.pointee.str.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: r.pointee.len), as: UTF8.self) } ?? "" }
        switch r.pointee.type {
        case REDIS_REPLY_STRING: return .string(text())
        case REDIS_REPLY_STATUS: return .status(text())
        case REDIS_REPLY_ERROR: return .error(text())
        case REDIS_REPLY_INTEGER: return .integer(Int(r.pointee.integer))
        case REDIS_REPLY_ARRAY:
            return .array((0..<r.pointee.elements).compactMap { i in r.pointee.element[i].map(convert) })
        default: return .nil_
        }
    }

    private func withArgv<R>(_ args: [String], _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> R) throws -> R {
        let cStrings = args.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        var argv: [UnsafePointer<CChar>?] = cStrings.map { UnsafePointer($0) }
        let lengths = args.map { $0.utf8.count }
        return try argv.withUnsafeMutableBufferPointer { a in
            try lengths.withUnsafeBufferPointer { l in
                guard let argvBase = a.baseAddress, let lengthBase = l.baseAddress else { throw Failure(description: "Redis: empty command") }
                return body(Int32(args.count), argvBase, lengthBase)
            }
        }
    }
}
