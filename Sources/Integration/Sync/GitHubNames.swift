import Foundation
import Frappe
import GitHub

/// The checks on what names a mirrored document, made before anything is written: a repository's
/// `owner/name`, an issue or pull request number, and text without NUL characters. GitHub never
/// sends anything else, so a payload that does is garbage (a fuzzer, a broken proxy) and must not
/// become a row such as `2024-13-45T99:99:99Z-#900483` or a repository renamed to `no-slash-here`.
public enum GitHubNames {
    /// GitHub's limits: a login of at most 39 characters, a repository name of at most 100.
    static let ownerLength = 39
    static let repositoryLength = 100
    /// Issue and pull request numbers are positive 32-bit integers on GitHub.
    static let numberRange = 1...2_147_483_647

    /// Why `fullName` cannot be a GitHub repository's full name, or nil when it can.
    public static func problem(withFullName fullName: String) -> String? {
        let parts = fullName.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return "\(quoted(fullName)) is not a repository name of the form owner/name" }
        let (owner, name) = (parts[0], parts[1])
        guard !owner.isEmpty, owner.count <= ownerLength, owner.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
            return "\(quoted(String(owner))) is not a GitHub account name"
        }
        guard !name.isEmpty, name.count <= repositoryLength, name != ".", name != "..",
              name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
            return "\(quoted(String(name))) is not a GitHub repository name"
        }
        return nil
    }

    /// Why `number` cannot be an issue or pull request number, or nil when it can.
    public static func problem(withNumber number: Int) -> String? {
        numberRange.contains(number) ? nil : "\(number) is not an issue or pull request number"
    }

    /// Why a text value cannot be stored as it is, or nil when it can.
    public static func problem(withText text: String?, field: String) -> String? {
        guard let text, text.unicodeScalars.contains(where: { $0.value == 0 }) else { return nil }
        return "The \(field) contains a NUL character"
    }

    /// Why a document built from GitHub must not be written, or nil: its name, number and every text value.
    static func problem(with doc: Document, numberField: String) -> String? {
        if let number = doc[numberField].int, let problem = problem(withNumber: Int(number)) { return problem }
        for (field, value) in doc.values.sorted(by: { $0.key < $1.key }) {
            if case .string(let s) = value, let problem = problem(withText: s, field: field) { return problem }
        }
        return nil
    }

    /// A value for a message: quoted, NUL and control characters shown escaped, at most 80 characters.
    static func quoted(_ s: String) -> String {
        let shown = s.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined()
        return "\"" + (shown.count > 80 ? String(shown.prefix(79)) + "…" : shown) + "\""
    }
}
