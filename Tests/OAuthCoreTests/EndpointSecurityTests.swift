import Foundation
import OAuthCore
import Testing

@Suite("Endpoints: loopback on the parsed address, TLS where secrets go")
struct EndpointSecurityTests {
    @Test(arguments: [
        ("127.0.0.1", true), ("127.1.2.3", true), ("127.255.255.255", true), ("localhost", true), ("LOCALHOST", true),
        ("::1", true), ("[::1]", true), ("0:0:0:0:0:0:0:1", true), ("0000::0001", true),
        ("127.evil.invalid", false), ("127.0.0.1.evil.invalid", false), ("127.0.0.1evil", false), ("128.0.0.1", false),
        ("127.0.0", false), ("127.0.0.256", false), ("0127.0.0.1", false), ("localhost.evil.invalid", false),
        ("::2", false), ("::", false), ("1::1", false), ("::1::", false), ("example.com", false), ("", false),
    ])
    func loopback(host: String, expected: Bool) {
        #expect(RedirectURI.isLoopback(host: host) == expected, "\(host)")
    }

    func finding(_ url: String, _ role: EndpointRole, issuer: String? = nil, allow: Bool = false) -> Finding? {
        EndpointSecurity.finding(for: URL(string: url)!, role: role, issuer: issuer, allowInsecureHTTP: allow)
    }

    @Test func httpsAndLoopbackHTTPAreFine() {
        #expect(finding("https://as.example/token", .token) == nil)
        #expect(finding("http://127.0.0.1:9400/token", .token) == nil)
        #expect(finding("http://[::1]:9400/token", .token, issuer: "http://[::1]:9400") == nil)
        #expect(finding("http://localhost/userinfo", .userinfo) == nil)
    }

    @Test func plainHTTPOnANonLoopbackHostIsAnErrorWithItsRFC() throws {
        let token = try #require(finding("http://as.example/token", .token))
        #expect(token.severity == .error)
        #expect(token.code == "endpoint.insecure_http")
        #expect(token.ref == "RFC 6749 §3.2")
        #expect(token.message.contains("--allow-insecure-http"))
        #expect(finding("http://as.example/authorize", .authorization)?.ref == "RFC 6749 §3.1")
        #expect(finding("http://remote-host", .issuer)?.ref == "RFC 8414 §2")
        #expect(finding("http://127.evil.invalid/token", .token)?.code == "endpoint.insecure_http", "a name that starts with 127. is not loopback")
    }

    @Test func anHTTPEndpointFromAnHTTPSIssuerIsADowngradeEvenOnLoopback() throws {
        for role in [EndpointRole.token, .jwks, .userinfo] {
            let f = try #require(finding("http://127.0.0.1/x", role, issuer: "https://as.example"))
            #expect(f.code == "endpoint.http_from_https_issuer")
            #expect(f.severity == .error)
            #expect(f.ref?.contains("RFC 8414 §2") == true || f.ref?.contains("RFC 6749 §3.2") == true || f.ref?.contains("RFC 6750") == true)
        }
        #expect(finding("https://as.example/jwks", .jwks, issuer: "https://as.example") == nil)
    }

    @Test func allowingInsecureHTTPMakesItAWarning() throws {
        let f = try #require(finding("http://as.example/token", .token, allow: true))
        #expect(f.severity == .warn)
        #expect(f.code == "endpoint.insecure_http")
        #expect(f.message.contains("used anyway"))
    }
}

@Suite("Redaction: every spelling of a secret's name, and a safe prefix")
struct RedactionNameTests {
    @Test(arguments: ["access_token", "accessToken", "AccessToken", "access-token", "refreshToken", "idToken", "clientSecret",
                      "client-secret", "CLIENT_SECRET", "X-Api-Key", "x_api_key", "apiKey", "sessionToken", "oauth_token_secret", "code", "codeVerifier", "password"])
    func sensitive(name: String) {
        #expect(Redactor.isSensitive(name: name), "\(name)")
    }

    @Test(arguments: ["token_type", "tokenType", "expires_in", "scope", "state", "sub", "client_id", "clientId", "code_challenge_method", "token_type_hint"])
    func notSensitive(name: String) {
        #expect(!Redactor.isSensitive(name: name), "\(name)")
    }

    @Test func camelCaseMembersAreRedactedInBodies() throws {
        let body = #"{"accessToken":"eyJhbGciOiJSUzI1NiJ9.secret-access","data":{"refreshToken":"rt-0123456789abcdef","clientSecret":"cs-0123456789abcdef"},"tokenType":"Bearer"}"#
        let r = Redactor.jsonBody(body)
        #expect(r.isRedacted)
        for secret in ["secret-access", "rt-0123456789abcdef", "cs-0123456789abcdef"] { #expect(!r.redacted.contains(secret), "\(secret) leaked") }
        #expect(r.redacted.contains("Bearer"))
        let form = Redactor.formBody("clientSecret=cs-0123456789abcdef&client-secret=cs-0123456789abcdef&grant_type=x")
        #expect(!form.redacted.contains("cs-0123456789abcdef"))
        #expect(Redactor.header(name: "X-Api-Key", value: "k-0123456789abcdef").redacted != "k-0123456789abcdef")
        #expect(Redactor.header(name: "X-Auth-Token", value: "k-0123456789abcdef").redacted != "k-0123456789abcdef")
    }

    @Test func theRedactedPrefixKeepsOnlyURLSafeCharacters() {
        let clear = "\u{1b}[2J" + String(repeating: "x", count: 25)
        #expect(Secret.redact(clear) == "2J…(\(clear.count))")
        #expect(Secret.redact("eyJhbGciOiJSUzI1NiJ9") == "eyJh…(20)")
        let bell = "a\u{9b}\u{7}~" + String(repeating: "b", count: 15)
        #expect(Secret.redact(bell) == "a~…(\(bell.count))")
        #expect(Secret.redact("short") == "…(5)")
    }
}
