import Foundation
import OAuthCore
import Testing
@testable import MockProvider

@Suite("GET and POST /authorize")
struct AuthorizationEndpointTests {
    @Test("the whole flow through the consent page: approve, exchange with S256 PKCE, tokens")
    func happyPathWithConsent() async throws {
        try await ProviderHarness.with { h in
            var authorization = ProviderHarness.Authorization()
            authorization.redirectURI = "http://127.0.0.1:49152/callback" // any port on loopback (RFC 8252 §7.3)
            let page = try await h.get("/authorize?" + authorization.query)
            #expect(page.status == 200)
            #expect(page.header("cache-control") == "no-store")
            #expect(page.header("content-type")?.hasPrefix("text/html") == true)
            #expect(page.header("location") == nil)
            #expect(page.body.contains("oauthscope-demo wants: openid profile email"))
            #expect(page.body.contains("<form method=\"post\" action=\"/authorize\">"))
            for (name, value) in authorization.parameters {
                #expect(page.body.contains("name=\"\(name)\" value=\"\(value)\""), "hidden input \(name)")
            }

            let approved = try await h.postForm("/authorize", authorization.parameters + [("decision", "approve")])
            #expect(approved.status == 302)
            let location = try #require(approved.header("location"))
            #expect(location.hasPrefix(authorization.redirectURI + "?"))
            let query = approved.locationQuery
            #expect(query.first("state") == authorization.state)
            #expect(query.first("iss") == h.base)
            let code = try #require(query.first("code"))
            #expect(code.count >= 43)

            let reply = try await h.exchange(code, authorization)
            #expect(reply.status == 200)
            #expect(reply.header("cache-control") == "no-store")
            #expect(reply.header("pragma") == "no-cache")
            let tokens = try #require(reply.json)
            #expect(tokens["token_type"]?.stringValue == "Bearer")
            #expect(tokens["expires_in"]?.numberValue == 3600)
            #expect(tokens["scope"]?.stringValue == "openid profile email")
            #expect((tokens["access_token"]?.stringValue ?? "").isEmpty == false)
            #expect((tokens["refresh_token"]?.stringValue ?? "").isEmpty == false)
            #expect(tokens["id_token"]?.stringValue?.split(separator: ".").count == 3)
        }
    }

    @Test("prompt=none is answered at once: consent_required for a signed-in user, login_required without a session, even when consent is skipped",
          arguments: [(false, false, "consent_required"), (true, false, "login_required"), (true, true, "login_required"), (false, true, nil)])
    func promptNone(signedOut: Bool, autoApprove: Bool, error: String?) async throws {
        try await ProviderHarness.with({
            if signedOut { $0.faults.insert(.signedOut) }
            $0.autoApprove = autoApprove
        }) { h in
            let authorization = ProviderHarness.Authorization()
            let reply = try await h.get("/authorize?" + authorization.query + "&prompt=none")
            #expect(reply.status == 302, "never a page: prompt=none forbids one")
            let query = reply.locationQuery
            #expect(query.first("error") == error)
            #expect(query.first("state") == authorization.state)
            #expect((query.first("code") == nil) == (error != nil))
        }
    }

    @Test("deny redirects with access_denied, the state and the issuer")
    func denyIsAccessDenied() async throws {
        try await ProviderHarness.with { h in
            let authorization = ProviderHarness.Authorization()
            let reply = try await h.postForm("/authorize", authorization.parameters + [("decision", "deny")])
            #expect(reply.status == 302)
            #expect(reply.header("location")?.hasPrefix(authorization.redirectURI + "?") == true)
            let query = reply.locationQuery
            #expect(query.first("error") == "access_denied")
            #expect(query.first("error_description")?.isEmpty == false)
            #expect(query.first("state") == authorization.state)
            #expect(query.first("iss") == h.base)
            #expect(query.first("code") == nil)
        }
    }

    @Test("an unregistered redirect_uri gets a 400 page and no redirect", arguments: [
        "https://evil.example/callback",
        "http://127.0.0.1:8765/other-path",
        "http://localhost:8765/callback",
        "http://127.0.0.1:8765/callback#fragment",
    ])
    func unregisteredRedirectURI(redirectURI: String) async throws {
        try await ProviderHarness.with({ $0.autoApprove = true }) { h in
            var authorization = ProviderHarness.Authorization()
            authorization.redirectURI = redirectURI
            for reply in [
                try await h.get("/authorize?" + authorization.query),
                try await h.postForm("/authorize", authorization.parameters + [("decision", "approve")]),
            ] {
                #expect(reply.status == 400)
                #expect(reply.header("location") == nil)
                #expect(reply.header("cache-control") == "no-store")
                #expect(reply.body.contains("redirect_uri"))
                #expect(!reply.body.contains("code="))
            }
        }
    }

    @Test("an unknown client gets a 400 page and no redirect")
    func unknownClient() async throws {
        try await ProviderHarness.with({ $0.autoApprove = true }) { h in
            var authorization = ProviderHarness.Authorization()
            authorization.client.id = "nobody"
            let reply = try await h.get("/authorize?" + authorization.query)
            #expect(reply.status == 400)
            #expect(reply.header("location") == nil)
            #expect(reply.body.contains("Unknown client"))
        }
    }

    @Test("request errors go back to the redirect URI with error, state and iss", arguments: [
        ("response_type", "token", "unsupported_response_type"),
        ("response_type", nil, "invalid_request"),
        ("code_challenge", nil, "invalid_request"),
        ("code_challenge_method", "plain", "invalid_request"),
        ("code_challenge_method", nil, "invalid_request"),
        ("code_challenge", "too-short", "invalid_request"),
        ("scope", "openid admin", "invalid_scope"),
    ] as [(String, String?, String)])
    func errorsRedirect(parameter: String, value: String?, expected: String) async throws {
        try await ProviderHarness.with({ $0.autoApprove = true }) { h in
            let authorization = ProviderHarness.Authorization()
            var parameters = authorization.parameters.filter { $0.0 != parameter }
            if let value { parameters.append((parameter, value)) }
            let reply = try await h.get("/authorize?" + FormURLEncoded.encode(parameters.map { FormField($0.0, $0.1) }))
            #expect(reply.status == 302)
            #expect(reply.header("location")?.hasPrefix(authorization.redirectURI + "?") == true)
            let query = reply.locationQuery
            #expect(query.first("error") == expected, "\(parameter)=\(value ?? "(absent)")")
            #expect(query.first("error_description")?.isEmpty == false)
            #expect(query.first("state") == authorization.state)
            #expect(query.first("iss") == h.base)
            #expect(query.first("code") == nil)
        }
    }

    @Test("a repeated parameter is invalid_request (RFC 6749 §3.1)")
    func repeatedParameter() async throws {
        try await ProviderHarness.with({ $0.autoApprove = true }) { h in
            let authorization = ProviderHarness.Authorization()
            let query = authorization.query + "&scope=email"
            let reply = try await h.get("/authorize?" + query)
            #expect(reply.status == 302)
            #expect(reply.locationQuery.first("error") == "invalid_request")
        }
    }

    @Test("without requirePKCE a request without code_challenge gets a code")
    func pkceOptional() async throws {
        try await ProviderHarness.with({
            $0.autoApprove = true
            $0.requirePKCE = false
        }) { h in
            let authorization = ProviderHarness.Authorization()
            let parameters = authorization.parameters.filter { !$0.0.hasPrefix("code_challenge") }
            let reply = try await h.get("/authorize?" + FormURLEncoded.encode(parameters.map { FormField($0.0, $0.1) }))
            let code = try #require(reply.locationQuery.first("code"))
            // A verifier for a code issued without a challenge is a downgrade attempt (RFC 9700 §2.1.1).
            let withVerifier = try await h.exchange(code, authorization)
            #expect(withVerifier.json?["error"]?.stringValue == "invalid_grant")
        }
    }

    @Test("echoed values are HTML-escaped on the consent page")
    func consentPageEscapes() async throws {
        try await ProviderHarness.with { h in
            var authorization = ProviderHarness.Authorization()
            authorization.state = "\"><script>alert(1)</script>"
            let page = try await h.get("/authorize?" + authorization.query)
            #expect(page.status == 200)
            #expect(!page.body.contains("<script>"))
            #expect(page.body.contains("value=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\""))
        }
    }

    @Test("the redirect keeps the registered URI's own query")
    func redirectKeepsQuery() async throws {
        let client = MockClient(id: "with-query", secret: "s", redirectURIs: ["http://127.0.0.1:9000/cb?tenant=a"], authMethod: .clientSecretBasic)
        try await ProviderHarness.with({
            $0.autoApprove = true
            $0.clients = [client]
        }) { h in
            var authorization = ProviderHarness.Authorization()
            authorization.client = client
            authorization.redirectURI = "http://127.0.0.1:9000/cb?tenant=a"
            let reply = try await h.get("/authorize?" + authorization.query)
            #expect(reply.header("location")?.hasPrefix("http://127.0.0.1:9000/cb?tenant=a&code=") == true)
        }
    }
}
