import Foundation
import Hummingbird
import Metrics
import Prometheus

/// RPC counts by method and status and latency by method, in the server's own registry
/// (`/metrics`). The label is a method of the table or `unknown`, so stray paths cannot grow
/// the number of series.
struct RPCMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let registry: PrometheusCollectorRegistry
    let methodNames: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = DispatchTime.now()
        let path = request.uri.path
        let name = path.hasPrefix(SidecarServer.methodPrefix) ? String(path.dropFirst(SidecarServer.methodPrefix.count)) : ""
        let label = methodNames.contains(name) ? name : "unknown"
        var status = 500
        defer {
            registry.makeCounter(descriptor: Self.requests, labels: [("method", label), ("status", String(status))]).increment()
            registry.makeDurationHistogram(descriptor: Self.duration, labels: [("method", label)], buckets: Self.latencyBuckets)
                .recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds))
        }
        let response = try await next(request, context)
        status = Int(response.status.code)
        return response
    }

    /// (`MetricNameDescriptor` is not Sendable, so these are made where they are used.)
    static var requests: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "sidecar", metricName: "rpc_requests", unitName: "total", helpText: "RPC requests by method and HTTP status")
    }
    static var duration: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "sidecar", metricName: "rpc_duration", unitName: "seconds", helpText: "RPC latency by method")
    }
    static var latencyBuckets: [Duration] { [.milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(250),
                                             .milliseconds(1000), .seconds(5), .seconds(30), .seconds(120)] }
}
