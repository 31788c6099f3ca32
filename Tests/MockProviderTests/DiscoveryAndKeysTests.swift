import Crypto
import Foundation
import JWTKit
import OAuthCore
import Testing
@testable import MockProvider

/// The ID token claims as a relying party reads them.
struct ReceivedIDTokenClaims: JWTPayload {
    var iss: String
    var sub: String
    var aud: String
    var exp: Int
    var iat: Int
    var auth_time: Int
    var nonce: String?
    var at_hash: String?
    var email: String?

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

@Suite("Discovery, JWKS and ID token signatures")
struct DiscoveryAndKeysTests {
    @Test("both metadata documents name the issuer exactly and every endpoint under it")
    func discoveryDocument() async throws {
        try await ProviderHarness.with { h in
            let oidc = try await h.get("/.well-known/openid-configuration")
            let oauth = try await h.get("/.well-known/oauth-authorization-server")
            #expect(oidc.status == 200)
            #expect(oidc.header("content-type") == "application/json")
            let doc = try #require(oidc.json)
            #expect(oauth.json == doc)

            let issuer = h.base
            #expect(!issuer.hasSuffix("/"))
            #expect(issuer.hasPrefix("http://127.0.0.1:"))
            #expect(doc["issuer"]?.stringValue == issuer)
            #expect(doc["authorization_endpoint"]?.stringValue == issuer + "/authorize")
            #expect(doc["token_endpoint"]?.stringValue == issuer + "/token")
            #expect(doc["jwks_uri"]?.stringValue == issuer + "/jwks")
            #expect(doc["userinfo_endpoint"]?.stringValue == issuer + "/userinfo")
            #expect(doc["revocation_endpoint"]?.stringValue == issuer + "/revoke")
            #expect(doc["introspection_endpoint"]?.stringValue == issuer + "/introspect")
            #expect(doc["response_types_supported"] == .array([.string("code")]))
            let grants = doc["grant_types_supported"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(Set(grants).isSuperset(of: ["authorization_code", "refresh_token", "client_credentials", "urn:ietf:params:oauth:grant-type:token-exchange"]))
            #expect(doc["code_challenge_methods_supported"] == .array([.string("S256")]))
            #expect(doc["token_endpoint_auth_methods_supported"] == .array([.string("client_secret_basic"), .string("client_secret_post"), .string("none")]))
            #expect(doc["id_token_signing_alg_values_supported"] == .array([.string("ES256")]))
            #expect(doc["subject_types_supported"] == .array([.string("public")]))
            let scopes = doc["scopes_supported"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(Set(["openid", "profile", "email"]).isSubset(of: Set(scopes)))
            #expect(doc["authorization_response_iss_parameter_supported"] == .bool(true))
        }
    }

    @Test("the JWKS publishes one signing key with kid, alg and use", arguments: [SigningAlgorithm.es256, .rs256])
    func jwks(algorithm: SigningAlgorithm) async throws {
        try await ProviderHarness.with({ $0.signingAlgorithm = algorithm }) { h in
            let reply = try await h.get("/jwks")
            #expect(reply.status == 200)
            let keys = try #require(reply.json?["keys"]?.arrayValue)
            #expect(keys.count == 1)
            let key = try #require(keys.first)
            #expect(key["alg"]?.stringValue == algorithm.rawValue)
            #expect(key["use"]?.stringValue == "sig")
            #expect(key["kty"]?.stringValue == (algorithm == .es256 ? "EC" : "RSA"))
            #expect((key["kid"]?.stringValue ?? "").isEmpty == false)
            // Only the public half: no private members of RFC 7518 §6.2.2 / §6.3.2.
            #expect(key["d"] == nil)
            #expect(key["p"] == nil)
            let discovery = try await h.get("/.well-known/openid-configuration")
            #expect(discovery.json?["id_token_signing_alg_values_supported"] == .array([.string(algorithm.rawValue)]))
        }
    }

    @Test("the ID token verifies against /jwks and binds nonce, audience and access token", arguments: [SigningAlgorithm.es256, .rs256])
    func idTokenSignatureAndClaims(algorithm: SigningAlgorithm) async throws {
        try await ProviderHarness.with({
            $0.signingAlgorithm = algorithm
            $0.autoApprove = true
        }) { h in
            let authorization = ProviderHarness.Authorization()
            let tokens = try await h.tokens(authorization)
            let idToken = try #require(tokens["id_token"]?.stringValue)
            let accessToken = try #require(tokens["access_token"]?.stringValue)

            let jwksBody = try await h.get("/jwks").body
            let keys = JWTKeyCollection()
            try await keys.add(jwksJSON: jwksBody)
            let claims = try await keys.verify(idToken, as: ReceivedIDTokenClaims.self)

            let header = try #require(Base64URL.decode(idToken.split(separator: ".")[0]).flatMap { JSONValue.parse($0) })
            #expect(header["alg"]?.stringValue == algorithm.rawValue)
            #expect(header["kid"]?.stringValue == JSONValue.parse(jwksBody)?["keys"]?.arrayValue?.first?["kid"]?.stringValue)

            let now = Int(Date().timeIntervalSince1970)
            #expect(claims.iss == h.base)
            #expect(claims.sub == "alice")
            #expect(claims.aud == MockClient.demo.id)
            #expect(claims.nonce == authorization.nonce)
            #expect(claims.email == "alice@example.com")
            #expect(abs(claims.iat - now) < 60)
            #expect(claims.exp == claims.iat + 3600)
            #expect(claims.auth_time <= claims.iat)

            // OIDC Core §3.1.3.6: left half of SHA-256 of the ASCII access token, base64url.
            let digest = Array(SHA256.hash(data: Data(accessToken.utf8)))
            #expect(claims.at_hash == Base64URL.encode(digest.prefix(16)))

            // A token altered after signing must not verify.
            var parts = idToken.split(separator: ".").map(String.init)
            let forged = JSONValue.object([("iss", .string(claims.iss)), ("sub", .string("mallory")), ("aud", .string(claims.aud)),
                                           ("exp", .number(Double(claims.exp))), ("iat", .number(Double(claims.iat))),
                                           ("auth_time", .number(Double(claims.auth_time)))])
            parts[1] = Base64URL.encode(Data(forged.serialized().utf8))
            await #expect(throws: (any Error).self) {
                _ = try await keys.verify(parts.joined(separator: "."), as: ReceivedIDTokenClaims.self)
            }
        }
    }

    @Test("each start generates a new key, and another provider's key does not verify the token")
    func keysDifferBetweenProviders() async throws {
        let otherJWKS = try await ProviderHarness.with { try await $0.get("/jwks").body }
        try await ProviderHarness.with({ $0.autoApprove = true }) { h in
            let idToken = try #require(try await h.tokens()["id_token"]?.stringValue)
            let ownJWKS = try await h.get("/jwks").body
            #expect(ownJWKS != otherJWKS)
            let keys = JWTKeyCollection()
            try await keys.add(jwksJSON: otherJWKS)
            await #expect(throws: (any Error).self) {
                _ = try await keys.verify(idToken, as: ReceivedIDTokenClaims.self)
            }
        }
    }

    @Test("no ID token without the openid scope")
    func noIDTokenWithoutOpenID() async throws {
        try await ProviderHarness.with({ $0.autoApprove = true }) { h in
            var authorization = ProviderHarness.Authorization()
            authorization.scope = "profile"
            let tokens = try await h.tokens(authorization)
            #expect(tokens["access_token"]?.stringValue != nil)
            #expect(tokens["scope"]?.stringValue == "profile")
            #expect(tokens["id_token"] == nil)
        }
    }
}
