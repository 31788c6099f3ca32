import Foundation
import OAuthCore
import Testing

@Suite("Callback decisions")
struct CallbackTests {
    let expected = ["state-123"]

    @Test("a code with the right state is accepted")
    func accepted() {
        let d = CallbackValidator.decide(CallbackParameters(query: "code=abc&state=state-123&iss=https%3A%2F%2Fas"), expectedStates: expected)
        #expect(d == .accepted(code: "abc", state: "state-123"))
    }

    @Test("state is checked before code or error: a wrong state is a mismatch even with an error")
    func stateFirst() {
        #expect(CallbackValidator.decide(CallbackParameters(query: "code=abc&state=other"), expectedStates: expected) == .stateMismatch(received: "other"))
        #expect(CallbackValidator.decide(CallbackParameters(query: "error=access_denied&state=other"), expectedStates: expected) == .stateMismatch(received: "other"))
        #expect(CallbackValidator.decide(CallbackParameters(query: "code=abc"), expectedStates: expected) == .stateMismatch(received: nil))
    }

    @Test("an error response carries its code and description")
    func errorResponse() {
        let d = CallbackValidator.decide(CallbackParameters(query: "error=access_denied&error_description=The+user+said+no&state=state-123"), expectedStates: expected)
        guard case .errorResponse(let e, let state, let missing) = d else { Issue.record("\(d)"); return }
        #expect(e.error == "access_denied")
        #expect(e.description == "The user said no")
        #expect(state == "state-123")
        #expect(!missing)
        #expect(!e.hint.isEmpty)
    }

    @Test("an error redirect without state is still shown for what it is")
    func errorWithoutState() {
        let d = CallbackValidator.decide(CallbackParameters(query: "error=invalid_scope"), expectedStates: expected)
        guard case .errorResponse(let e, nil, true) = d else { Issue.record("\(d)"); return }
        #expect(e.error == "invalid_scope")
    }

    @Test("repeated code or state is malformed", arguments: ["code=a&code=b&state=state-123", "code=a&state=state-123&state=state-123"])
    func repeated(_ q: String) {
        guard case .malformed(let why) = CallbackValidator.decide(CallbackParameters(query: q), expectedStates: expected) else { Issue.record("not malformed"); return }
        #expect(why.contains("repeated"))
    }

    @Test("repeated names are found once and follow the fields when they change")
    func repeatedNamesFollowFields() {
        var p = CallbackParameters(query: "a=1&code=x&b=2&a=3&code=y&a=4")
        #expect(p.repeatedNames == ["a", "code"])
        p.fields.removeAll { $0.name == "a" }
        #expect(p.repeatedNames == ["code"])
        p.fields.append(FormField("b", "5"))
        #expect(p.repeatedNames == ["code", "b"])
        #expect(CallbackParameters(fields: [FormField("state", "s"), FormField("state", "t")]).repeatedNames == ["state"])
    }

    @Test("the query splits on & and = bytes, keeps empty values and names, and decodes + and %XX")
    func splitting() {
        let p = CallbackParameters(query: "&&a=&=v&flag&x=1=2&sp=a+b%20c&u=%C3%A9t%C3%A9&é=ü&")
        #expect(p.fields == [FormField("a", ""), FormField("", "v"), FormField("flag", ""), FormField("x", "1=2"), FormField("sp", "a b c"),
                             FormField("u", "été"), FormField("é", "ü")])
        #expect(p.problems.isEmpty)
        #expect(CallbackParameters(query: "").fields.isEmpty)
        #expect(CallbackParameters(query: "%4").problems == [.badPercentEncoding(field: "%4")])
    }

    @Test("bad percent-encoding and invalid UTF-8 are reported, never dropped")
    func badEncoding() {
        let p = CallbackParameters(query: "code=%ZZabc&state=state-123&x=%FF")
        #expect(p.fields.count == 3)
        #expect(p.problems.contains(.badPercentEncoding(field: "code")))
        #expect(p.problems.contains(.invalidUTF8(field: "x")))
        guard case .malformed = CallbackValidator.decide(p, expectedStates: expected) else { Issue.record("not malformed"); return }
    }

    @Test("constant-time comparison is still a comparison")
    func constantTime() {
        #expect(constantTimeEquals("abc", "abc"))
        #expect(!constantTimeEquals("abc", "abd"))
        #expect(!constantTimeEquals("abc", "abcd"))
        #expect(!constantTimeEquals("", "a"))
    }

    @Test("RFC 9207: iss must equal the issuer, and must be present when the server advertises it")
    func issCheck() {
        #expect(CallbackValidator.issCheck(received: "https://as", expectedIssuer: "https://as", serverAdvertisesIss: true)?.ok == true)
        #expect(CallbackValidator.issCheck(received: "https://evil", expectedIssuer: "https://as", serverAdvertisesIss: false)?.ok == false)
        #expect(CallbackValidator.issCheck(received: nil, expectedIssuer: "https://as", serverAdvertisesIss: true)?.ok == false)
        #expect(CallbackValidator.issCheck(received: nil, expectedIssuer: "https://as", serverAdvertisesIss: false) == nil)
    }
}

@Suite("Terminal-safe text")
struct TerminalSafeTextTests {
    @Test("control, bidi and zero-width characters are escaped, printable text is kept")
    func escapes() {
        let hostile = "a\u{1b}]2;owned\u{07}b\u{202e}c\u{200b}d\u{9b}e\u{7f}é漢"
        let safe = TerminalSafeText.escape(hostile)
        #expect(safe == "a\\x1b]2;owned\\x07b\\u202ec\\u200bd\\x9be\\x7fé漢")
        #expect(!safe.unicodeScalars.contains { TerminalSafeText.needsEscape($0) })
        #expect(TerminalSafeText.escape("plain ascii") == "plain ascii")
        #expect(TerminalSafeText.escape("line1\nline2", keepNewlines: true) == "line1\nline2")
        #expect(TerminalSafeText.escape("line1\nline2") == "line1\\x0aline2")
    }
}

@Suite("Secrets")
struct SecretTests {
    @Test("redaction keeps a short prefix and the length, and hides short secrets entirely")
    func redaction() {
        let token = "eyJhbGciOiJSUzI1NiJ9." + String(repeating: "x", count: 100)
        #expect(Secret(token).redacted == "eyJh…(\(token.count))")
        #expect(Secret("short").redacted == "…(5)")
        #expect("\(Secret(token))" == Secret(token).redacted)
    }

    @Test("redacting a form body hides only the sensitive fields")
    func formBody() {
        let body = "grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA&client_secret=7Fjfp0ZBr1KtDRbnfVdmIw&redirect_uri=x"
        let r = Redactor.formBody(body)
        #expect(r.clear == body)
        #expect(!r.redacted.contains("SplxlOBeZQQYbYS6WxSbIA"))
        #expect(!r.redacted.contains("7Fjfp0ZBr1KtDRbnfVdmIw"))
        #expect(r.redacted.contains("grant_type=authorization_code"))
    }

    @Test("Sensitive encodes redacted unless the encoder reveals")
    func encoding() throws {
        let s = Sensitive(Secret("a-very-long-secret-value"))
        let enc = JSONEncoder()
        #expect(String(decoding: try enc.encode([s]), as: UTF8.self) == #"["a-ve…(24)"]"#)
        enc.userInfo[.revealSecrets] = true
        #expect(String(decoding: try enc.encode([s]), as: UTF8.self) == #"["a-very-long-secret-value"]"#)
    }
}
