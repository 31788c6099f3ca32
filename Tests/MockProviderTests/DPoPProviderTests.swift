import Foundation
import OAuthCore
import Testing
@testable import MockProvider

@Suite("The embedded provider's DPoP (RFC 9449)")
struct DPoPProviderTests {
    private static let basic = HTTPBasicCredentials.headerValue(clientID: MockClient.demo.id, clientSecret: MockClient.demo.secret ?? "")

    /// The code exchange of a fresh authorization, with `proof` made for the token endpoint.
    private static func exchange(_ h: ProviderHarness, proof: (URL) -> String) async throws -> ProviderHarness.Reply {
        let authorization = ProviderHarness.Authorization()
        let code = try await h.code(for: authorization)
        let tokenURL = try #require(URL(string: h.base + "/token"))
        let body = FormURLEncoded.encode([
            FormField("grant_type", "authorization_code"), FormField("code", code),
            FormField("redirect_uri", authorization.redirectURI), FormField("code_verifier", authorization.pkce.verifier.value),
        ])
        return try await h.send(.POST, "/token", headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Authorization", basic), ("DPoP", proof(tokenURL))], body: body)
    }

    @Test("the token endpoint asks for a nonce first, then binds the token to the proof's key")
    func handshakeAndBinding() async throws {
        try await ProviderHarness.with({ $0.autoApprove = true }) { h in
            let key = DPoPKey()
            let tokenURL = try #require(URL(string: h.base + "/token"))
            // Without a nonce: 400 use_dpop_nonce with a DPoP-Nonce header, and the code is not spent.
            let authorization = ProviderHarness.Authorization()
            let code = try await h.code(for: authorization)
            let body = FormURLEncoded.encode([
                FormField("grant_type", "authorization_code"), FormField("code", code),
                FormField("redirect_uri", authorization.redirectURI), FormField("code_verifier", authorization.pkce.verifier.value),
            ])
            func post(_ proof: String) async throws -> ProviderHarness.Reply {
                try await h.send(.POST, "/token", headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Authorization", Self.basic), ("DPoP", proof)], body: body)
            }
            let first = try await post(key.proof(method: "POST", url: tokenURL).jwt)
            #expect(first.status == 400)
            #expect(first.json?["error"]?.stringValue == "use_dpop_nonce")
            let nonce = try #require(first.header("dpop-nonce"))
            // A nonce this provider never gave is refused the same way.
            let stale = try await post(key.proof(method: "POST", url: tokenURL, nonce: "made-up").jwt)
            #expect(stale.json?["error"]?.stringValue == "use_dpop_nonce")

            let proof = key.proof(method: "POST", url: tokenURL, nonce: nonce).jwt
            let second = try await post(proof)
            #expect(second.status == 200, "\(second.body)")
            let tokens = try #require(second.json)
            #expect(tokens["token_type"]?.stringValue == "DPoP")
            let access = try #require(tokens["access_token"]?.stringValue)
            let jwt = try DecodedJWT(access)
            #expect(jwt.claims["cnf"]?["jkt"]?.stringValue == key.thumbprint)
            #expect(jwt.header["typ"]?.stringValue == "at+jwt")

            // The same proof again is a replay.
            let replay = try await post(proof)
            #expect(replay.json?["error"]?.stringValue == "invalid_dpop_proof")
            #expect(replay.json?["error_description"]?.stringValue?.contains("already used") == true)

            // The resource: nonce first (401 with a DPoP challenge), then the answer; Bearer is refused for a bound token.
            let meURL = try #require(URL(string: h.base + "/api/me"))
            let noNonce = try await h.get("/api/me", headers: [("Authorization", "DPoP \(access)"), ("DPoP", key.proof(method: "GET", url: meURL, accessToken: access).jwt)])
            #expect(noNonce.status == 401)
            #expect(noNonce.header("www-authenticate")?.hasPrefix("DPoP error=\"use_dpop_nonce\"") == true)
            let resourceNonce = try #require(noNonce.header("dpop-nonce"))
            let me = try await h.get("/api/me", headers: [("Authorization", "DPoP \(access)"), ("DPoP", key.proof(method: "GET", url: meURL, nonce: resourceNonce, accessToken: access).jwt)])
            #expect(me.status == 200)
            #expect(me.json?["cnf"]?["jkt"]?.stringValue == key.thumbprint)
            let wrongAth = try await h.get("/api/me", headers: [("Authorization", "DPoP \(access)"), ("DPoP", key.proof(method: "GET", url: meURL, nonce: resourceNonce, accessToken: "other").jwt)])
            #expect(wrongAth.status == 401)
            #expect(wrongAth.json?["error"]?.stringValue == "invalid_dpop_proof")
            let otherKey = try await h.get("/api/me", headers: [("Authorization", "DPoP \(access)"), ("DPoP", DPoPKey().proof(method: "GET", url: meURL, nonce: resourceNonce, accessToken: access).jwt)])
            #expect(otherKey.status == 401)
            #expect(otherKey.json?["error"]?.stringValue == "invalid_token")
            let asBearer = try await h.get("/api/me", headers: [("Authorization", "Bearer \(access)")])
            #expect(asBearer.status == 401)
            #expect(asBearer.header("www-authenticate")?.contains("invalid_token") == true)
            let discovery = try await h.get("/.well-known/openid-configuration")
            #expect(discovery.json?["dpop_signing_alg_values_supported"] == .array([.string("ES256")]))
        }
    }

    @Test("a proof for another URL or method is invalid_dpop_proof")
    func wrongTarget() async throws {
        try await ProviderHarness.with({ $0.autoApprove = true }) { h in
            let key = DPoPKey()
            let wrongURL = try await Self.exchange(h) { _ in key.proof(method: "POST", url: URL(string: "http://elsewhere.example/token")!).jwt }
            #expect(wrongURL.json?["error"]?.stringValue == "invalid_dpop_proof")
            #expect(wrongURL.json?["error_description"]?.stringValue?.contains("htu") == true)
            let wrongMethod = try await Self.exchange(h) { url in key.proof(method: "GET", url: url).jwt }
            #expect(wrongMethod.json?["error_description"]?.stringValue?.contains("htm") == true)
        }
    }

    @Test("the faults: dpop-bearer answers an unbound Bearer token, dpop-wrong-jkt binds to another key")
    func faults() async throws {
        for fault in [MockFault.dpopBearer, .dpopWrongJkt] {
            try await ProviderHarness.with({ $0.autoApprove = true; $0.faults = [fault] }) { h in
                let key = DPoPKey()
                let first = try await Self.exchange(h) { url in key.proof(method: "POST", url: url).jwt }
                let nonce = try #require(first.header("dpop-nonce"))
                let reply = try await Self.exchange(h) { url in key.proof(method: "POST", url: url, nonce: nonce).jwt }
                let tokens = try #require(reply.json)
                switch fault {
                case .dpopBearer:
                    #expect(tokens["token_type"]?.stringValue == "Bearer")
                    #expect((try? DecodedJWT(tokens["access_token"]?.stringValue ?? "")) == nil)
                default:
                    #expect(tokens["token_type"]?.stringValue == "DPoP")
                    let jkt = try DecodedJWT(tokens["access_token"]?.stringValue ?? "").claims["cnf"]?["jkt"]?.stringValue
                    #expect(jkt != nil && jkt != key.thumbprint)
                }
            }
        }
    }

    @Test("a code bound by dpop_jkt (RFC 9449 §10) is redeemed only with a proof of that key; a replay with one is refused for the reused code")
    func codeBoundToTheKey() async throws {
        try await ProviderHarness.with({ $0.autoApprove = true }) { h in
            let key = DPoPKey(), other = DPoPKey()
            let tokenURL = try #require(URL(string: h.base + "/token"))
            let authorization = ProviderHarness.Authorization()
            let query = FormURLEncoded.encode((authorization.parameters + [("dpop_jkt", key.thumbprint)]).map { FormField($0.0, $0.1) })
            let code = try #require(try await h.get("/authorize?" + query).locationQuery.first("code"))
            let body = FormURLEncoded.encode([
                FormField("grant_type", "authorization_code"), FormField("code", code),
                FormField("redirect_uri", authorization.redirectURI), FormField("code_verifier", authorization.pkce.verifier.value),
            ])
            func post(_ proof: String?) async throws -> ProviderHarness.Reply {
                var headers = [("Content-Type", "application/x-www-form-urlencoded"), ("Authorization", Self.basic)]
                if let proof { headers.append(("DPoP", proof)) }
                return try await h.send(.POST, "/token", headers: headers, body: body)
            }
            // No proof: refused for the binding, and the code is not spent.
            let bare = try await post(nil)
            #expect(bare.status == 400)
            #expect(bare.json?["error"]?.stringValue == "invalid_dpop_proof", "\(bare.body)")
            let nonce = try #require(try await post(key.proof(method: "POST", url: tokenURL).jwt).header("dpop-nonce"))
            // A proof of another key: refused the same way.
            let foreign = try await post(other.proof(method: "POST", url: tokenURL, nonce: nonce).jwt)
            #expect(foreign.json?["error"]?.stringValue == "invalid_dpop_proof", "\(foreign.body)")
            // The bound key: tokens, bound to it.
            let issued = try await post(key.proof(method: "POST", url: tokenURL, nonce: nonce).jwt)
            #expect(issued.status == 200, "\(issued.body)")
            #expect(issued.json?["token_type"]?.stringValue == "DPoP")
            // The code again: without a proof the refusal is the binding's; with a fresh proof, the reused code's.
            #expect(try await post(nil).json?["error"]?.stringValue == "invalid_dpop_proof")
            let replay = try await post(key.proof(method: "POST", url: tokenURL, nonce: nonce).jwt)
            #expect(replay.status == 400)
            #expect(replay.json?["error"]?.stringValue == "invalid_grant", "\(replay.body)")
        }
    }

    @Test("a dpop_jkt that is no SHA-256 thumbprint is refused at the authorization endpoint")
    func malformedBinding() async throws {
        try await ProviderHarness.with({ $0.autoApprove = true }) { h in
            let authorization = ProviderHarness.Authorization()
            let query = FormURLEncoded.encode((authorization.parameters + [("dpop_jkt", "not-a-thumbprint")]).map { FormField($0.0, $0.1) })
            let reply = try await h.get("/authorize?" + query)
            #expect(reply.status == 302)
            #expect(reply.locationQuery.first("error") == "invalid_request")
            #expect(reply.locationQuery.first("code") == nil)
        }
    }
}
