import Foundation
import OAuthCore
import Testing

/// The edit language typed at a step-mode pause: what each line does to a request, and how a bad line is refused.
@Suite("request edits")
struct RequestEditTests {
    static let tokenURL = URL(string: "https://as.example/token")!
    static let form = HTTPRequestSpec(
        method: "POST", url: tokenURL,
        headers: [FormField("Authorization", "Basic Y2xpZW50OnNlY3JldA=="), FormField("Content-Type", "application/x-www-form-urlencoded")],
        body: "grant_type=authorization_code&code=abc&code_verifier=v1")
    static let json = HTTPRequestSpec(
        method: "POST", url: tokenURL, headers: [FormField("Content-Type", "application/json")],
        body: #"{"grant_type":"authorization_code","code":"abc","max_age":60}"#)
    static let get = HTTPRequestSpec(method: "GET", url: URL(string: "https://as.example/authorize?client_id=c&state=s1&scope=openid+email")!, headers: [], body: "")

    static func fields(_ body: String) -> [FormField] { FormURLEncoded.decode(body).fields }
    static func query(_ r: HTTPRequestSpec) -> [FormField] {
        FormURLEncoded.decode(URLComponents(url: r.url, resolvingAgainstBaseURL: false)?.percentEncodedQuery ?? "").fields
    }

    @Test("set replaces a form field in place and keeps the others")
    func setFormField() throws {
        let edited = try RequestEdit.parse("set code_verifier=wrong").apply(to: Self.form)
        #expect(Self.fields(edited.body) == [FormField("grant_type", "authorization_code"), FormField("code", "abc"), FormField("code_verifier", "wrong")])
        #expect(edited.url == Self.form.url)
        #expect(edited.headers == Self.form.headers)
    }

    @Test("set adds a field the body lacks; the value keeps =, spaces and non-ASCII, and is form-encoded")
    func setNewFormField() throws {
        let edited = try RequestEdit.parse("  set  resource = https://api.example/a=b c é  ").apply(to: Self.form)
        #expect(Self.fields(edited.body).last == FormField("resource", " https://api.example/a=b c é"))
        #expect(edited.body.contains("resource=+https%3A%2F%2Fapi.example%2Fa%3Db+c+%C3%A9"))
    }

    @Test("set on a JSON body keeps the member's kind when the value reads as one")
    func setJSON() throws {
        let a = try RequestEdit.parse("set code=xyz").apply(to: Self.json)
        #expect(JSONValue.parse(a.body)?["code"] == .string("xyz"))
        let b = try RequestEdit.parse("set max_age=5").apply(to: Self.json)
        #expect(JSONValue.parse(b.body)?["max_age"] == .number(5))
        let c = try RequestEdit.parse("set audience=api").apply(to: Self.json)
        #expect(JSONValue.parse(c.body)?.objectValue?.map(\.0) == ["grant_type", "code", "max_age", "audience"])
    }

    @Test("set changes a query parameter of a request without a body, or adds one")
    func setQuery() throws {
        let a = try RequestEdit.parse("set state=forged").apply(to: Self.get)
        #expect(Self.query(a) == [FormField("client_id", "c"), FormField("state", "forged"), FormField("scope", "openid email")])
        let b = try RequestEdit.parse("set prompt=none").apply(to: Self.get)
        #expect(Self.query(b).last == FormField("prompt", "none"))
        #expect(b.url.host == "as.example" && b.url.path == "/authorize")
    }

    @Test("header replaces a header whatever its case, or adds it")
    func header() throws {
        let a = try RequestEdit.parse("header authorization: Basic d3Jvbmc6d3Jvbmc=").apply(to: Self.form)
        #expect(a.headers.filter { $0.name.lowercased() == "authorization" } == [FormField("Authorization", "Basic d3Jvbmc6d3Jvbmc=")])
        let b = try RequestEdit.parse("header DPoP:   eyJ.x.y  ").apply(to: Self.form)
        #expect(b.headers.last == FormField("DPoP", "eyJ.x.y"))
        #expect(b.headers.count == Self.form.headers.count + 1)
    }

    @Test("unset removes a field, a query parameter, else a header")
    func unset() throws {
        let a = try RequestEdit.parse("unset code_verifier").apply(to: Self.form)
        #expect(!Self.fields(a.body).contains { $0.name == "code_verifier" })
        let b = try RequestEdit.parse("unset state").apply(to: Self.get)
        #expect(Self.query(b).map(\.name) == ["client_id", "scope"])
        let c = try RequestEdit.parse("unset Authorization").apply(to: Self.form)
        #expect(!c.headers.contains { $0.name == "Authorization" })
        #expect(c.body == Self.form.body)
    }

    @Test("bad lines are refused with a message that says what is wrong", arguments: [
        ("frobnicate x", "unknown edit"),
        ("set novalue", "NAME=VALUE"),
        ("set =v", "NAME is empty"),
        ("header NoColon", "NAME: VALUE"),
        ("header Bad Name: v", "not a header name"),
        ("header X-A: v\u{0D}\nInjected: 1", "control character"),
        ("header Content-Length: 0", "cannot be edited"),
        ("unset", "NAME"),
        ("set a\u{1B}]52;c;x\u{07}=1", "control character"),
        ("set x=\u{00}", "control character"),
    ])
    func refused(line: String, says: String) {
        #expect(throws: RequestEditError.self) { try RequestEdit.parse(line) }
        do {
            _ = try RequestEdit.parse(line)
        } catch {
            #expect(error.description.contains(says), "\(error.description)")
        }
    }

    @Test("a line past the cap and a name past its cap are refused, not parsed")
    func caps() {
        let long = "set a=" + String(repeating: "x", count: RequestEdit.maxLineLength)
        #expect(throws: RequestEditError.tooLong(long.utf8.count)) { try RequestEdit.parse(long) }
        let name = String(repeating: "n", count: RequestEdit.maxNameLength + 1)
        #expect(throws: RequestEditError.nameTooLong(name.utf8.count)) { try RequestEdit.parse("unset " + name) }
    }

    @Test("unsetting a name the request does not carry is refused and leaves it as it was")
    func unsetMissing() {
        #expect(throws: RequestEditError.noSuchName("nope")) { try RequestEdit.parse("unset nope").apply(to: Self.form) }
    }

    @Test("a body that is neither form nor JSON takes no fields: the edit goes to the query")
    func opaqueBody() throws {
        let text = HTTPRequestSpec(method: "POST", url: Self.tokenURL, headers: [FormField("Content-Type", "text/plain")], body: "hello")
        let edited = try RequestEdit.parse("set a=1").apply(to: text)
        #expect(edited.body == "hello")
        #expect(Self.query(edited) == [FormField("a", "1")])
    }

    @Test("the pause's words: empty sends, q quits, again resends, anything else is an edit")
    func pauseInput() {
        #expect(PauseInput.read("") == .send)
        #expect(PauseInput.read("   ") == .send)
        #expect(PauseInput.read("Q") == .quit)
        #expect(PauseInput.read("again") == .again)
        #expect(PauseInput.read("set a=b") == .edit("set a=b"))
        #expect(PauseInput.read("yes") == .edit("yes"))
    }

    @Test("Tab's candidates list every query parameter, body field and header once")
    func candidates() {
        #expect(RequestEdit.candidates(in: Self.form) == ["set grant_type=", "set code=", "set code_verifier=", "header Authorization: ", "header Content-Type: "])
        #expect(RequestEdit.candidates(in: Self.get) == ["set client_id=", "set state=", "set scope="])
    }
}
