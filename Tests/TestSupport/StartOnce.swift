/// Runs an expensive setup once per test process. Concurrent suites calling ``value(_:)`` wait for
/// the same start: a plain actor method would be re-entered at its first `await` and start twice.
public actor StartOnce<Value: Sendable> {
    private var task: Task<Value, Error>?

    public init() {}

    public func value(_ make: @escaping @Sendable () async throws -> Value) async throws -> Value {
        if let task { return try await task.value }
        let started = Task { try await make() }
        task = started
        return try await started.value
    }
}
