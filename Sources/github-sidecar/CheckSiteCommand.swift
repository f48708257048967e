import ArgumentParser
import Foundation
import Frappe

/// Prints what the sidecar sees of a site: its time zone, this app's DocTypes with their row
/// counts, and GitHub Settings (secrets masked).
struct CheckSiteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check-site", abstract: "Show what the sidecar sees of a site.")

    @Option(help: "The bench directory.") var bench: String
    @Option(help: "The site name.") var site: String

    static let doctypes = ["Repository", "Repository Issue", "Repository Pull Request", "GitHub Webhook Delivery", "GitHub Sync Run", "GitHub Template"]

    func run() async throws {
        let config = try Bench(path: URL(fileURLWithPath: bench)).config(for: site)
        let frappeSite = try await Site(config: config, poolSize: 1)
        let report = try await frappeSite.read { r -> [String] in
            var lines = ["site \(config.site): database \(config.dbName), time zone \(r.clockZone)"]
            for doctype in Self.doctypes {
                let meta = try r.meta(doctype)
                let count = try r.count(doctype)
                let children = meta.tableFields.compactMap(\.options).joined(separator: ", ")
                lines.append("  \(doctype): \(count) rows, \(meta.valueFields.count) fields, autoname \(meta.autoname ?? "hash")"
                             + (children.isEmpty ? "" : ", child tables: \(children)"))
            }
            let settings = try r.getSingle("GitHub Settings")
            let shown = settings.values.keys.sorted().filter { !["creation", "owner", "docstatus", "idx"].contains($0) }
                .map { "\($0)=\(settings[$0].text ?? "")" }
            lines.append("  GitHub Settings: " + (shown.isEmpty ? "(nothing saved yet)" : shown.joined(separator: ", ")))
            return lines
        }
        try await frappeSite.close()
        report.forEach { print($0) }
    }
}
