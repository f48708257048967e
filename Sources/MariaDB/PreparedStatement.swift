import CMariaDB
import Foundation

/// A server-side prepared statement with typed parameter binding and typed result reading
/// over the binary protocol. Owned by one ``Connection``; never shared between threads.
final class PreparedStatement {
    private let stmt: UnsafeMutablePointer<MYSQL_STMT>
    let parameterCount: Int

    init(handle h: UnsafeMutablePointer<MYSQL>, sql: String) throws {
        guard let s = mysql_stmt_init(h) else { throw Connection.error(of: h) }
        let rc = sql.withCString { mysql_stmt_prepare(s, $0, UInt(strlen($0))) }
        if rc != 0 {
            let error = Self.error(of: s)
            mysql_stmt_close(s)
            throw error
        }
        // Lets store_result report each column's longest value, so result buffers are sized
        // exactly and a fetch never truncates.
        var update: my_bool = 1
        mysql_stmt_attr_set(s, STMT_ATTR_UPDATE_MAX_LENGTH, &update)
        stmt = s
        parameterCount = Int(mysql_stmt_param_count(s))
    }

    deinit { mysql_stmt_close(stmt) }

    static func error(of s: UnsafeMutablePointer<MYSQL_STMT>) -> MariaDBError {
        MariaDBError(code: mysql_stmt_errno(s), sqlState: String(cString: mysql_stmt_sqlstate(s)),
                     message: String(cString: mysql_stmt_error(s)))
    }

    func run(_ values: [MariaDBValue]) throws -> (rows: [Row], result: ExecResult) {
        guard values.count == parameterCount else {
            throw MariaDBError.client("statement takes \(parameterCount) values, \(values.count) given")
        }
        let arena = Arena()
        defer { arena.release() }
        if parameterCount > 0 {
            let binds = arena.allocate(MYSQL_BIND(), count: parameterCount)
            for (i, value) in values.enumerated() { Self.bind(value, to: &binds[i], arena: arena) }
            if mysql_stmt_bind_param(stmt, binds) != 0 { throw Self.error(of: stmt) }
        }
        if mysql_stmt_execute(stmt) != 0 {
            let error = Self.error(of: stmt)
            // The answer of a statement whose result columns changed is still on the wire:
            // reset reads it off, so the connection can run the next command.
            if error.code == Connection.newStatementMetadata { mysql_stmt_reset(stmt) }
            throw error
        }
        defer { mysql_stmt_free_result(stmt) }
        guard mysql_stmt_field_count(stmt) > 0 else {
            return ([], ExecResult(affectedRows: mysql_stmt_affected_rows(stmt), lastInsertID: mysql_stmt_insert_id(stmt)))
        }
        if mysql_stmt_store_result(stmt) != 0 { throw Self.error(of: stmt) }
        guard let meta = mysql_stmt_result_metadata(stmt) else { throw Self.error(of: stmt) }
        defer { mysql_free_result(meta) }
        let rows = try readRows(meta: meta, arena: arena)
        return (rows, ExecResult(affectedRows: 0, lastInsertID: 0))
    }

    // MARK: parameters

    private static func bind(_ value: MariaDBValue, to b: inout MYSQL_BIND, arena: Arena) {
        switch value {
        case .null:
            b.buffer_type = MYSQL_TYPE_NULL
        case .int(let v):
            b.buffer_type = MYSQL_TYPE_LONGLONG
            b.buffer = UnsafeMutableRawPointer(arena.allocate(v, count: 1))
        case .uint(let v):
            b.buffer_type = MYSQL_TYPE_LONGLONG
            b.is_unsigned = 1
            b.buffer = UnsafeMutableRawPointer(arena.allocate(v, count: 1))
        case .double(let v):
            b.buffer_type = MYSQL_TYPE_DOUBLE
            b.buffer = UnsafeMutableRawPointer(arena.allocate(v, count: 1))
        case .decimal(let s):
            bindBytes(Array(s.utf8), type: MYSQL_TYPE_NEWDECIMAL, to: &b, arena: arena)
        case .string(let s):
            bindBytes(Array(s.utf8), type: MYSQL_TYPE_STRING, to: &b, arena: arena)
        case .bytes(let bytes):
            bindBytes(bytes, type: MYSQL_TYPE_BLOB, to: &b, arena: arena)
        case .date(let d):
            var t = MYSQL_TIME()
            t.year = UInt32(d.year); t.month = UInt32(d.month); t.day = UInt32(d.day)
            t.time_type = MYSQL_TIMESTAMP_DATE
            b.buffer_type = MYSQL_TYPE_DATE
            b.buffer = UnsafeMutableRawPointer(arena.allocate(t, count: 1))
        case .datetime(let d):
            var t = MYSQL_TIME()
            t.year = UInt32(d.year); t.month = UInt32(d.month); t.day = UInt32(d.day)
            t.hour = UInt32(d.hour); t.minute = UInt32(d.minute); t.second = UInt32(d.second)
            t.second_part = UInt(d.microsecond)
            t.time_type = MYSQL_TIMESTAMP_DATETIME
            b.buffer_type = MYSQL_TYPE_DATETIME
            b.buffer = UnsafeMutableRawPointer(arena.allocate(t, count: 1))
        case .time(let d):
            var t = MYSQL_TIME()
            // The binary protocol sends hours as one byte: whole days travel in `day`.
            t.day = UInt32(d.hours / 24); t.hour = UInt32(d.hours % 24)
            t.minute = UInt32(d.minutes); t.second = UInt32(d.seconds)
            t.second_part = UInt(d.microseconds)
            t.neg = d.isNegative ? 1 : 0
            t.time_type = MYSQL_TIMESTAMP_TIME
            b.buffer_type = MYSQL_TYPE_TIME
            b.buffer = UnsafeMutableRawPointer(arena.allocate(t, count: 1))
        }
    }

    private static func bindBytes(_ bytes: [UInt8], type: enum_field_types, to b: inout MYSQL_BIND, arena: Arena) {
        let buffer = arena.bytes(bytes.count)
        bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress ?? UnsafeRawPointer(buffer), byteCount: bytes.count) }
        b.buffer_type = type
        b.buffer = buffer
        b.buffer_length = UInt(bytes.count)
        b.length = arena.allocate(UInt(bytes.count), count: 1)
    }

    // MARK: results

    private enum Kind { case signed, unsigned, double, decimal, date, datetime, time, text, binary }

    private static func kind(of field: MYSQL_FIELD) -> Kind {
        switch field.type {
        case MYSQL_TYPE_TINY, MYSQL_TYPE_SHORT, MYSQL_TYPE_LONG, MYSQL_TYPE_INT24, MYSQL_TYPE_LONGLONG, MYSQL_TYPE_YEAR:
            return field.flags & UInt32(UNSIGNED_FLAG) != 0 ? .unsigned : .signed
        case MYSQL_TYPE_FLOAT, MYSQL_TYPE_DOUBLE:
            return .double
        case MYSQL_TYPE_DECIMAL, MYSQL_TYPE_NEWDECIMAL:
            return .decimal
        case MYSQL_TYPE_DATE, MYSQL_TYPE_NEWDATE:
            return .date
        case MYSQL_TYPE_DATETIME, MYSQL_TYPE_TIMESTAMP, MYSQL_TYPE_DATETIME2, MYSQL_TYPE_TIMESTAMP2:
            return .datetime
        case MYSQL_TYPE_TIME, MYSQL_TYPE_TIME2:
            return .time
        case MYSQL_TYPE_BIT, MYSQL_TYPE_GEOMETRY:
            return .binary
        default:
            return field.charsetnr == 63 ? .binary : .text
        }
    }

    private func readRows(meta: UnsafeMutablePointer<MYSQL_RES>, arena: Arena) throws -> [Row] {
        let count = Int(mysql_num_fields(meta))
        guard let fields = mysql_fetch_fields(meta) else { throw Self.error(of: stmt) }
        let names = ColumnNames((0..<count).map { String(cString: fields[$0].name) })
        let binds = arena.allocate(MYSQL_BIND(), count: count)
        let isNull = arena.allocate(my_bool(0), count: count)
        let lengths = arena.allocate(UInt(0), count: count)
        var kinds: [Kind] = []
        kinds.reserveCapacity(count)
        for i in 0..<count {
            let kind = Self.kind(of: fields[i])
            kinds.append(kind)
            binds[i].is_null = isNull + i
            binds[i].length = lengths + i
            switch kind {
            case .signed, .unsigned:
                binds[i].buffer_type = MYSQL_TYPE_LONGLONG
                binds[i].is_unsigned = kind == .unsigned ? 1 : 0
                binds[i].buffer = UnsafeMutableRawPointer(arena.allocate(Int64(0), count: 1))
                binds[i].buffer_length = 8
            case .double:
                binds[i].buffer_type = MYSQL_TYPE_DOUBLE
                binds[i].buffer = UnsafeMutableRawPointer(arena.allocate(Double(0), count: 1))
                binds[i].buffer_length = 8
            case .date, .datetime, .time:
                binds[i].buffer_type = kind == .date ? MYSQL_TYPE_DATE : kind == .time ? MYSQL_TYPE_TIME : MYSQL_TYPE_DATETIME
                binds[i].buffer = UnsafeMutableRawPointer(arena.allocate(MYSQL_TIME(), count: 1))
                binds[i].buffer_length = UInt(MemoryLayout<MYSQL_TIME>.size)
            case .decimal, .text, .binary:
                let size = max(Int(fields[i].max_length), 1)
                binds[i].buffer_type = kind == .binary ? MYSQL_TYPE_BLOB : MYSQL_TYPE_STRING
                binds[i].buffer = arena.bytes(size)
                binds[i].buffer_length = UInt(size)
            }
        }
        if mysql_stmt_bind_result(stmt, binds) != 0 { throw Self.error(of: stmt) }

        var rows: [Row] = []
        rows.reserveCapacity(Int(mysql_stmt_num_rows(stmt)))
        while true {
            let rc = mysql_stmt_fetch(stmt)
            if rc == MYSQL_NO_DATA { break }
            if rc == 1 { throw Self.error(of: stmt) }
            var values: [MariaDBValue] = []
            values.reserveCapacity(count)
            for i in 0..<count {
                if isNull[i] != 0 { values.append(.null); continue }
                values.append(try decode(column: i, kind: kinds[i], bind: binds[i], length: Int(lengths[i])))
            }
            rows.append(Row(columns: names, values: values))
        }
        return rows
    }

    private func decode(column: Int, kind: Kind, bind: MYSQL_BIND, length: Int) throws -> MariaDBValue {
        guard let buffer = bind.buffer else { return .null }
        switch kind {
        case .signed: return .int(buffer.load(as: Int64.self))
        case .unsigned: return .uint(buffer.load(as: UInt64.self))
        case .double: return .double(buffer.load(as: Double.self))
        case .date:
            let t = buffer.load(as: MYSQL_TIME.self)
            return .date(NaiveDate(year: Int(t.year), month: Int(t.month), day: Int(t.day)))
        case .datetime:
            let t = buffer.load(as: MYSQL_TIME.self)
            return .datetime(NaiveDateTime(year: Int(t.year), month: Int(t.month), day: Int(t.day), hour: Int(t.hour),
                                         minute: Int(t.minute), second: Int(t.second), microsecond: Int(t.second_part)))
        case .time:
            let t = buffer.load(as: MYSQL_TIME.self)
            return .time(NaiveTime(hours: Int(t.day) * 24 + Int(t.hour), minutes: Int(t.minute), seconds: Int(t.second),
                                 microseconds: Int(t.second_part), isNegative: t.neg != 0))
        case .decimal, .text, .binary:
            let bytes: [UInt8]
            if length > Int(bind.buffer_length) {
                bytes = try fetchWhole(column: column, kind: kind, length: length)
            } else {
                bytes = Array(UnsafeRawBufferPointer(start: buffer, count: length))
            }
            switch kind {
            case .binary: return .bytes(bytes)
            case .decimal: return .decimal(String(decoding: bytes, as: UTF8.self))
            default: return .string(String(decoding: bytes, as: UTF8.self))
            }
        }
    }

    /// Re-reads a column whose value outgrew its buffer (only if max_length was not reported).
    private func fetchWhole(column: Int, kind: Kind, length: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: length)
        var actual: UInt = 0
        try bytes.withUnsafeMutableBytes { raw in
            var b = MYSQL_BIND()
            b.buffer_type = kind == .binary ? MYSQL_TYPE_BLOB : MYSQL_TYPE_STRING
            b.buffer = raw.baseAddress
            b.buffer_length = UInt(length)
            try withUnsafeMutablePointer(to: &actual) { lengthPointer in
                b.length = lengthPointer
                if mysql_stmt_fetch_column(stmt, &b, UInt32(column), 0) != 0 { throw Self.error(of: stmt) }
            }
        }
        return Array(bytes.prefix(Int(actual)))
    }
}

/// Buffers whose addresses must stay fixed from bind to execute/fetch; freed together.
private final class Arena {
    private var blocks: [UnsafeMutableRawPointer] = []

    func allocate<T>(_ initial: T, count: Int) -> UnsafeMutablePointer<T> {
        let p = UnsafeMutablePointer<T>.allocate(capacity: count)
        p.initialize(repeating: initial, count: count)
        blocks.append(UnsafeMutableRawPointer(p))
        return p
    }

    func bytes(_ count: Int) -> UnsafeMutableRawPointer {
        let p = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 16)
        blocks.append(p)
        return p
    }

    func release() {
        for block in blocks { block.deallocate() }
        blocks.removeAll()
    }
}
