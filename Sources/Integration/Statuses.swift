import Frappe

/// `GitHub Webhook Delivery.status`, as its Select options spell it.
public enum DeliveryStatus: String, Sendable, CaseIterable {
    case queued = "Queued", applied = "Applied", skipped = "Skipped", failed = "Failed"
    /// Not stored: what the receiver answers for a delivery id it already holds.
    case duplicate = "Duplicate"

    var value: FrappeValue { .string(rawValue) }
}

/// `GitHub Sync Run.status`, as its Select options spell it.
public enum SyncRunStatus: String, Sendable, CaseIterable {
    case queued = "Queued", running = "Running", succeeded = "Succeeded", failed = "Failed"

    var value: FrappeValue { .string(rawValue) }
}

extension FrappeError.Cause {
    /// A sync of this repository is running already (one at a time, across processes).
    public static let syncAlreadyRunning = FrappeError.Cause(rawValue: "sync-already-running")
}
