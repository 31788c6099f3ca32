import Foundation
import OAuthCore
import Testing
@testable import MockProvider

@Suite("POST /token")
struct TokenEndpointTests {
    private static func autoApprove(_ c: inout MockProviderConfiguration) { c.autoApprove = true }

    @Test("a wrong code_verifier is invalid_grant, and the code is spent")
    func wrongVerifier() async throws {
        try await ProviderHarness.with(Self.autoApprove) { h in
            let authorization = ProviderHarness.Authorization()
            let code = try await h.code(for: authorization)
            let wrong = try await h.exchange(code, authorization, verifier: PKCE.generate().verifier.value)
            #expect(wrong.status == 400)
            #expect(wrong.header("cache-control") == "no-store")
            #expect(wrong.header("pragma") == "no-cache")
            #expect(wrong.json?["error"]?.stringValue == "invalid_grant")
            #expect(wrong.json?["error_description"]?.stringValue?.contains("RFC 7636") == true)
            let retry = try await h.exchange(code, authorization)
            #expect(retry.json?["error"]?.stringValue == "invalid_grant")
        }
    }

    @Test("a missing code_verifier is invalid_grant")
    func missingVerifier() async throws {
        try await ProviderHarness.with(Self.autoApprove) { h in
            let authorization = ProviderHarness.Authorization()
            let code = try await h.code(for: authorization)
            let reply = try await h.token([("grant_type", "authorization_code"), ("code", code), ("redirect_uri", authorization.redirectURI)])
            #expect(reply.status == 400)
            #expect(reply.json?["error"]?.stringValue == "invalid_grant")
        }
    }

    @Test("a second use of a code is invalid_grant and revokes the tokens issued from it")
    func codeReuse() async throws {
        try await ProviderHarness.with(Self.autoApprove) { h in
            let authorization = ProviderHarness.Authorization()
            let code = try await h.code(for: authorization)
            let first = try await h.exchange(code, authorization)
            #expect(first.status == 200)
            let accessToken = try #require(first.json?["access_token"]?.stringValue)
            let refreshToken = try #require(first.json?["refresh_token"]?.stringValue)
            #expect(try await h.get("/userinfo", headers: [("Authorization", "Bearer \(accessToken)")]).status == 200)

            let second = try await h.exchange(code, authorization)
            #expect(second.status == 400)
            #expect(second.json?["error"]?.stringValue == "invalid_grant")

            #expect(try await h.get("/userinfo", headers: [("Authorization", "Bearer \(accessToken)")]).status == 401)
            let refresh = try await h.token([("grant_type", "refresh_token"), ("refresh_token", refreshToken)])
            #expect(refresh.json?["error"]?.stringValue == "invalid_grant")
        }
    }

    @Test("a redirect_uri that differs from the authorization request's is invalid_grant", arguments: [
        "http://127.0.0.1:8765/other", "http://127.0.0.1:9999/callback", nil,
    ] as [String?])
    func wrongRedirectURI(redirectURI: String?) async throws {
        try await ProviderHarness.with(Self.autoApprove) { h in
            let authorization = ProviderHarness.Authorization()
            let code = try await h.code(for: authorization)
            var fields = [("grant_type", "authorization_code"), ("code", code), ("code_verifier", authorization.pkce.verifier.value)]
            if let redirectURI { fields.append(("redirect_uri", redirectURI)) }
            let reply = try await h.token(fields)
            #expect(reply.status == 400)
            #expect(reply.json?["error"]?.stringValue == "invalid_grant")
            #expect(reply.json?["error_description"]?.stringValue?.contains("redirect_uri") == true)
        }
    }

    @Test("a wrong client secret is 401 invalid_client with a Basic challenge")
    func badClientSecret() async throws {
        try await ProviderHarness.with(Self.autoApprove) { h in
            let authorization = ProviderHarness.Authorization()
            let code = try await h.code(for: authorization)
            let reply = try await h.postForm("/token", [
                ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", authorization.redirectURI),
                ("code_verifier", authorization.pkce.verifier.value),
            ], headers: [("Authorization", HTTPBasicCredentials.headerValue(clientID: MockClient.demo.id, clientSecret: "wrong"))])
            #expect(reply.status == 401)
            #expect(reply.header("www-authenticate") == "Basic realm=\"mock\"")
            #expect(reply.json?["error"]?.stringValue == "invalid_client")
            #expect(reply.header("cache-control") == "no-store")

            // The failed attempt did not consume the code: client authentication comes first.
            #expect(try await h.exchange(code, authorization).status == 200)
        }
    }

    @Test("a client_secret_basic client that sends its secret in the body is invalid_client")
    func wrongAuthMethod() async throws {
        try await ProviderHarness.with(Self.autoApprove) { h in
            let reply = try await h.postForm("/token", [
                ("grant_type", "authorization_code"), ("code", "x"),
                ("client_id", MockClient.demo.id), ("client_secret", MockClient.demo.secret ?? ""),
            ])
            #expect(reply.status == 401)
            #expect(reply.json?["error"]?.stringValue == "invalid_client")
            #expect(reply.header("www-authenticate") == nil)
        }
    }

    @Test("client_secret_post and public clients authenticate by their registered method", arguments: [
        MockClient(id: "post-client", secret: "post-secret", redirectURIs: ["http://127.0.0.1:7000/cb"], authMethod: .clientSecretPost),
        MockClient(id: "native-app", secret: nil, redirectURIs: ["http://127.0.0.1/cb"], authMethod: .none),
    ])
    func otherAuthMethods(client: MockClient) async throws {
        try await ProviderHarness.with({
            $0.autoApprove = true
            $0.clients = [.demo, client]
        }) { h in
            var authorization = ProviderHarness.Authorization()
            authorization.client = client
            authorization.redirectURI = "http://127.0.0.1:53111/cb"
            let tokens = try await h.tokens(authorization)
            #expect(tokens["token_type"]?.stringValue == "Bearer")
            // The demo client cannot redeem another client's code.
            let other = try await h.code(for: authorization)
            let stolen = try await h.exchange(other, { var a = authorization; a.client = .demo; return a }())
            #expect(stolen.json?["error"]?.stringValue == "invalid_grant")
        }
    }

    @Test("a JSON body is accepted like a form")
    func jsonBody() async throws {
        try await ProviderHarness.with(Self.autoApprove) { h in
            let authorization = ProviderHarness.Authorization()
            let code = try await h.code(for: authorization)
            let body = JSONValue.object([
                ("grant_type", .string("authorization_code")), ("code", .string(code)),
                ("redirect_uri", .string(authorization.redirectURI)), ("code_verifier", .string(authorization.pkce.verifier.value)),
            ]).serialized()
            let reply = try await h.send(.POST, "/token", headers: [
                ("Content-Type", "application/json"),
                ("Authorization", HTTPBasicCredentials.headerValue(clientID: MockClient.demo.id, clientSecret: MockClient.demo.secret ?? "")),
            ], body: body)
            #expect(reply.status == 200)
            #expect(reply.json?["access_token"] != nil)
        }
    }

    @Test("an unknown grant type is unsupported_grant_type")
    func unsupportedGrant() async throws {
        try await ProviderHarness.with { h in
            let reply = try await h.token([("grant_type", "password"), ("username", "alice"), ("password", "x")])
            #expect(reply.status == 400)
            #expect(reply.json?["error"]?.stringValue == "unsupported_grant_type")
        }
    }

    @Test("a code past its lifetime is invalid_grant")
    func expiredCode() async throws {
        let clock = ManualClock()
        try await ProviderHarness.with({
            $0.autoApprove = true
            $0.codeLifetime = .seconds(60)
        }, now: { clock.now }) { h in
            let authorization = ProviderHarness.Authorization()
            let fresh = try await h.code(for: authorization)
            clock.advance(by: 59)
            #expect(try await h.exchange(fresh, authorization).status == 200)

            let stale = try await h.code(for: authorization)
            clock.advance(by: 61)
            let reply = try await h.exchange(stale, authorization)
            #expect(reply.status == 400)
            #expect(reply.json?["error"]?.stringValue == "invalid_grant")
            #expect(reply.json?["error_description"]?.stringValue?.contains("expired") == true)
        }
    }

    @Test("a refresh rotates the refresh token; the old one is then invalid_grant")
    func refreshRotation() async throws {
        try await ProviderHarness.with(Self.autoApprove) { h in
            let first = try await h.tokens()
            let refresh1 = try #require(first["refresh_token"]?.stringValue)

            let second = try await h.token([("grant_type", "refresh_token"), ("refresh_token", refresh1)])
            #expect(second.status == 200)
            let refresh2 = try #require(second.json?["refresh_token"]?.stringValue)
            #expect(refresh2 != refresh1)
            #expect(second.json?["access_token"]?.stringValue != first["access_token"]?.stringValue)
            #expect(second.json?["scope"]?.stringValue == "openid profile email")
            #expect(second.json?["id_token"]?.stringValue != nil)

            let replay = try await h.token([("grant_type", "refresh_token"), ("refresh_token", refresh1)])
            #expect(replay.status == 400)
            #expect(replay.json?["error"]?.stringValue == "invalid_grant")

            let narrowed = try await h.token([("grant_type", "refresh_token"), ("refresh_token", refresh2), ("scope", "openid")])
            #expect(narrowed.status == 200)
            #expect(narrowed.json?["scope"]?.stringValue == "openid")
            let refresh3 = try #require(narrowed.json?["refresh_token"]?.stringValue)

            let widened = try await h.token([("grant_type", "refresh_token"), ("refresh_token", refresh3), ("scope", "openid offline_access")])
            #expect(widened.json?["error"]?.stringValue == "invalid_scope")
        }
    }
}
