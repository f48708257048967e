import Foundation
import Frappe
import MariaDB
import TestSupport
import Testing

/// Every fieldtype of Frappe v15's type map, through the whole path: a DocType's meta rows, its
/// table from the schema generator, a write through the store and a read back.
@Suite("Every fieldtype round-trips through the store")
struct FieldTypeRoundTripTests {
    /// One value per fieldtype, as Frappe would hold it after saving.
    static let values: [(fieldtype: String, value: FrappeValue)] = [
        ("Currency", .decimal("1234567.123456789")), ("Float", .decimal("-0.5")), ("Percent", .decimal("99.5")),
        ("Duration", .decimal("3600")), ("Int", .int(-42)), ("Check", .int(1)),
        ("Rating", .decimal("0.8")), ("Data", "Zürich 😀 東京"), ("Link", "Administrator"), ("Dynamic Link", "Administrator"),
        ("Select", "B"), ("Read Only", "read only"), ("Color", "#ff00aa"), ("Icon", "octicon"), ("Phone", "+41 44 000 00 00"),
        ("Autocomplete", "auto"), ("Small Text", "small 𝄞 text"), ("Text", .string(String(repeating: "text ", count: 1000))),
        ("Attach", "/files/a.pdf"), ("Attach Image", "/files/a.png"), ("Long Text", .string(String(repeating: "long 😀 ", count: 20_000))),
        ("Code", "print('hi')"), ("Text Editor", "<p>hi</p>"), ("Markdown Editor", "# hi"), ("HTML Editor", "<b>hi</b>"),
        ("Signature", "data:image/png;base64,AAAA"), ("Barcode", "<svg/>"), ("Geolocation", #"{"type":"FeatureCollection"}"#),
        ("Date", .date(NaiveDate(year: 2024, month: 2, day: 29))),
        ("Datetime", .datetime(NaiveDateTime(year: 2024, month: 2, day: 29, hour: 23, minute: 59, second: 58, microsecond: 123_456))),
        ("Time", .time(NaiveTime(hours: 13, minutes: 14, seconds: 15, microseconds: 16))), ("JSON", #"{"a": [1, 2, "ü"]}"#),
    ]

    static func fieldname(_ fieldtype: String) -> String { "f_" + fieldtype.lowercased().replacingOccurrences(of: " ", with: "_") }

    @Test("each value comes back exactly, and an empty document comes back as NULLs and zeros")
    func roundTrip() async throws {
        let made = try await TestSite.shared()
        let doctype = "Roundtrip \(TestSite.unique("t"))"
        var fields = Self.values.map { DocField(fieldname: Self.fieldname($0.fieldtype), fieldtype: $0.fieldtype, label: $0.fieldtype,
                                                options: $0.fieldtype == "Select" ? "A\nB" : $0.fieldtype.hasSuffix("Link") ? "User" : nil) }
        fields.append(DocField(fieldname: "f_password", fieldtype: "Password", label: "Password"))
        // Frappe v15 offers no "Long Int" in DocField's fieldtype options: an Int longer than 11 is bigint(20).
        var big = DocField(fieldname: "f_big_int", fieldtype: "Int", label: "Big Int")
        big.length = 20
        fields.append(big)
        let fieldRows: [Document] = fields.map { f in
            Document("DocField", ["fieldname": .string(f.fieldname), "fieldtype": .string(f.fieldtype), "label": .optional(f.label),
                                  "options": .optional(f.options), "length": .int(f.length)])
        }
        // The DocType as `bench migrate` would record it, then its table from our generator.
        try await made.site.write(user: "Administrator") { w in
            try w.insert(Document("DocType", name: doctype, ["module": "Erpnext Github Integration", "autoname": "hash", "custom": .int(1)],
                                  children: ["fields": fieldRows]))
        }
        let meta = try await made.site.read { try $0.meta(doctype) }
        #expect(meta.valueFields.count == fields.count)
        let root = try await TestSite.rootConnection()
        try root.executeText(try Schema.createTable(meta))

        var values: [String: FrappeValue] = [:]
        for (fieldtype, value) in Self.values { values[Self.fieldname(fieldtype)] = value }
        values["f_password"] = "s3cret-e\u{301}😀"   // "é" as e + combining accent: Python's len() is 10, Swift's count 9
        values["f_big_int"] = .int(9_007_199_254_740_993)
        let document = Document(doctype, values)
        let full = try await made.site.write(user: "Administrator") { try $0.insert(document) }
        let empty = try await made.site.write(user: "Administrator") { try $0.insert(Document(doctype, [:])) }

        let stored = try #require(try await made.site.read { try $0.get(doctype, full.name ?? "") })
        for (fieldtype, value) in Self.values {
            #expect(FieldValue.same(stored[Self.fieldname(fieldtype)], value, fieldtype: fieldtype), "\(fieldtype): \(stored[Self.fieldname(fieldtype)])")
        }
        #expect(stored["f_big_int"] == .int(9_007_199_254_740_993), "a bigint(20) keeps every digit (no Double on the way)")
        #expect(Schema.columnDefinition(big) == "bigint(20) not null default 0")
        #expect(stored["f_datetime"].text == "2024-02-29 23:59:58.123456")
        #expect(stored["f_data"].string == "Zürich 😀 東京")
        #expect(stored["f_password"].string == String(repeating: "*", count: 10), "one star per code point, as Python's len()")
        #expect(try await made.site.read { try $0.getPassword(doctype, full.name ?? "", "f_password") } == "s3cret-e\u{301}😀")

        let blank = try #require(try await made.site.read { try $0.get(doctype, empty.name ?? "") })
        for (fieldtype, _) in Self.values {
            let v = blank[Self.fieldname(fieldtype)]
            if TypeMap.integerTypes.contains(fieldtype) || ["Currency", "Float", "Percent"].contains(fieldtype) {
                #expect(v.double == 0, "\(fieldtype) is NOT NULL DEFAULT 0")
            } else {
                #expect(v.isNull, "\(fieldtype) stays NULL")
            }
        }
    }
}
