import Frappe
import Testing

/// Issue 11, item 12: text as Frappe v15's save stores it (`_sanitize_content` → `sanitize_html` → bleach).
@Suite("HTML in text values, as Frappe's save stores it")
struct HTMLSanitizerTests {
    @Test("what bleach with Frappe's allow-lists makes of a value", arguments: [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("Hello <b>world</b>", "Hello <b>world</b>"),
        ("<img src=\"x.png\" onerror=\"alert(1)\">", "<img src=\"x.png\">"),
        ("<a href=\"javascript:alert(1)\">x</a>", "<a>x</a>"),
        ("<a href='https://example.com/?a=1&b=2' title=t>x</a>", "<a href=\"https://example.com/?a=1&amp;b=2\" title=\"t\">x</a>"),
        ("x & y <b>z</b> &amp; &#169;", "x &amp; y <b>z</b> &amp; &#169;"),
        // `summary` is not on html5lib's list that Frappe uses, so Frappe escapes it.
        ("<details><summary>Logs</summary>\n\n```\n1 < 2\n```\n</details>",
         "<details>&lt;summary&gt;Logs&lt;/summary&gt;\n\n```\n1 &lt; 2\n```\n</details>"),
        ("<iframe src=\"https://evil\"></iframe>", "&lt;iframe src=\"https://evil\"&gt;&lt;/iframe&gt;"),
        ("<br/>line<BR>", "<br>line<br>"),
    ])
    func sanitized(_ input: String, _ expected: String) {
        #expect(HTMLSanitizer.sanitize(input) == expected)
    }

    @Test("values that are not HTML stay exactly as they are", arguments: [
        "plain text", "a < b and c > d", "<!-- only a comment -->", "{\"a\": \"<b>x</b>\"}", "if (a<b) { return }", "5 > 3",
    ])
    func untouched(_ input: String) {
        #expect(HTMLSanitizer.sanitize(input) == input)
    }

    @Test("a stored value saved again changes nothing", arguments: [
        "<script>alert(1)</script>", "<img src=x onerror=alert(1)> & <b>bold</b>", "<a href=\"javascript:x\">l</a><p>p</p>",
        "<style>b { color: red }</style><b>x</b>", "text &nbsp; <i>i</i> <unknown attr=1>u</unknown>",
    ])
    func idempotent(_ input: String) {
        let once = HTMLSanitizer.sanitize(input)
        #expect(HTMLSanitizer.sanitize(once) == once)
    }
}
