import Foundation
import Frappe
import Hummingbird
import Logging

/// Every answer in Frappe's shape: a `FrappeError` thrown anywhere below, and the errors the HTTP
/// layer makes itself (unknown route, body too large), become Frappe's JSON error body with the
/// matching status. Nothing else reaches a client: an unexpected error is a plain 500 and its
/// type goes to the log only. (Requests the HTTP parser refuses never get this far; see
/// ``MalformedRequestHandler``.)
///
/// A 503 (database or a dependency away) and a 429 carry `Retry-After`, so GitHub's redelivery
/// and the desk wait and try again instead of giving up.
struct FrappeErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger
    /// A refused body up to this size is still read (and dropped) so the connection stays usable
    /// and every client reads the 413; a larger one, or one of unknown size, ends the connection.
    let drainLimit: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as FrappeError {
            return answer(error, request)
        } catch let error as HTTPError {
            return answer(Self.frappeError(for: error), request, status: Int(error.status.code))
        } catch {
            if let database = FrappeError(database: error) { return answer(database, request) }
            logger.error("\(request.uri.path) failed: \(String(describing: type(of: error)))")
            return SidecarServer.json(500, FrappeResponseBody.error(.internalError()))
        }
    }

    private func answer(_ error: FrappeError, _ request: Request, status: Int? = nil) -> Response {
        if error.httpStatus >= 500 { logger.error("\(request.uri.path): \(error)") }
        var response = SidecarServer.json(status ?? error.httpStatus, FrappeResponseBody.error(error))
        if let seconds = Self.retryAfter(error) { response.headers[.retryAfter] = seconds }
        // A body refused for its size is not read to its end when that end is far (or unknown):
        // the connection closes after this answer.
        if error.type == .requestEntityTooLarge {
            let declared = request.headers[.contentLength].flatMap { Int($0) }
            if declared.map({ $0 > drainLimit }) ?? true { response.headers[.connection] = "close" }
        }
        return response
    }

    /// `Retry-After` in seconds: what the error says, else 5 s for any 503.
    static func retryAfter(_ error: FrappeError) -> String? {
        if let given = error.extras["retry_after"], Int(given) != nil { return given }
        return error.httpStatus == 503 ? String(FrappeError.databaseRetryAfterSeconds) : nil
    }

    /// The Frappe exception an HTTP-level refusal stands for.
    static func frappeError(for error: HTTPError) -> FrappeError {
        switch error.status.code {
        case 404: return .notFound("Not found: no such route on the GitHub sidecar")
        case 413: return FrappeError(.requestEntityTooLarge, "Request body is too large")
        case 405: return FrappeError(.permissionError, "Not permitted", title: "Method Not Allowed")
        case 400..<500: return .validation("Bad request")
        default: return .internalError()
        }
    }
}
