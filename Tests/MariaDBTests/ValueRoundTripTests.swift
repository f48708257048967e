import Foundation
import MariaDB
import TestSupport
import Testing

@Suite("Values round-trip through prepared statements")
struct ValueRoundTripTests {
    @Test("every column type comes back exactly as written, NULLs included")
    func everyTypeRoundTrips() throws {
        let (db, conn) = try TestServer.freshDatabase()
        defer { TestServer.drop(db) }
        try conn.executeText("""
            CREATE TABLE t (id INT PRIMARY KEY, i INT, b BIGINT, u BIGINT UNSIGNED, d DECIMAL(21,9), f DOUBLE,
              v VARCHAR(140), tx TEXT, lt LONGTEXT, bl LONGBLOB, dt DATE, ts DATETIME(6), tm TIME(6), js JSON)
            """)
        let big = String(repeating: "Zürich 😀 東京 — ", count: 20_000)
        let bytes: [UInt8] = [0, 1, 2, 255, 0, 128]
        let written: [MariaDBValue] = [
            .int(1), .int(-42), .int(Int64.min), .uint(UInt64.max), .decimal("123456789012.123456789"), .double(0.1),
            .string("😀 4-byte UTF-8 𝄞"), .string("text with 'quotes' and \\ backslash"), .string(big), .bytes(bytes),
            .date(NaiveDate(year: 2024, month: 2, day: 29)),
            .datetime(NaiveDateTime(year: 2024, month: 2, day: 29, hour: 13, minute: 14, second: 15, microsecond: 123456)),
            .time(NaiveTime(hours: 838, minutes: 59, seconds: 59, microseconds: 1, isNegative: true)),
            .string(#"{"a": [1, 2, "ü"]}"#),
        ]
        try conn.execute("INSERT INTO t VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", written)
        try conn.execute("INSERT INTO t (id) VALUES (?)", [.int(2)])

        let rows = try conn.query("SELECT * FROM t ORDER BY id")
        #expect(rows.count == 2)
        for (column, value) in written.enumerated() where column != 8 {
            #expect(rows[0].values[column] == value, "column \(column)")
        }
        #expect(rows[0]["lt"].string == big, "a 700 KB LONGTEXT comes back whole")
        #expect(rows[1].values.dropFirst().allSatisfy { $0.isNull })
        #expect(rows[0]["ts"].text == "2024-02-29 13:14:15.123456")
    }

    @Test("a microsecond datetime keeps its microseconds, a whole second prints .000000 as Frappe does")
    func datetimeText() throws {
        let (db, conn) = try TestServer.freshDatabase()
        defer { TestServer.drop(db) }
        let row = try conn.query("SELECT CAST('2025-01-02 03:04:05' AS DATETIME(6)) AS a, CAST('2025-01-02 03:04:05.000007' AS DATETIME(6)) AS b")[0]
        #expect(row["a"].text == "2025-01-02 03:04:05.000000")
        #expect(row["b"].text == "2025-01-02 03:04:05.000007")
        #expect(NaiveDateTime("2025-01-02 03:04:05.5")?.microsecond == 500_000)
        #expect(NaiveDateTime("2025-13-02 03:04:05") == nil)
    }
}

@Suite("Errors and transactions")
struct ErrorTests {
    @Test("a duplicate key is distinguishable by error number and SQLSTATE")
    func duplicateKey() throws {
        let (db, conn) = try TestServer.freshDatabase()
        defer { TestServer.drop(db) }
        try conn.executeText("CREATE TABLE t (name VARCHAR(10) PRIMARY KEY)")
        try conn.execute("INSERT INTO t VALUES (?)", ["a"])
        let error = #expect(throws: MariaDBError.self) { try conn.execute("INSERT INTO t VALUES (?)", ["A"]) }
        #expect(error?.isDuplicateKey == true)
        #expect(error?.code == 1062)
        #expect(error?.sqlState == "23000")
    }

    @Test("a transaction whose body throws leaves no row behind")
    func rollback() throws {
        let (db, conn) = try TestServer.freshDatabase()
        defer { TestServer.drop(db) }
        try conn.executeText("CREATE TABLE t (name VARCHAR(10) PRIMARY KEY) ENGINE=InnoDB")
        #expect(throws: MariaDBError.self) {
            try conn.transaction { c in
                try c.execute("INSERT INTO t VALUES (?)", ["a"])
                try c.execute("INSERT INTO t VALUES (?)", ["a"])
            }
        }
        #expect(try conn.query("SELECT COUNT(*) AS n FROM t")[0]["n"].int == 0)
        #expect(conn.inTransaction == false)
    }

    @Test("a dropped connection is reopened on the next call")
    func reconnects() throws {
        let (db, conn) = try TestServer.freshDatabase()
        defer { TestServer.drop(db) }
        let id = try #require(try conn.query("SELECT CONNECTION_ID() AS id")[0]["id"].int)
        let killer = try Connection(configuration: TestServer.rootConfiguration())
        try killer.executeText("KILL \(id)")
        let after = try conn.query("SELECT CONNECTION_ID() AS id")[0]["id"].int
        #expect(after != nil && after != id)
    }

    @Test("binding the wrong number of values is an error, not a crash")
    func wrongArity() throws {
        let (db, conn) = try TestServer.freshDatabase()
        defer { TestServer.drop(db) }
        #expect(throws: MariaDBError.self) { try conn.query("SELECT ? AS a", []) }
    }
}

@Suite("Connection pool")
struct PoolTests {
    @Test("blocking queries run on the pool's own threads, so async tasks keep running meanwhile")
    func blockingCallsLeaveTheCooperativePoolFree() async throws {
        let pool = ConnectionPool(configuration: try TestServer.rootConfiguration(), size: 4)
        let order = OrderLog()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    _ = try await pool.withConnection { try $0.query("SELECT SLEEP(1) AS s") }
                    await order.append("db")
                }
            }
            // With 2 cooperative threads, this task could not run until the sleeps ended if they blocked them.
            group.addTask {
                try await Task.sleep(for: .milliseconds(50))
                await order.append("async")
            }
            try await group.waitForAll()
        }
        #expect(await order.entries.first == "async")
        try await pool.shutdown()
    }

    @Test("a pool transaction commits all of its writes or none")
    func poolTransaction() async throws {
        let (db, conn) = try TestServer.freshDatabase()
        defer { TestServer.drop(db) }
        try conn.executeText("CREATE TABLE t (name VARCHAR(10) PRIMARY KEY)")
        let pool = ConnectionPool(configuration: try TestServer.rootConfiguration(database: db), size: 2)
        await #expect(throws: MariaDBError.self) {
            try await pool.transaction { c in
                try c.execute("INSERT INTO t VALUES (?)", ["x"])
                try c.execute("INSERT INTO missing VALUES (?)", ["y"])
            }
        }
        let count = try await pool.withConnection { try $0.query("SELECT COUNT(*) AS n FROM t")[0]["n"].int }
        #expect(count == 0)
        try await pool.shutdown()
    }
}

actor OrderLog {
    var entries: [String] = []
    func append(_ s: String) { entries.append(s) }
}
