import Foundation
import Frappe
import MariaDB
import TestSupport
import Testing

/// The table generator is proven against tables real Frappe created: fed the real meta rows of
/// Frappe's own DocTypes, it must produce the same columns and indexes.
@Suite("Schema generator matches real Frappe")
struct SchemaTests {
    static let frappeDocTypes = ["Project", "Task", "User", "Custom Field", "Custom DocPerm", "Project User", "Deleted Document"]

    /// Indexes that controllers add in `on_doctype_update`, not the DocType-to-table generator.
    static let controllerIndexes: [String: Set<String>] = ["Task": ["lft_rgt_index"]]

    @Test("tables generated from real meta equal the tables Frappe created", arguments: frappeDocTypes)
    func generatedTableMatchesFrappe(doctype: String) async throws {
        // A site of its own: other suites run setup.install on the shared one, which adds columns.
        let made = try await TestSite.dedicated("schema")
        let site = made.site
        let meta = try await site.read { try $0.meta(doctype) }
        let scratch = try TestServer.freshDatabase(prefix: "schema")
        defer { TestServer.drop(scratch.name) }
        try scratch.connection.executeText(try Schema.createTable(meta))

        let root = try Connection(configuration: TestServer.rootConfiguration(database: made.result.config.dbName))
        let real = try describe(meta.tableName, in: made.result.config.dbName, conn: root)
        let ours = try describe(meta.tableName, in: scratch.name, conn: root)
        #expect(ours.columns == real.columns, "columns of \(meta.tableName)")
        let expectedIndexes = real.indexes.filter { !(Self.controllerIndexes[doctype] ?? []).contains($0.key) }
        #expect(ours.indexes == expectedIndexes, "indexes of \(meta.tableName)")
    }

    @Test("our DocTypes' tables keep every column of the original app's real tables")
    func bridgeTablesKeepSeedColumns() async throws {
        let made = try await TestSite.shared()
        let scratch = try TestServer.freshDatabase(prefix: "seed")
        defer { TestServer.drop(scratch.name) }
        let seedSQL = try String(contentsOf: Paths.sharedFixture("frappe/seed-app-schema.sql"), encoding: .utf8)
        let loader = try Connection(configuration: TestServer.rootConfiguration(database: scratch.name, multiStatements: true))
        try loader.executeText(seedSQL)
        let root = try await TestSite.rootConnection()
        let tables = try root.query("SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ?", [.string(scratch.name)])
            .compactMap { $0["t"].string }
        #expect(tables.count == 7)
        for table in tables {
            let seed = try describe(table, in: scratch.name, conn: root)
            let ours = try describe(table, in: made.result.config.dbName, conn: root)
            for (column, definition) in seed.columns {
                #expect(ours.columns[column] == definition || Self.widened(definition, to: ours.columns[column]),
                        "\(table).\(column): \(ours.columns[column] ?? "missing") for the seed's \(definition)")
            }
        }
    }

    /// A seed column made wider to hold what GitHub allows (issue 11: titles of 256, refs of 255,
    /// URLs, bodies over 64 KB): a longer varchar, or longtext for text, otherwise the same.
    static func widened(_ seed: String, to ours: String?) -> Bool {
        guard let ours else { return false }
        func split(_ d: String) -> (type: String, rest: Substring) {
            let space = d.firstIndex(of: " ") ?? d.endIndex
            return (String(d[..<space]), d[space...])
        }
        let (a, b) = (split(seed), split(ours))
        guard a.rest == b.rest else { return false }
        if a.type == "text" { return b.type == "longtext" }
        func width(_ t: String) -> Int? {
            guard t.hasPrefix("varchar("), t.hasSuffix(")") else { return nil }
            return Int(t.dropFirst(8).dropLast())
        }
        guard let from = width(a.type), let to = width(b.type) else { return false }
        return to > from
    }

    @Test("a fieldname with SQL in it is refused before any DDL runs")
    func hostileFieldname() throws {
        var meta = DocTypeMeta(name: "Evil")
        meta.fields = [DocField(fieldname: "x` int); drop table tabUser; --", fieldtype: "Data")]
        #expect(throws: FrappeError.self) { try Schema.createTable(meta) }
    }

    struct TableShape {
        var columns: [String: String] = [:]
        var indexes: [String: String] = [:]
    }

    func describe(_ table: String, in schema: String, conn: Connection) throws -> TableShape {
        var shape = TableShape()
        for row in try conn.query("""
            SELECT column_name AS c, column_type AS t, is_nullable AS n, column_default AS d
            FROM information_schema.columns WHERE table_schema = ? AND table_name = ?
            """, [.string(schema), .string(table)]) {
            shape.columns[row["c"].string ?? ""] = "\(row["t"].string ?? "") null=\(row["n"].string ?? "") default=\(row["d"].string ?? "NULL")"
        }
        for row in try conn.query("""
            SELECT index_name AS i, GROUP_CONCAT(column_name ORDER BY seq_in_index) AS cols, MAX(non_unique) AS nu
            FROM information_schema.statistics WHERE table_schema = ? AND table_name = ? GROUP BY index_name
            """, [.string(schema), .string(table)]) {
            shape.indexes[row["i"].string ?? ""] = "\(row["cols"].string ?? "") unique=\(row["nu"].int == 0)"
        }
        return shape
    }
}
