import Foundation
import MariaDB
import TestSupport
import Testing

/// Issue 11, item 9: a lost connection never applies a write twice. Through a proxy that drops
/// exactly one answer, the server has run the statement and the client only sees the connection go.
@Suite("Reconnects never apply a write twice")
struct ReconnectTests {
    /// A database and a password user reachable over TCP (root uses socket authentication).
    func setUp() throws -> (database: String, proxy: ReplyDroppingProxy, connection: Connection) {
        guard let port = TestServer.tcpPort else { throw TestSetupError("SIDECAR_TEST_MARIADB_PORT is not set: run under scripts/services.sh") }
        let (database, admin) = try TestServer.freshDatabase(prefix: "reconnect")
        let user = "u_" + database.suffix(8)
        try admin.executeText("CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, v INT NOT NULL)")
        try admin.executeText("CREATE USER '\(user)'@'127.0.0.1' IDENTIFIED BY 'pw'")
        try admin.executeText("GRANT ALL ON `\(database)`.* TO '\(user)'@'127.0.0.1'")
        let proxy = try ReplyDroppingProxy(targetPort: port)
        let connection = try Connection(configuration: MariaDBConfiguration(endpoint: .tcp(host: "127.0.0.1", port: proxy.port), user: user,
                                                                            password: "pw", database: database))
        return (database, proxy, connection)
    }

    func count(_ database: String, _ v: Int) throws -> Int {
        let root = try Connection(configuration: TestServer.rootConfiguration(database: database))
        return try root.query("SELECT COUNT(*) AS n FROM t WHERE v = ?", [.int(Int64(v))]).first?["n"].int ?? -1
    }

    @Test("an autocommit INSERT whose answer was lost is applied once and reported, never re-sent on a new connection")
    func lostAnswerOfAWrite() throws {
        let (database, proxy, conn) = try setUp()
        defer { proxy.stop(); TestServer.drop(database) }
        try conn.execute("INSERT INTO t (v) VALUES (?)", [.int(1)])      // prepared once, so the next call sends only the execute
        proxy.dropNextReply()
        #expect(throws: MariaDBError.self) { try conn.execute("INSERT INTO t (v) VALUES (?)", [.int(2)]) }
        #expect(try count(database, 2) == 1, "the server ran it once; the client did not run it again")
        // The connection comes back for the next statement.
        try conn.execute("INSERT INTO t (v) VALUES (?)", [.int(3)])
        #expect(try count(database, 3) == 1)
    }

    @Test("a read whose answer was lost is read again on a new connection, transparently")
    func lostAnswerOfARead() throws {
        let (database, proxy, conn) = try setUp()
        defer { proxy.stop(); TestServer.drop(database) }
        try conn.execute("INSERT INTO t (v) VALUES (?)", [.int(7)])
        _ = try conn.query("SELECT COUNT(*) AS n FROM t WHERE v = ?", [.int(7)])
        proxy.dropNextReply()
        let rows = try conn.query("SELECT COUNT(*) AS n FROM t WHERE v = ?", [.int(7)])
        #expect(rows.first?["n"].int == 1)
    }
}
