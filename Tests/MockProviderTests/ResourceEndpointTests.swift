import Foundation
import OAuthCore
import Testing
@testable import MockProvider

@Suite("UserInfo, revocation and introspection")
struct ResourceEndpointTests {
    private static let basic = HTTPBasicCredentials.headerValue(clientID: MockClient.demo.id, clientSecret: MockClient.demo.secret ?? "")

    @Test("userinfo returns the claims the scopes allow, for a bearer token only")
    func userinfo() async throws {
        try await ProviderHarness.with({ $0.autoApprove = true; $0.users = ["bob", "carol"] }) { h in
            let accessToken = try #require(try await h.tokens()["access_token"]?.stringValue)

            let get = try await h.get("/userinfo", headers: [("Authorization", "Bearer \(accessToken)")])
            #expect(get.status == 200)
            let claims = try #require(get.json)
            #expect(claims["sub"]?.stringValue == "bob")
            #expect(claims["email"]?.stringValue == "bob@example.com")
            #expect(claims["email_verified"] == .bool(true))
            #expect(claims["preferred_username"]?.stringValue == "bob")

            let post = try await h.send(.POST, "/userinfo", headers: [("Authorization", "Bearer \(accessToken)")])
            #expect(post.json == claims)

            let none = try await h.get("/userinfo")
            #expect(none.status == 401)
            #expect(none.header("www-authenticate")?.hasPrefix("Bearer") == true)

            let bad = try await h.get("/userinfo", headers: [("Authorization", "Bearer not-a-token")])
            #expect(bad.status == 401)
            #expect(bad.header("www-authenticate")?.hasPrefix("Bearer error=\"invalid_token\"") == true)
            #expect(bad.json?["error"]?.stringValue == "invalid_token")
        }
    }

    @Test("userinfo leaves out the email claims without the email scope")
    func userinfoScopes() async throws {
        try await ProviderHarness.with({ $0.autoApprove = true }) { h in
            var authorization = ProviderHarness.Authorization()
            authorization.scope = "openid"
            let accessToken = try #require(try await h.tokens(authorization)["access_token"]?.stringValue)
            let claims = try #require(try await h.get("/userinfo", headers: [("Authorization", "Bearer \(accessToken)")]).json)
            #expect(claims["sub"]?.stringValue == "alice")
            #expect(claims["email"] == nil)
            #expect(claims["name"] == nil)
        }
    }

    @Test("introspection shows a token active until it is revoked")
    func revokeAndIntrospect() async throws {
        try await ProviderHarness.with({ $0.autoApprove = true }) { h in
            let tokens = try await h.tokens()
            let accessToken = try #require(tokens["access_token"]?.stringValue)
            let auth = [("Authorization", Self.basic)]

            let active = try await h.postForm("/introspect", [("token", accessToken)], headers: auth)
            #expect(active.status == 200)
            let info = try #require(active.json)
            #expect(info["active"] == .bool(true))
            #expect(info["client_id"]?.stringValue == MockClient.demo.id)
            #expect(info["scope"]?.stringValue == "openid profile email")
            #expect(info["sub"]?.stringValue == "alice")
            #expect(info["token_type"]?.stringValue == "Bearer")
            #expect(info["iss"]?.stringValue == h.base)
            #expect((info["exp"]?.numberValue ?? 0) > Date().timeIntervalSince1970)

            let revoked = try await h.postForm("/revoke", [("token", accessToken), ("token_type_hint", "access_token")], headers: auth)
            #expect(revoked.status == 200)
            #expect(revoked.body.isEmpty)

            let after = try await h.postForm("/introspect", [("token", accessToken)], headers: auth)
            #expect(after.json == .object([("active", .bool(false))]))
            #expect(try await h.get("/userinfo", headers: [("Authorization", "Bearer \(accessToken)")]).status == 401)

            // RFC 7009 §2.2: an unknown token is still 200.
            #expect(try await h.postForm("/revoke", [("token", "unknown")], headers: auth).status == 200)
        }
    }

    @Test("revoking a refresh token also revokes the access tokens of its grant")
    func revokeRefreshToken() async throws {
        try await ProviderHarness.with({ $0.autoApprove = true }) { h in
            let tokens = try await h.tokens()
            let accessToken = try #require(tokens["access_token"]?.stringValue)
            let refreshToken = try #require(tokens["refresh_token"]?.stringValue)
            let auth = [("Authorization", Self.basic)]
            #expect(try await h.postForm("/introspect", [("token", refreshToken)], headers: auth).json?["active"] == .bool(true))

            #expect(try await h.postForm("/revoke", [("token", refreshToken), ("token_type_hint", "refresh_token")], headers: auth).status == 200)
            #expect(try await h.postForm("/introspect", [("token", refreshToken)], headers: auth).json?["active"] == .bool(false))
            #expect(try await h.postForm("/introspect", [("token", accessToken)], headers: auth).json?["active"] == .bool(false))
            let refresh = try await h.token([("grant_type", "refresh_token"), ("refresh_token", refreshToken)])
            #expect(refresh.json?["error"]?.stringValue == "invalid_grant")
        }
    }

    @Test("revocation and introspection need client authentication")
    func clientAuthenticationRequired() async throws {
        try await ProviderHarness.with({ $0.autoApprove = true }) { h in
            let accessToken = try #require(try await h.tokens()["access_token"]?.stringValue)
            let wrong = [("Authorization", HTTPBasicCredentials.headerValue(clientID: MockClient.demo.id, clientSecret: "nope"))]
            for path in ["/revoke", "/introspect"] {
                let reply = try await h.postForm(path, [("token", accessToken)], headers: wrong)
                #expect(reply.status == 401, "\(path)")
                #expect(reply.json?["error"]?.stringValue == "invalid_client")
                let anonymous = try await h.postForm(path, [("token", accessToken)])
                #expect(anonymous.status == 401, "\(path)")
            }
            // The token survived the unauthenticated revocation.
            #expect(try await h.get("/userinfo", headers: [("Authorization", "Bearer \(accessToken)")]).status == 200)
        }
    }
}
