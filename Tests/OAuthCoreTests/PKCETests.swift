import Foundation
import OAuthCore
import Testing

@Suite("PKCE (RFC 7636)")
struct PKCETests {
    @Test("RFC 7636 Appendix B: the S256 challenge of the spec's verifier")
    func appendixB() throws {
        // RFC 7636 Appendix B.
        let pkce = try PKCE(verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", method: .s256)
        #expect(pkce.challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        #expect(PKCE.verify(verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", method: .s256))
        #expect(!PKCE.verify(verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXX", challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", method: .s256))
    }

    @Test("generated verifiers are 32 random bytes, S256 by default, and differ each time")
    func generated() throws {
        let a = PKCE.generate(), b = PKCE.generate()
        #expect(a.method == .s256)
        #expect(a.verifier.value.count == 43)  // 32 bytes of base64url without padding
        #expect(Base64URL.decode(a.verifier.value)?.count == 32)
        #expect(a.verifier != b.verifier)
        try PKCE.validateVerifier(a.verifier.value)
        #expect(a.challenge == PKCE.challenge(forVerifier: a.verifier.value, method: .s256))
    }

    @Test("verifiers outside RFC 7636 §4.1 are refused", arguments: [String(repeating: "a", count: 42), String(repeating: "a", count: 129), String(repeating: "a", count: 42) + "+"])
    func badVerifiers(_ v: String) {
        #expect(throws: PKCEError.self) { try PKCE(verifier: v) }
    }

    @Test("plain is used only when asked for, and the request builder warns about it")
    func plainWarns() throws {
        let p = try PKCE(verifier: String(repeating: "x", count: 43), method: .plain)
        #expect(p.challenge == p.verifier.value)
        let req = AuthorizationRequest(endpoint: URL(string: "https://as.example/authorize")!, clientID: "c", redirectURI: "http://127.0.0.1/cb", scope: nil, state: "s", nonce: nil, pkce: p)
        #expect(req.findings.contains { $0.code == "pkce.plain" })
    }
}

@Suite("Client authentication (RFC 6749 §2.3.1)")
struct ClientAuthenticationTests {
    @Test("RFC 6749 §2.3.1 example credentials give the spec's Basic header")
    func rfcExample() {
        // RFC 6749 §2.3.1: "Authorization: Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3"
        #expect(HTTPBasicCredentials.headerValue(clientID: "s6BhdRkqt3", clientSecret: "7Fjfp0ZBr1KtDRbnfVdmIw") == "Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3")
    }

    @Test("id and secret are form-urlencoded before base64, and parse back")
    func encodesBeforeBase64() throws {
        let header = HTTPBasicCredentials.headerValue(clientID: "my client:1", clientSecret: "p@ss word/+=")
        let b64 = String(header.dropFirst("Basic ".count))
        let decoded = String(decoding: try #require(Data(base64Encoded: b64)), as: UTF8.self)
        #expect(decoded == "my+client%3A1:p%40ss+word%2F%2B%3D")
        let parsed = try #require(HTTPBasicCredentials.parse(headerValue: header))
        #expect(parsed.clientID == "my client:1")
        #expect(parsed.clientSecret == "p@ss word/+=")
    }

    @Test("the token request carries credentials as each method says")
    func methods() throws {
        let url = URL(string: "https://as.example/token")!
        let basic = TokenRequestBuilder(tokenEndpoint: url, credentials: ClientCredentials(clientID: "c", clientSecret: Secret("s"), method: .clientSecretBasic))
            .authorizationCode(code: "abc", redirectURI: "http://127.0.0.1/cb", codeVerifier: "v")
        #expect(basic.headers.contains { $0.name == "Authorization" && $0.value.hasPrefix("Basic ") })
        #expect(!basic.body.contains("client_secret"))
        #expect(basic.body == "grant_type=authorization_code&code=abc&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb&code_verifier=v")

        let post = TokenRequestBuilder(tokenEndpoint: url, credentials: ClientCredentials(clientID: "c", clientSecret: Secret("s"), method: .clientSecretPost))
            .authorizationCode(code: "abc", redirectURI: "http://127.0.0.1/cb", codeVerifier: nil)
        #expect(!post.headers.contains { $0.name == "Authorization" })
        #expect(post.body.hasSuffix("client_id=c&client_secret=s"))

        let none = TokenRequestBuilder(tokenEndpoint: url, credentials: ClientCredentials(clientID: "c", clientSecret: nil, method: .none))
            .authorizationCode(code: "abc", redirectURI: "http://127.0.0.1/cb", codeVerifier: "v")
        #expect(none.body.hasSuffix("client_id=c"))
        #expect(!none.body.contains("client_secret"))

        let json = TokenRequestBuilder(tokenEndpoint: url, credentials: ClientCredentials(clientID: "c", clientSecret: Secret("s"), method: .clientSecretPost), bodyEncoding: .json)
            .authorizationCode(code: "abc", redirectURI: "http://127.0.0.1/cb", codeVerifier: nil)
        let parsed = try #require(JSONValue.parse(json.body))
        #expect(parsed["client_secret"]?.stringValue == "s")
        #expect(json.headers.contains { $0.name == "Content-Type" && $0.value == "application/json" })
    }
}
