import AsyncHTTPClient
import NIOCore
import NIOPosix

/// Classifies an error thrown by AsyncHTTPClient for the retry decision.
///
/// The one question that matters for non-idempotent requests: could GitHub have received it?
/// Failing to connect (refused, connect timeout, no connection from the pool) means no; a read
/// timeout, deadline or closed connection after sending means maybe.
struct TransportFailure {
    let reason: String
    let certainlyNotSent: Bool

    init(_ error: any Error) {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout, .getConnectionFromPoolTimeout, .tlsHandshakeTimeout:
                reason = "could not connect (\(error))"
                certainlyNotSent = true
            case .deadlineExceeded, .readTimeout:
                reason = "timed out"
                certainlyNotSent = false
            case .remoteConnectionClosed:
                reason = "connection closed by GitHub"
                certainlyNotSent = false
            default:
                reason = "\(error)"
                certainlyNotSent = false
            }
        } else if error is NIOConnectionError {
            reason = "could not connect"
            certainlyNotSent = true
        } else if let error = error as? IOError {
            reason = "I/O error \(error.errnoCode)"
            // ECONNREFUSED (111 on Linux, 61 on Darwin) only happens while connecting.
            certainlyNotSent = error.errnoCode == 111 || error.errnoCode == 61
        } else if error is ChannelError {
            reason = "channel error (\(error))"
            certainlyNotSent = false
        } else {
            reason = "\(type(of: error))"
            certainlyNotSent = false
        }
    }
}

/// Tells a rate-limit refusal from an ordinary 403.
///
/// GitHub's rules: a primary limit has `x-ratelimit-remaining: 0`; a secondary limit may have
/// `retry-after` and says "secondary rate limit" (older: "abuse") in its message; 429 is always a limit.
enum RateLimitClassifier {
    enum Kind: Equatable {
        case primary(resetAt: Date?)
        case secondary(retryAfter: Duration?)
        case notALimit
    }

    static func classify(status: Int, headers: (String) -> String?, message: String?) -> Kind {
        let retryAfter = headers("retry-after").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }.map { Duration.seconds($0) }
        let text = (message ?? "").lowercased()
        if let retryAfter { return .secondary(retryAfter: retryAfter) }
        if text.contains("secondary rate limit") || text.contains("abuse") { return .secondary(retryAfter: nil) }
        if headers("x-ratelimit-remaining") == "0" {
            let reset = headers("x-ratelimit-reset").flatMap(Double.init).map { Date(timeIntervalSince1970: $0) }
            return .primary(resetAt: reset)
        }
        if text.contains("rate limit") { return .primary(resetAt: nil) }
        if status == 429 { return .secondary(retryAfter: nil) }
        return .notALimit
    }
}

import Foundation
