import Foundation
import Frappe
import Hummingbird
import Logging

/// Every answer in Frappe's shape: a `FrappeError` thrown anywhere below, and the errors the HTTP
/// layer makes itself (unknown route, body too large), become Frappe's JSON error body with the
/// matching status. Nothing else reaches a client: an unexpected error is a plain 500 and its
/// type goes to the log only.
struct FrappeErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as FrappeError {
            if error.httpStatus >= 500 { logger.error("\(request.uri.path): \(error)") }
            return SidecarServer.json(error.httpStatus, FrappeResponseBody.error(error))
        } catch let error as HTTPError {
            return SidecarServer.json(Int(error.status.code), FrappeResponseBody.error(Self.frappeError(for: error)))
        } catch {
            logger.error("\(request.uri.path) failed: \(String(describing: type(of: error)))")
            return SidecarServer.json(500, FrappeResponseBody.error(.internalError()))
        }
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
