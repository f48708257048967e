import Foundation

/// Thrown when a condition a test waits for never came true within its (generous) deadline.
public struct ConditionNeverMet: Error, CustomStringConvertible {
    public let what: String
    public var description: String { "never happened: \(what)" }
}

/// Waits for `condition` itself, polling, instead of sleeping for a guessed time. The deadline
/// only fails a test that is truly stuck; it is never an assertion on how long something took.
public func waitUntil(_ what: String, deadline: Duration = .seconds(120), every interval: Duration = .milliseconds(20),
                      _ condition: () async throws -> Bool) async throws {
    let clock = ContinuousClock()
    let end = clock.now + deadline
    while clock.now < end {
        if try await condition() { return }
        try await Task.sleep(for: interval)
    }
    throw ConditionNeverMet(what: what)
}
