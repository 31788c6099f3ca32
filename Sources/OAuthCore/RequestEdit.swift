import Foundation

/// One change to a request that is about to be sent, typed at a step-mode pause:
///
/// * `set NAME=VALUE`: a query parameter or a body field (form or JSON) gets this value; a name the request does
///   not carry yet is added to the body of a request that has one, else to the query;
/// * `header NAME: VALUE`: the header gets this value (added when missing);
/// * `unset NAME`: the query parameter or body field goes, else the header of that name.
///
/// An empty line sends the request (`PauseInput.send`). Lines are typed by people and pasted from anywhere, so
/// every part is checked: a bad line is refused with a message that says what is wrong and how to write it.
public enum RequestEdit: Sendable, Hashable, CustomStringConvertible {
    case set(name: String, value: String)
    case header(name: String, value: String)
    case unset(name: String)

    /// The longest line taken; longer is refused (a paste gone wrong, not an edit).
    public static let maxLineLength = 8192
    /// The longest parameter, field or header name.
    public static let maxNameLength = 256

    /// The name the edit touches.
    public var name: String {
        switch self {
        case .set(let n, _), .header(let n, _), .unset(let n): return n
        }
    }

    /// The edit as it would be typed.
    public var description: String {
        switch self {
        case .set(let n, let v): return "set \(n)=\(v)"
        case .header(let n, let v): return "header \(n): \(v)"
        case .unset(let n): return "unset \(n)"
        }
    }

    /// The same edit with its value replaced by `shown` (for an event that must not carry a secret).
    public func withValue(_ shown: String) -> RequestEdit {
        switch self {
        case .set(let n, _): return .set(name: n, value: shown)
        case .header(let n, _): return .header(name: n, value: shown)
        case .unset: return self
        }
    }

    /// How to write an edit, for every refusal.
    public static let usage = "write set NAME=VALUE, header NAME: VALUE or unset NAME; an empty line sends the request"

    /// Reads one edit line (without its newline). Surrounding blanks are ignored; the value keeps inner blanks.
    public static func parse(_ line: String) throws(RequestEditError) -> RequestEdit {
        guard line.utf8.count <= maxLineLength else { throw .tooLong(line.utf8.count) }
        let text = line.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { throw .empty }
        let verbEnd = text.firstIndex(where: { $0 == " " || $0 == "\t" }) ?? text.endIndex
        let verb = text[..<verbEnd].lowercased()
        let rest = text[verbEnd...].trimmingCharacters(in: .whitespaces)
        switch verb {
        case "set":
            guard let eq = rest.firstIndex(of: "=") else { throw .missing("set needs NAME=VALUE") }
            let name = rest[..<eq].trimmingCharacters(in: .whitespaces)
            let value = String(rest[rest.index(after: eq)...])
            try checkName(name)
            try checkValue(value, header: false)
            return .set(name: name, value: value)
        case "header":
            guard let colon = rest.firstIndex(of: ":") else { throw .missing("header needs NAME: VALUE") }
            let name = rest[..<colon].trimmingCharacters(in: .whitespaces)
            let value = rest[rest.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            try checkName(name)
            guard name.unicodeScalars.allSatisfy(isTokenCharacter) else { throw .badHeaderName(name) }
            guard !["content-length", "transfer-encoding", "host", "connection"].contains(name.lowercased()) else { throw .managedHeader(name) }
            try checkValue(value, header: true)
            return .header(name: name, value: value)
        case "unset":
            guard !rest.isEmpty else { throw .missing("unset needs a NAME") }
            try checkName(rest)
            return .unset(name: rest)
        default:
            throw .unknownVerb(String(verb.prefix(40)))
        }
    }

    private static func checkName(_ name: String) throws(RequestEditError) {
        guard !name.isEmpty else { throw .missing("the NAME is empty") }
        guard name.utf8.count <= maxNameLength else { throw .nameTooLong(name.utf8.count) }
        guard !name.unicodeScalars.contains(where: isControl) else { throw .controlCharacter("the name") }
    }

    private static func checkValue(_ value: String, header: Bool) throws(RequestEditError) {
        // A header value may hold a tab, never CR, LF or NUL (RFC 9110 §5.5); a query or body value is encoded,
        // but a control character there is a paste gone wrong, so it is refused as well.
        if value.unicodeScalars.contains(where: { isControl($0) && !(header && $0 == "\t") }) { throw .controlCharacter("the value") }
    }

    private static func isControl(_ s: Unicode.Scalar) -> Bool { s.value < 0x20 || s.value == 0x7F || (0x80..<0xA0).contains(s.value) }

    /// RFC 9110 §5.6.2 `tchar`.
    private static func isTokenCharacter(_ s: Unicode.Scalar) -> Bool {
        guard s.isASCII else { return false }
        if CharacterSet.alphanumerics.contains(s) { return true }
        return "!#$%&'*+-.^_`|~".unicodeScalars.contains(s)
    }

    /// The request with this edit made, or why it cannot be made (the request is then unchanged).
    public func apply(to request: HTTPRequestSpec) throws(RequestEditError) -> HTTPRequestSpec {
        var r = request
        let body = RequestBody(r)
        switch self {
        case .header(let name, let value):
            if let i = r.headers.firstIndex(where: { $0.name.lowercased() == name.lowercased() }) {
                r.headers[i] = FormField(r.headers[i].name, value)
                r.headers = r.headers.enumerated().filter { $0.offset == i || $0.element.name.lowercased() != name.lowercased() }.map(\.element)
            } else {
                r.headers.append(FormField(name, value))
            }
        case .set(let name, let value):
            if body.has(name) {
                r.body = try body.setting(name, value)
            } else if Self.query(of: r.url).contains(where: { $0.name == name }) {
                r.url = try Self.url(r.url, query: Self.query(of: r.url).map { $0.name == name ? FormField(name, value) : $0 })
            } else if body.takesFields {
                r.body = try body.setting(name, value)
            } else {
                r.url = try Self.url(r.url, query: Self.query(of: r.url) + [FormField(name, value)])
            }
        case .unset(let name):
            var removed = false
            if body.has(name) {
                r.body = try body.removing(name)
                removed = true
            }
            let query = Self.query(of: r.url)
            if query.contains(where: { $0.name == name }) {
                r.url = try Self.url(r.url, query: query.filter { $0.name != name })
                removed = true
            }
            if !removed, r.headers.contains(where: { $0.name.lowercased() == name.lowercased() }) {
                r.headers.removeAll { $0.name.lowercased() == name.lowercased() }
                removed = true
            }
            guard removed else { throw .noSuchName(name) }
        }
        return r
    }

    /// Every name an edit can touch in `request`, as a line to start typing from: `set NAME=` for the query
    /// parameters and body fields, `header NAME: ` for the headers. The TUI offers them in turn.
    public static func candidates(in request: HTTPRequestSpec) -> [String] {
        var out: [String] = []
        for f in query(of: request.url) where !out.contains("set \(f.name)=") { out.append("set \(f.name)=") }
        for n in RequestBody(request).names where !out.contains("set \(n)=") { out.append("set \(n)=") }
        for h in request.headers where !out.contains("header \(h.name): ") { out.append("header \(h.name): ") }
        return out
    }

    static func query(of url: URL) -> [FormField] {
        guard let q = URLComponents(url: url, resolvingAgainstBaseURL: false)?.percentEncodedQuery, !q.isEmpty else { return [] }
        return FormURLEncoded.decode(q).fields
    }

    static func url(_ url: URL, query: [FormField]) throws(RequestEditError) -> URL {
        guard var c = URLComponents(url: url, resolvingAgainstBaseURL: false) else { throw .notEditable("the URL cannot be taken apart") }
        c.percentEncodedQuery = query.isEmpty ? nil : FormURLEncoded.encode(query)
        guard let u = c.url else { throw .notEditable("the edited URL is not valid") }
        return u
    }
}

/// A request's body as far as edits are concerned: form fields, a JSON object, or something edits leave alone.
struct RequestBody {
    enum Kind { case none, form([FormField]), json([(String, JSONValue)]), other }
    let kind: Kind

    init(_ r: HTTPRequestSpec) {
        let type = r.headers.first { $0.name.lowercased() == "content-type" }?.value.lowercased() ?? ""
        if type.contains("json") {
            if r.body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { kind = .json([]) } else if case .object(let o)? = JSONValue.parse(r.body) { kind = .json(o) } else { kind = .other }
        } else if type.contains("x-www-form-urlencoded") {
            kind = .form(FormURLEncoded.decode(r.body).fields)
        } else {
            kind = r.body.isEmpty ? .none : .other
        }
    }

    var names: [String] {
        switch kind {
        case .form(let f): return f.map(\.name)
        case .json(let o): return o.map(\.0)
        case .none, .other: return []
        }
    }

    func has(_ name: String) -> Bool { names.contains(name) }

    /// A new field goes into a form or JSON body.
    var takesFields: Bool {
        switch kind {
        case .form, .json: return true
        case .none, .other: return false
        }
    }

    func setting(_ name: String, _ value: String) throws(RequestEditError) -> String {
        switch kind {
        case .form(let f):
            let out = f.contains { $0.name == name } ? f.map { $0.name == name ? FormField(name, value) : $0 } : f + [FormField(name, value)]
            return FormURLEncoded.encode(out)
        case .json(let o):
            // A member that was not a string keeps its JSON kind when the value reads as one (`set max_age=60`).
            let typed: JSONValue
            if let old = o.first(where: { $0.0 == name })?.1, old.stringValue == nil, let parsed = JSONValue.parse(value) {
                typed = parsed
            } else {
                typed = .string(value)
            }
            let out = o.contains { $0.0 == name } ? o.map { $0.0 == name ? (name, typed) : $0 } : o + [(name, typed)]
            return JSONValue.object(out).serialized()
        case .none, .other:
            throw .notEditable("the body is neither a form nor a JSON object")
        }
    }

    func removing(_ name: String) throws(RequestEditError) -> String {
        switch kind {
        case .form(let f): return FormURLEncoded.encode(f.filter { $0.name != name })
        case .json(let o): return JSONValue.object(o.filter { $0.0 != name }).serialized()
        case .none, .other: throw .notEditable("the body is neither a form nor a JSON object")
        }
    }
}

/// Why an edit line was refused. The pause goes on; the message says how to write it.
public enum RequestEditError: Error, Sendable, Hashable, CustomStringConvertible {
    case empty
    case tooLong(Int)
    case nameTooLong(Int)
    case unknownVerb(String)
    case missing(String)
    case controlCharacter(String)
    case badHeaderName(String)
    case managedHeader(String)
    case noSuchName(String)
    case notEditable(String)

    public var description: String {
        switch self {
        case .empty: return "nothing to edit; " + RequestEdit.usage
        case .tooLong(let n): return "the line is \(n) bytes, more than \(RequestEdit.maxLineLength); " + RequestEdit.usage
        case .nameTooLong(let n): return "the name is \(n) bytes, more than \(RequestEdit.maxNameLength)"
        case .unknownVerb(let v): return "unknown edit \"\(v)\"; " + RequestEdit.usage
        case .missing(let what): return what + "; " + RequestEdit.usage
        case .controlCharacter(let part): return "\(part) holds a control character (CR, LF, NUL, ESC, ...), which is refused"
        case .badHeaderName(let n): return "\"\(n)\" is not a header name (letters, digits and !#$%&'*+-.^_`|~ only, RFC 9110 §5.6.2)"
        case .managedHeader(let n): return "\(n) is set by the HTTP client from the request itself and cannot be edited"
        case .noSuchName(let n): return "the request has no query parameter, body field or header named \"\(n)\""
        case .notEditable(let why): return "cannot edit: " + why
        }
    }
}

/// A line typed at a step-mode pause (stdin in plain and jsonl output): send, edit, send the last hop again, or
/// quit.
public enum PauseInput: Sendable, Hashable {
    case send
    case edit(String)
    case again
    case quit

    /// Reads a line. Anything that is not a known word is an edit; `RequestEdit.parse` judges it.
    public static func read(_ line: String) -> PauseInput {
        let word = line.trimmingCharacters(in: .whitespaces).lowercased()
        switch word {
        case "": return .send
        case "q", "quit": return .quit
        case "a", "again": return .again
        default: return .edit(line)
        }
    }
}
