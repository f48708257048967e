import Foundation

/// Answers GitHub "lost": the request was applied, but the answer does not come until the client has
/// given up (``FakeFault/Kind/applyThenHang(upTo:)``).
///
/// The request log already shows the request as completed (GitHub did the work) and marks it
/// `answerWithheld`. The answer is released after the fault's limit, by ``releaseWithheldAnswers()``,
/// or when the server stops, so a test never waits on a hung request.
extension FakeGitHubState {
    /// Holds the caller (the server's request task) until the answer may go out.
    func withholdAnswer(id: Int, upTo limit: Duration) async {
        if log.indices.contains(id - 1) { log[id - 1].answerWithheld = true }
        guard !withholdingStopped else { return }
        let timer = Task { [weak self] in
            try? await Task.sleep(for: limit)
            await self?.releaseWithheldAnswer(id: id)
        }
        await withCheckedContinuation { continuation in
            withheldAnswers[id] = continuation
        }
        timer.cancel()
    }

    /// Lets every withheld answer go out now (to clients that have long stopped listening).
    public func releaseWithheldAnswers() {
        let waiting = withheldAnswers.values
        withheldAnswers.removeAll()
        for continuation in waiting { continuation.resume() }
    }

    /// How many answers are being held back right now.
    public func withheldAnswerCount() -> Int { withheldAnswers.count }

    func releaseWithheldAnswer(id: Int) {
        withheldAnswers.removeValue(forKey: id)?.resume()
    }

    /// Called when the server stops: release everything and hold nothing back from now on.
    func stopWithholding() {
        withholdingStopped = true
        releaseWithheldAnswers()
    }
}
