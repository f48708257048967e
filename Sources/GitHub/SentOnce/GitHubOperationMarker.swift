import Foundation

/// The hidden marker that ties an issue or pull request on GitHub to the operation that created it.
///
/// GitHub has no idempotency key for creates. When the answer to `POST …/issues` is lost, the only
/// way to know whether the issue exists is to find it; a marker in the body finds it exactly (titles
/// repeat, authors are shared tokens). The marker is an HTML comment, so GitHub renders nothing:
///
/// ```
/// Steps to reproduce …
///
/// <!-- erpnext-github-op:bulk-7f3a:3 -->
/// ```
///
/// The operation id is percent-encoded inside the comment, so no id can close the comment early.
public enum GitHubOperationMarker {
    static let prefix = "<!-- erpnext-github-op:"
    static let suffix = " -->"
    /// Longest operation id accepted (bytes of UTF-8).
    public static let maximumIDLength = 200

    /// The marker for `operationID`, e.g. `<!-- erpnext-github-op:abc -->`.
    /// - Throws: ``GitHubError/invalidConfiguration(_:)`` for an empty id or one longer than
    ///   ``maximumIDLength`` (ids are made by the caller, so that is a programming error).
    public static func marker(for operationID: String) throws -> String {
        guard !operationID.isEmpty, operationID.utf8.count <= maximumIDLength else {
            throw GitHubError.invalidConfiguration("an operation id must be 1 to \(maximumIDLength) bytes long")
        }
        return prefix + encode(operationID) + suffix
    }

    /// The operation id a body carries, if any (the first marker wins).
    public static func operationID(in body: String?) -> String? {
        guard let body, let start = body.range(of: prefix),
              let end = body.range(of: suffix, range: start.upperBound..<body.endIndex)
        else { return nil }
        return String(body[start.upperBound..<end.lowerBound]).removingPercentEncoding
    }

    /// The body without markers (and without the blank line that precedes one), for showing or
    /// mirroring text a person wrote. Nil stays nil; a body that was only a marker becomes nil.
    public static func strippingMarkers(from body: String?) -> String? {
        guard var text = body else { return nil }
        while let start = text.range(of: prefix),
              let end = text.range(of: suffix, range: start.upperBound..<text.endIndex) {
            var lower = start.lowerBound
            while lower > text.startIndex, text[text.index(before: lower)].isNewline {
                lower = text.index(before: lower)
            }
            text.removeSubrange(lower..<end.upperBound)
        }
        return text.isEmpty && body?.isEmpty == false ? nil : text
    }

    /// `body` with `marker` appended after a blank line (or the marker alone for an empty body).
    static func appending(_ marker: String, to body: String?) -> String {
        guard let body, !body.isEmpty else { return marker }
        if body.contains(marker) { return body }
        return body + "\n\n" + marker
    }

    private static func encode(_ id: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._:")
        // `alphanumerics` includes non-ASCII letters; keep the marker plain ASCII.
        return id.unicodeScalars.map { scalar -> String in
            if scalar.isASCII, allowed.contains(scalar) { return String(scalar) }
            return String(scalar).utf8.map { String(format: "%%%02X", $0) }.joined()
        }.joined()
    }
}
