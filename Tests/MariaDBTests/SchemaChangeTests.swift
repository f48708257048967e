import Foundation
import MariaDB
import TestSupport
import Testing

/// Frappe changes tables under a running sidecar (a Custom Field is an `ALTER TABLE ADD COLUMN`,
/// a changed field type a `MODIFY`): statements the connection prepared before must keep working,
/// and the connection after them.
@Suite("Prepared statements survive a table changed under them")
struct SchemaChangeTests {
    @Test("a cached SELECT * sees the new column, and the connection stays in sync")
    func selectStarAfterAddColumn() throws {
        let (db, conn) = try TestServer.freshDatabase()
        defer { TestServer.drop(db) }
        try conn.executeText("CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(10))")
        try conn.execute("INSERT INTO t VALUES (?, ?)", [.int(1), .string("x")])
        #expect(try conn.query("SELECT * FROM t WHERE id = ?", [.int(1)]).first?.values.count == 2)

        let other = try Connection(configuration: TestServer.rootConfiguration(database: db))
        try other.executeText("ALTER TABLE t ADD COLUMN b VARCHAR(10) DEFAULT 'new'")

        let row = try #require(try conn.query("SELECT * FROM t WHERE id = ?", [.int(1)]).first)
        #expect(row["b"].string == "new")
        #expect(try conn.query("SELECT a FROM t WHERE id = ?", [.int(1)]).first?["a"].string == "x")
        try conn.execute("INSERT INTO t (id, a) VALUES (?, ?)", [.int(2), .string("y")])
        #expect(try conn.query("SELECT COUNT(*) AS n FROM t").first?["n"].int == 2)
    }

    @Test("a cached SELECT of named columns and a cached INSERT work after the table changed, in a transaction too")
    func namedColumnsAfterAlter() throws {
        let (db, conn) = try TestServer.freshDatabase()
        defer { TestServer.drop(db) }
        try conn.executeText("CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(10))")
        try conn.execute("INSERT INTO t (id, a) VALUES (?, ?)", [.int(1), .string("x")])
        #expect(try conn.query("SELECT id, a FROM t WHERE id = ?", [.int(1)]).count == 1)

        let other = try Connection(configuration: TestServer.rootConfiguration(database: db))
        try other.executeText("ALTER TABLE t ADD COLUMN b VARCHAR(10), MODIFY a VARCHAR(140)")

        try conn.transaction { c in
            try c.execute("INSERT INTO t (id, a) VALUES (?, ?)", [.int(2), .string("a longer value")])
            #expect(try c.query("SELECT id, a FROM t WHERE id = ?", [.int(2)]).first?["a"].string == "a longer value")
        }
        #expect(try conn.query("SELECT * FROM t ORDER BY id").map { $0.values.count } == [3, 3])
    }
}
