/// Parses RFC 8288 `Link` headers as GitHub sends them:
/// `<https://api.github.com/…&page=2>; rel="next", <…&page=5>; rel="last"`.
public enum LinkHeader {
    /// `rel` → URL. Unknown parameters are ignored; a link with several rels (`rel="next last"`) is
    /// listed under each.
    public static func parse(_ header: String?) -> [String: String] {
        guard let header else { return [:] }
        var links: [String: String] = [:]
        for part in splitOutsideBrackets(header) {
            guard let open = part.firstIndex(of: "<"), let close = part[open...].firstIndex(of: ">") else { continue }
            let url = String(part[part.index(after: open)..<close])
            for parameter in part[part.index(after: close)...].split(separator: ";") {
                let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard pair.count == 2, pair[0].lowercased() == "rel" else { continue }
                let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                for rel in value.split(separator: " ") { links[String(rel)] = url }
            }
        }
        return links
    }

    private static func splitOutsideBrackets(_ header: String) -> [Substring] {
        var parts: [Substring] = []
        var depth = 0
        var start = header.startIndex
        for index in header.indices {
            switch header[index] {
            case "<": depth += 1
            case ">": depth -= 1
            case "," where depth == 0:
                parts.append(header[start..<index])
                start = header.index(after: index)
            default: break
            }
        }
        parts.append(header[start...])
        return parts
    }
}

import Foundation
