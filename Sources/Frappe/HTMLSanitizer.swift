import Foundation

/// What Frappe v15's save stores for a text value that looks like HTML: `BaseDocument._sanitize_content`
/// calls `frappe.utils.html_utils.sanitize_html`, which runs `bleach.clean` with Frappe's allow-lists
/// (html5lib's acceptable elements and attributes, `data-*`, protocols cid/http/https/mailto/data,
/// comments kept). A tag outside the list is kept as escaped text (`<script>` becomes
/// `&lt;script&gt;`), an attribute outside it is dropped, stray `<`, `>` and `&` are escaped.
///
/// Writing what Frappe's save would write means a later desk save of the document changes nothing.
/// The part of bleach this does not reproduce: html5lib's tree repairs (an unclosed allowed tag is
/// left unclosed) and its CSS sanitiser (a `style` attribute is dropped rather than filtered).
public enum HTMLSanitizer {
    /// `_sanitize_content` for one value: untouched unless it has `<` or `>`, is not JSON, and holds a tag.
    public static func sanitize(_ value: String) -> String {
        guard value.contains("<") || value.contains(">") else { return value }
        if isJSON(value) { return value }
        let tokens = tokenize(value)
        // `BeautifulSoup(html, "html.parser").find()`: without a tag (a comment is none) the value stays as it is.
        guard tokens.contains(where: { token in
            switch token {
            case .start, .end: return true
            default: return false
            }
        }) else { return value }
        var out = ""
        out.reserveCapacity(value.utf8.count + 16)
        for token in tokens {
            switch token {
            case .text(let text): out += escapeText(text)
            case .raw(let text): out += text
            case .comment(let text): out += "<!--" + text + "-->"
            case .start(let name, let attributes, let selfClosing):
                if allowedElements.contains(name) {
                    out += "<" + name
                    var seen = Set<String>()
                    for (key, value) in attributes where seen.insert(key).inserted && allows(key, value, on: name) {
                        out += " \(key)=\"\(escapeAttribute(value ?? ""))\""
                    }
                    out += ">"
                } else {
                    var tag = "<" + name
                    for (key, value) in attributes { tag += value.map { " \(key)=\"\(escapeAttribute($0))\"" } ?? " \(key)" }
                    out += escapeText(tag + (selfClosing ? "/>" : ">"))
                }
            case .end(let name):
                out += allowedElements.contains(name) ? "</\(name)>" : escapeText("</\(name)>")
            }
        }
        return out
    }

    // MARK: tokens

    enum Token {
        case text(String)
        /// The content of a raw-text element Frappe keeps (`style`): not escaped.
        case raw(String)
        case comment(String)
        case start(String, [(String, String?)], selfClosing: Bool)
        case end(String)
    }

    /// Elements whose content is text, not markup, until their end tag.
    static let rawTextElements: Set<String> = ["script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes"]

    static func tokenize(_ html: String) -> [Token] {
        let chars = Array(html.unicodeScalars)
        var tokens: [Token] = []
        var text = String.UnicodeScalarView()
        var i = 0
        func flush() { if !text.isEmpty { tokens.append(.text(String(text))); text = String.UnicodeScalarView() } }
        func isLetter(_ c: Unicode.Scalar) -> Bool { (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") }
        func find(_ needle: String, from start: Int) -> Int? {
            let n = Array(needle.unicodeScalars)
            guard n.count <= chars.count else { return nil }
            var j = start
            while j + n.count <= chars.count {
                if zip(chars[j..<j + n.count], n).allSatisfy({ String($0.0).lowercased() == String($0.1) }) { return j }
                j += 1
            }
            return nil
        }
        while i < chars.count {
            let c = chars[i]
            guard c == "<", i + 1 < chars.count else { text.append(c); i += 1; continue }
            let next = chars[i + 1]
            if next == "!", i + 3 < chars.count, chars[i + 2] == "-", chars[i + 3] == "-" {
                guard let close = find("-->", from: i + 4) else { text.append(c); i += 1; continue }
                flush()
                tokens.append(.comment(String(String.UnicodeScalarView(chars[(i + 4)..<close]))))
                i = close + 3
                continue
            }
            let isEnd = next == "/"
            let nameStart = isEnd ? i + 2 : i + 1
            guard nameStart < chars.count, isLetter(chars[nameStart]) else { text.append(c); i += 1; continue }
            guard let parsed = parseTag(chars, from: nameStart) else { text.append(c); i += 1; continue }
            flush()
            if isEnd {
                tokens.append(.end(parsed.name))
            } else {
                tokens.append(.start(parsed.name, parsed.attributes, selfClosing: parsed.selfClosing))
            }
            i = parsed.end
            if !isEnd, !parsed.selfClosing, rawTextElements.contains(parsed.name) {
                let close = find("</\(parsed.name)", from: i) ?? chars.count
                let content = String(String.UnicodeScalarView(chars[i..<close]))
                if !content.isEmpty { tokens.append(allowedElements.contains(parsed.name) ? .raw(content) : .text(content)) }
                i = close
            }
        }
        flush()
        return tokens
    }

    /// A tag from its name to its `>`: lowercased name, attributes in order, and the index after it.
    static func parseTag(_ chars: [Unicode.Scalar], from start: Int) -> (name: String, attributes: [(String, String?)], selfClosing: Bool, end: Int)? {
        func isSpace(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\n" || c == "\t" || c == "\r" || c == "\u{0C}" }
        var i = start
        var name = ""
        while i < chars.count, !isSpace(chars[i]), chars[i] != "/", chars[i] != ">" { name.unicodeScalars.append(chars[i]); i += 1 }
        var attributes: [(String, String?)] = []
        var selfClosing = false
        while i < chars.count {
            while i < chars.count, isSpace(chars[i]) { i += 1 }
            guard i < chars.count else { return nil }
            if chars[i] == ">" { return (name.lowercased(), attributes, selfClosing, i + 1) }
            if chars[i] == "/" { selfClosing = true; i += 1; continue }
            selfClosing = false
            var key = ""
            while i < chars.count, !isSpace(chars[i]), chars[i] != "=", chars[i] != ">", !(chars[i] == "/" && key.isEmpty == false && i + 1 < chars.count && chars[i + 1] == ">") {
                key.unicodeScalars.append(chars[i]); i += 1
            }
            while i < chars.count, isSpace(chars[i]) { i += 1 }
            var value: String?
            if i < chars.count, chars[i] == "=" {
                i += 1
                while i < chars.count, isSpace(chars[i]) { i += 1 }
                guard i < chars.count else { return nil }
                var v = ""
                if chars[i] == "\"" || chars[i] == "'" {
                    let quote = chars[i]
                    i += 1
                    while i < chars.count, chars[i] != quote { v.unicodeScalars.append(chars[i]); i += 1 }
                    guard i < chars.count else { return nil }
                    i += 1
                } else {
                    while i < chars.count, !isSpace(chars[i]), chars[i] != ">" { v.unicodeScalars.append(chars[i]); i += 1 }
                }
                value = v
            }
            if !key.isEmpty { attributes.append((key.lowercased(), value)) }
        }
        return nil
    }

    // MARK: escaping

    /// Text as bleach leaves it: `<` and `>` escaped, `&` escaped unless it starts a character reference.
    static func escapeText(_ s: String) -> String {
        var out = ""
        let chars = Array(s.unicodeScalars)
        for (i, c) in chars.enumerated() {
            switch c {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += isEntity(chars, at: i) ? "&" : "&amp;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static func escapeAttribute(_ s: String) -> String {
        escapeText(s).replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// `&name;`, `&#123;` or `&#x1F;` at `i`.
    static func isEntity(_ chars: [Unicode.Scalar], at i: Int) -> Bool {
        var j = i + 1
        guard j < chars.count else { return false }
        if chars[j] == "#" {
            j += 1
            let hex = j < chars.count && (chars[j] == "x" || chars[j] == "X")
            if hex { j += 1 }
            let digitsStart = j
            while j < chars.count, hex ? chars[j].properties.isASCIIHexDigit : (chars[j] >= "0" && chars[j] <= "9") { j += 1 }
            return j > digitsStart && j < chars.count && chars[j] == ";"
        }
        let nameStart = j
        while j < chars.count, chars[j].isASCII, chars[j].properties.isAlphabetic || (chars[j] >= "0" && chars[j] <= "9") { j += 1 }
        return j > nameStart && j < chars.count && chars[j] == ";"
    }

    // MARK: allow-lists (frappe/utils/html_utils.py)

    static func allows(_ attribute: String, _ value: String?, on element: String) -> Bool {
        guard attribute.hasPrefix("data-") || allowedAttributes.contains(attribute) || (element == "svg" && svgAttributes.contains(attribute)) else {
            return false
        }
        if attribute == "style" { return false }
        if urlAttributes.contains(attribute), let value {
            // bleach keeps a URL only with an allowed protocol (or none: a relative URL).
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            if let colon = trimmed.firstIndex(of: ":") {
                let scheme = trimmed[..<colon]
                if !scheme.contains("/"), !scheme.contains("?"), !scheme.contains("#"), !allowedProtocols.contains(String(scheme)) { return false }
            }
        }
        return true
    }

    static let urlAttributes: Set<String> = ["href", "src", "action", "background", "cite", "longdesc", "lowsrc", "dynsrc", "poster", "xlink:href"]
    static let allowedProtocols: Set<String> = ["cid", "http", "https", "mailto", "data"]

    static let allowedElements: Set<String> = Set([
        "a", "abbr", "acronym", "address", "area", "article", "aside", "audio", "b", "big", "blockquote", "br", "button",
        "canvas", "caption", "center", "cite", "code", "col", "colgroup", "command", "datagrid", "datalist", "dd", "del",
        "details", "dfn", "dialog", "dir", "div", "dl", "dt", "em", "event-source", "fieldset", "figcaption", "figure",
        "footer", "font", "form", "header", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "input", "ins", "keygen",
        "kbd", "label", "legend", "li", "m", "map", "menu", "meter", "multicol", "nav", "nextid", "ol", "output", "optgroup",
        "option", "p", "pre", "progress", "q", "s", "samp", "section", "select", "small", "sound", "source", "spacer", "span",
        "strike", "strong", "sub", "sup", "table", "tbody", "td", "textarea", "time", "tfoot", "th", "thead", "tr", "tt", "u",
        "ul", "var", "video",
        // svg and mathml
        "animate", "animatecolor", "animatemotion", "animatetransform", "clippath", "circle", "defs", "desc", "ellipse",
        "font-face", "font-face-name", "font-face-src", "g", "glyph", "hkern", "lineargradient", "line", "marker", "metadata",
        "missing-glyph", "mpath", "path", "polygon", "polyline", "radialgradient", "rect", "set", "stop", "svg", "switch",
        "text", "title", "tspan", "use", "maction", "math", "merror", "mfrac", "mi", "mmultiscripts", "mn", "mo", "mover",
        "mpadded", "mphantom", "mprescripts", "mroot", "mrow", "mspace", "msqrt", "mstyle", "msub", "msubsup", "msup",
        "mtable", "mtd", "mtext", "mtr", "munder", "munderover", "none",
        "html", "head", "meta", "link", "body", "style", "o:p",
    ])

    static let allowedAttributes: Set<String> = [
        "abbr", "accept", "accept-charset", "accesskey", "action", "align", "alt", "autocomplete", "autofocus", "axis",
        "background", "balance", "bgcolor", "bgproperties", "border", "bordercolor", "bordercolordark", "bordercolorlight",
        "bottompadding", "cellpadding", "cellspacing", "ch", "challenge", "char", "charoff", "choff", "charset", "checked",
        "cite", "class", "clear", "color", "cols", "colspan", "compact", "contenteditable", "controls", "coords", "data",
        "datafld", "datapagesize", "datasrc", "datetime", "default", "delay", "dir", "disabled", "draggable", "dynsrc",
        "enctype", "end", "face", "for", "form", "frame", "galleryimg", "gutter", "headers", "height", "hidefocus", "hidden",
        "high", "href", "hreflang", "hspace", "icon", "id", "inputmode", "ismap", "keytype", "label", "leftspacing", "lang",
        "list", "longdesc", "loop", "loopcount", "loopend", "loopstart", "low", "lowsrc", "max", "maxlength", "media",
        "method", "min", "multiple", "name", "nohref", "noshade", "nowrap", "open", "optimum", "pattern", "ping",
        "point-size", "poster", "pqg", "preload", "prompt", "radiogroup", "readonly", "rel", "repeat-max", "repeat-min",
        "replace", "required", "rev", "rightspacing", "rows", "rowspan", "rules", "scope", "selected", "shape", "size",
        "span", "src", "start", "step", "style", "summary", "suppress", "tabindex", "target", "template", "title",
        "toppadding", "type", "unselectable", "usemap", "urn", "valign", "value", "variable", "volume", "vspace", "vrml",
        "width", "wrap", "xml:lang", "role", "frameborder", "allowfullscreen", "spellcheck", "itemprop", "itemscope",
        "itemtype", "itemid", "itemref",
    ]

    static let svgAttributes: Set<String> = [
        "accent-height", "accumulate", "additive", "alphabetic", "arabic-form", "ascent", "attributename", "attributetype",
        "baseprofile", "bbox", "begin", "by", "calcmode", "cap-height", "class", "clip-path", "color", "color-rendering",
        "content", "cx", "cy", "d", "dx", "dy", "descent", "display", "dur", "end", "fill", "fill-opacity", "fill-rule",
        "font-family", "font-size", "font-stretch", "font-style", "font-variant", "font-weight", "from", "fx", "fy", "height",
        "id", "lang", "opacity", "points", "preserveaspectratio", "r", "rx", "ry", "stroke", "stroke-width", "transform",
        "type", "version", "viewbox", "visibility", "width", "x", "x1", "x2", "xmlns", "y", "y1", "y2",
    ]

    static func isJSON(_ s: String) -> Bool {
        (try? JSONSerialization.jsonObject(with: Data(s.utf8), options: [.fragmentsAllowed])) != nil
    }
}
