import Foundation
import OAuthCore
import Testing

@Suite("Token responses as providers really send them")
struct TokenResponseTests {
    let json = [FormField("Content-Type", "application/json"), FormField("Cache-Control", "no-store")]

    @Test("RFC 6749 §5.1 example response")
    func rfcExample() throws {
        // RFC 6749 §5.1.
        let body = #"{"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"example","expires_in":3600,"refresh_token":"tGzv3JOkF0XG5Qx2TlKWIA","example_parameter":"example_value"}"#
        guard case .success(let t, let findings) = TokenResponseParser.parse(status: 200, headers: json, body: body) else { Issue.record("not success"); return }
        #expect(t.accessToken.value == "2YotnFZFEjr1zCsicMWpAA")
        #expect(t.expiresIn == 3600)
        #expect(t.refreshToken?.value == "tGzv3JOkF0XG5Qx2TlKWIA")
        #expect(t.extra.map(\.0) == ["example_parameter"])
        #expect(findings.contains { $0.code == "token.token_type_unusual" })
    }

    @Test("expires_in as a string is read, and reported as a deviation")
    func expiresInString() {
        let body = #"{"access_token":"a","token_type":"Bearer","expires_in":"3599"}"#
        guard case .success(let t, let findings) = TokenResponseParser.parse(status: 200, headers: json, body: body) else { Issue.record("not success"); return }
        #expect(t.expiresIn == 3599)
        let f = findings.first { $0.code == "token.expires_in_string" }
        #expect(f?.severity == .warn)
        #expect(f?.ref == "RFC 6749 §5.1")
    }

    @Test("token_type is case-insensitive")
    func tokenTypeCase() {
        guard case .success(let t, let findings) = TokenResponseParser.parse(status: 200, headers: json, body: #"{"access_token":"a","token_type":"bearer","expires_in":1}"#) else { Issue.record("not success"); return }
        #expect(t.tokenType == "bearer")
        #expect(!findings.contains { $0.code.hasPrefix("token.token_type") })
    }

    @Test("a form-encoded answer (GitHub) is read and reported")
    func formEncoded() {
        let r = TokenResponseParser.parse(status: 200, headers: [FormField("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")], body: "access_token=gho_16C7e42F292c6912E7710c838347Ae178B4a&scope=repo%2Cgist&token_type=bearer")
        guard case .success(let t, let findings) = r else { Issue.record("not success"); return }
        #expect(t.accessToken.value == "gho_16C7e42F292c6912E7710c838347Ae178B4a")
        #expect(t.scope == "repo,gist")
        #expect(findings.contains { $0.code == "token.form_encoded" })
    }

    @Test("RFC 6749 §5.2 error body, and an error sent with 200")
    func errors() {
        guard case .error(let e, 400, _) = TokenResponseParser.parse(status: 400, headers: json, body: #"{"error":"invalid_grant","error_description":"code expired"}"#) else { Issue.record("not error"); return }
        #expect(e.error == "invalid_grant")
        #expect(e.hint.contains("single-use"))
        guard case .error(_, 200, let findings) = TokenResponseParser.parse(status: 200, headers: json, body: #"{"error":"bad_verification_code"}"#) else { Issue.record("not error"); return }
        #expect(findings.contains { $0.code == "token.error_with_success_status" })
    }

    @Test("a 5xx, an HTML page and a success without access_token are invalid, with reasons")
    func invalid() {
        guard case .invalid(let r1, _, _) = TokenResponseParser.parse(status: 502, headers: [FormField("Content-Type", "text/html")], body: "<html>Bad gateway</html>") else { Issue.record("502"); return }
        #expect(r1.contains("502"))
        guard case .invalid(let r2, _, _) = TokenResponseParser.parse(status: 200, headers: [FormField("Content-Type", "text/html")], body: "<html>login</html>") else { Issue.record("html"); return }
        #expect(r2.contains("not JSON"))
        guard case .invalid(let r3, _, _) = TokenResponseParser.parse(status: 200, headers: json, body: #"{"token_type":"Bearer"}"#) else { Issue.record("no token"); return }
        #expect(r3.contains("access_token"))
    }

    @Test("a missing Cache-Control: no-store is noted")
    func cacheControl() {
        guard case .success(_, let findings) = TokenResponseParser.parse(status: 200, headers: [FormField("Content-Type", "application/json")], body: #"{"access_token":"a","token_type":"Bearer","expires_in":1}"#) else { Issue.record("not success"); return }
        #expect(findings.contains { $0.code == "token.cache_control" })
    }
}

@Suite("Authorization request and discovery")
struct AuthorizationRequestTests {
    @Test("parameters are in order, encoded once, and extras override")
    func url() throws {
        let pkce = try PKCE(verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        let req = AuthorizationRequest(endpoint: URL(string: "https://as.example/authorize?tenant=x")!, clientID: "s6BhdRkqt3", redirectURI: "http://127.0.0.1:8765/callback", scope: "openid email", state: "xyz", nonce: "n-0S6", pkce: pkce, extraParameters: [FormField("prompt", "consent")])
        #expect(req.url.absoluteString == "https://as.example/authorize?tenant=x&response_type=code&client_id=s6BhdRkqt3&redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%2Fcallback&scope=openid+email&state=xyz&nonce=n-0S6&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&prompt=consent")
        let overridden = AuthorizationRequest(endpoint: URL(string: "https://as.example/a")!, clientID: "c", redirectURI: "r", scope: nil, state: "s", nonce: nil, pkce: nil, extraParameters: [FormField("response_type", "code id_token")])
        #expect(overridden.parameters.first == FormField("response_type", "code id_token"))
        #expect(overridden.findings.contains { $0.code == "pkce.disabled" })
    }

    @Test("state and nonce carry 128 bits")
    func entropy() {
        #expect(Base64URL.decode(AuthorizationRequest.newState())?.count == 16)
        #expect(Base64URL.decode(AuthorizationRequest.newNonce())?.count == 16)
        #expect(AuthorizationRequest.newState() != AuthorizationRequest.newState())
    }

    @Test("metadata whose issuer differs from the URL it was fetched for is rejected (RFC 8414 §3.3)")
    func issuerMismatch() {
        let body = #"{"issuer":"https://evil.example","authorization_endpoint":"https://evil.example/a","token_endpoint":"https://evil.example/t"}"#
        guard case .failure(.issuerMismatch) = ProviderMetadata.parse(body: body, expectedIssuer: "https://as.example") else { Issue.record("accepted"); return }
        let ok = #"{"issuer":"https://as.example","authorization_endpoint":"https://as.example/a","token_endpoint":"https://as.example/t","code_challenge_methods_supported":["S256"]}"#
        guard case .success(let (m, _)) = ProviderMetadata.parse(body: ok, expectedIssuer: "https://as.example") else { Issue.record("rejected"); return }
        #expect(m.tokenEndpoint.absoluteString == "https://as.example/t")
    }

    @Test("discovery tries OIDC first, then RFC 8414 with the path after the well-known segment")
    func discoveryURLs() {
        let urls = ProviderMetadata.discoveryURLs(issuer: "https://as.example/tenant1").map(\.absoluteString)
        #expect(urls == ["https://as.example/tenant1/.well-known/openid-configuration", "https://as.example/.well-known/oauth-authorization-server/tenant1"])
    }
}

@Suite("ID-token claim checks")
struct IDTokenClaimTests {
    func token(_ claims: String, alg: String = "ES256") -> String {
        Base64URL.encode(Data(#"{"alg":"\#(alg)","kid":"k1"}"#.utf8)) + "." + Base64URL.encode(Data(claims.utf8)) + "." + Base64URL.encode(Data([1, 2, 3]))
    }

    @Test("at_hash is the left half of SHA-256 of the access token, base64url (OIDC Core §3.1.3.6)")
    func atHash() {
        // OIDC Core Appendix A.3 pairs this access token with this at_hash; the value was also computed
        // independently (hashlib.sha256(token).digest()[:16], base64url without padding).
        let access = "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"
        #expect(IDTokenClaimChecks.halfHash(access, alg: "RS256") == "77QmUPtjPfzWtF2AnpK9RQ")
    }

    @Test("each claim check passes or fails on its own, by name")
    func checks() throws {
        let now = Date(timeIntervalSince1970: 1_000_000)
        let good = try DecodedJWT(token(#"{"iss":"https://as","aud":"c1","exp":1003600,"iat":999990,"nonce":"n1"}"#))
        let e = IDTokenExpectations(issuer: "https://as", clientID: "c1", nonce: "n1", now: now)
        #expect(IDTokenClaimChecks.run(good, e).filter { !$0.ok }.isEmpty)

        let bad = try DecodedJWT(token(#"{"iss":"https://other","aud":["c2"],"exp":999000,"iat":999990,"nonce":"n2"}"#))
        let failed = Set(IDTokenClaimChecks.run(bad, e).filter { !$0.ok }.map(\.name))
        #expect(failed == ["iss", "aud", "exp", "nonce"])
    }

    @Test("alg none and HMAC are refused before any key is looked at (RFC 8725 §3.1)")
    func algorithms() {
        #expect(IDTokenSignature.rejectAlgorithm("none", allowed: ["RS256"])?.ok == false)
        #expect(IDTokenSignature.rejectAlgorithm("HS256", allowed: ["RS256", "HS256"])?.ok == false)
        #expect(IDTokenSignature.rejectAlgorithm("RS256", allowed: ["RS256"]) == nil)
        #expect(IDTokenSignature.rejectAlgorithm("ES512", allowed: ["RS256"])?.ok == false)
    }
}

@Suite("Multi-tenant issuers")
struct MultiTenantIssuerTests {
    @Test("a {tenantid} metadata issuer is accepted for a multi-tenant alias only, with a finding")
    func template() {
        let body = #"{"issuer":"https://login.microsoftonline.com/{tenantid}/v2.0","authorization_endpoint":"https://login.microsoftonline.com/common/oauth2/v2.0/authorize","token_endpoint":"https://login.microsoftonline.com/common/oauth2/v2.0/token"}"#
        guard case .success(let (m, findings)) = ProviderMetadata.parse(body: body, expectedIssuer: "https://login.microsoftonline.com/common/v2.0") else { Issue.record("rejected"); return }
        #expect(m.issuer.contains("{tenantid}"))
        #expect(findings.contains { $0.code == "discovery.issuer_template" })
        guard case .failure(.issuerMismatch) = ProviderMetadata.parse(body: body, expectedIssuer: "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0") else { Issue.record("a tenant that is not an alias must not match a template"); return }
        guard case .failure(.issuerMismatch) = ProviderMetadata.parse(body: body, expectedIssuer: "https://evil.example/common/v2.0") else { Issue.record("another host must not match"); return }
    }

    @Test("the iss check fills {tenantid} from the token's tid")
    func issWithTid() throws {
        func token(_ claims: String) -> String {
            Base64URL.encode(Data(#"{"alg":"RS256"}"#.utf8)) + "." + Base64URL.encode(Data(claims.utf8)) + ".c2ln"
        }
        let e = IDTokenExpectations(issuer: "https://login.microsoftonline.com/{tenantid}/v2.0", clientID: "c", nonce: nil, now: Date(timeIntervalSince1970: 1_000))
        let good = try DecodedJWT(token(#"{"iss":"https://login.microsoftonline.com/t-1/v2.0","tid":"t-1","aud":"c","exp":5000,"iat":990}"#))
        #expect(IDTokenClaimChecks.run(good, e).first { $0.name == "iss" }?.ok == true)
        let other = try DecodedJWT(token(#"{"iss":"https://login.microsoftonline.com/t-2/v2.0","tid":"t-1","aud":"c","exp":5000,"iat":990}"#))
        #expect(IDTokenClaimChecks.run(other, e).first { $0.name == "iss" }?.ok == false)
    }
}
