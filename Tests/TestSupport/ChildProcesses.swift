import Foundation
import Glibc
import Synchronization

/// Child processes to kill when the test process exits, however the tests ended (also a frozen
/// one: SIGCONT first, so a SIGSTOPped server cannot outlive the run).
public enum ChildProcesses {
    private static let pids = Mutex<[pid_t]>([])
    private static let installed: Bool = {
        atexit { ChildProcesses.killAll() }
        return true
    }()

    public static func register(_ pid: pid_t) {
        _ = installed
        pids.withLock { $0.append(pid) }
        TestScratch.recordChild(pid)
    }

    public static func killAll() {
        for pid in pids.withLock({ $0 }) {
            Glibc.kill(pid, SIGCONT)
            Glibc.kill(pid, SIGKILL)
        }
    }
}
