import Foundation
import Frappe
import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// Sits in each connection's pipeline, right after HTTP parsing, for what the router never sees:
///
/// - A request the HTTP parser refuses (bytes not allowed in a URL or header, headers over the
///   limit, a broken request line) gets a Frappe-shaped JSON 400 and the connection is closed,
///   instead of an empty 400 with no content type.
/// - A response that says `Connection: close` (a body refused for its declared size) ends the
///   connection once written, instead of reading, say, a terabyte of body nobody wants.
/// - A request whose body trickles in slower than `readTimeout` allows in all (one byte every
///   few seconds keeps an idle timer happy) is cut off: the connection is closed. Slow or idle
///   headers are the idle timeout's (``SidecarServer/Configuration/idleTimeout``).
final class RequestGuardHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let readTimeout: TimeAmount
    /// Requests read whose response has not ended yet.
    private var inFlight = 0
    private var answered = false
    /// Set by a response that says `Connection: close`: the connection ends once it is written.
    private var closeAfterResponse = false
    private var readDeadline: Scheduled<Void>?

    init(readTimeout: TimeAmount) { self.readTimeout = readTimeout }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            inFlight += 1
            let channel = context.channel
            readDeadline?.cancel()
            readDeadline = context.eventLoop.scheduleTask(in: readTimeout) { channel.close(promise: nil) }
        case .body:
            break
        case .end:
            readDeadline?.cancel()
            readDeadline = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head):
            // The answer refuses the rest of the request (a body over the limit): do not read it.
            if head.headerFields[.connection]?.lowercased() == "close" { closeAfterResponse = true }
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            inFlight = max(0, inFlight - 1)
            guard closeAfterResponse else {
                context.write(data, promise: promise)
                return
            }
            let written = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(data, promise: written)
            let channel = context.channel, linger = Self.linger
            written.futureResult.whenComplete { result in
                promise?.completeWith(result)
                Self.closeLingering(channel, linger: linger)
            }
        }
    }

    /// How long a refused upload may go on after the answer before the connection is cut.
    static let linger = TimeAmount.seconds(5)

    /// Ends the connection the way nginx's lingering close does: our side first (the client reads
    /// the answer, then end of file), the rest once the client stops or `linger` is over. Closing
    /// both at once while the client is still uploading would reset the connection, and the
    /// client would lose the answer it has not read yet.
    static func closeLingering(_ channel: any Channel, linger: TimeAmount) {
        let halfClosed = channel.eventLoop.makePromise(of: Void.self)
        channel.close(mode: .output, promise: halfClosed)
        halfClosed.futureResult.whenComplete { result in
            guard case .success = result else { return channel.close(promise: nil) }
            channel.eventLoop.scheduleTask(in: linger) { channel.close(promise: nil) }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        readDeadline?.cancel()
    }

    func channelInactive(context: ChannelHandlerContext) {
        readDeadline?.cancel()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let message: String
        switch error {
        case let parse as HTTPParserError:
            message = Self.message(for: parse)
        case is HTTP1TypeConversionError:
            message = "Bad request: the request line or a header is malformed"
        default:
            context.fireErrorCaught(error)
            return
        }
        // A response already being written for an earlier request cannot be interleaved with
        // this one: leave that case to Hummingbird (it closes the connection).
        guard inFlight == 0, !answered else {
            if !answered { context.fireErrorCaught(error) }
            return
        }
        answered = true
        readDeadline?.cancel()
        let body = FrappeResponseBody.error(.validation(message))
        var head = HTTPResponse(status: .badRequest)
        head.headerFields[.contentType] = "application/json"
        head.headerFields[.contentLength] = String(body.count)
        head.headerFields[.connection] = "close"
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(ByteBuffer(bytes: body))), promise: nil)
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        let channel = context.channel
        written.futureResult.whenComplete { _ in channel.close(promise: nil) }
    }

    /// What went wrong, in words a caller can act on (no parser internals).
    static func message(for error: HTTPParserError) -> String {
        switch error {
        case .headerOverflow: return "Bad request: the request's headers are too large"
        case .invalidURL, .invalidPath, .invalidQueryString, .invalidFragment: return "Bad request: the URL contains bytes that are not allowed"
        case .invalidHeaderToken, .invalidCharactersUsed, .invalidConstant, .strictModeAssertion:
            return "Bad request: the request line or a header contains bytes that are not allowed"
        case .invalidContentLength, .unexpectedContentLength: return "Bad request: Content-Length is not valid"
        default: return "Bad request: the HTTP request could not be read"
        }
    }
}
