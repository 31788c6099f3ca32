import Crypto
import CryptoExtras
import Foundation
import JWTKit
import OAuthCore
import Testing
@testable import MockProvider

/// Each fault must put exactly its defect into the provider's output: the tests decode what came over HTTP and run
/// the relying party's own checks on it, expecting the one check the fault targets to fail and every other to pass.
@Suite("Injected faults")
struct FaultTests {
    /// A whole flow against a provider with `faults`, returning what a client would hold afterwards.
    struct Issued {
        var authorization: ProviderHarness.Authorization
        var tokens: JSONValue
        var idToken: String
        var accessToken: String
        var jwt: DecodedJWT
    }

    static func issue(_ h: ProviderHarness, _ authorization: ProviderHarness.Authorization = .init()) async throws -> Issued {
        let tokens = try await h.tokens(authorization)
        let idToken = try #require(tokens["id_token"]?.stringValue)
        let accessToken = try #require(tokens["access_token"]?.stringValue)
        return Issued(authorization: authorization, tokens: tokens, idToken: idToken, accessToken: accessToken, jwt: try DecodedJWT(idToken))
    }

    /// The names of the relying party's checks (OIDC Core §3.1.3.7, RFC 8725 §3.1) that fail on this ID token.
    static func failingChecks(_ issued: Issued, _ h: ProviderHarness, jwks: String) async -> Set<String> {
        let expectations = IDTokenExpectations(
            issuer: h.base, clientID: issued.authorization.client.id, nonce: issued.authorization.nonce,
            accessToken: issued.accessToken, now: Date(), clockSkew: 60
        )
        var checks = IDTokenClaimChecks.run(issued.jwt, expectations)
        checks.append(await IDTokenSignature.verify(token: issued.idToken, jwksJSON: jwks, allowedAlgorithms: IDTokenSignature.defaultAllowed))
        return Set(checks.filter { !$0.ok }.map(\.name))
    }

    static func faulty(_ faults: Set<MockFault>, _ algorithm: SigningAlgorithm = .es256) -> (inout MockProviderConfiguration) -> Void {
        { configuration in
            configuration.autoApprove = true
            configuration.faults = faults
            configuration.signingAlgorithm = algorithm
        }
    }

    static func verifies(_ token: String, with jwks: String) async -> Bool {
        let keys = JWTKeyCollection()
        do {
            try await keys.add(jwksJSON: jwks)
            _ = try await keys.verify(token, as: ReceivedIDTokenClaims.self)
            return true
        } catch {
            return false
        }
    }

    // MARK: - Names

    @Test("every fault has a unique kebab-case name that MockFault(rawValue:) and MockFault(name:) accept")
    func names() {
        let names = MockFault.allCases.map(\.rawValue)
        #expect(Set(names).count == names.count)
        for fault in MockFault.allCases {
            #expect(fault.rawValue.range(of: "^[a-z0-9]+(-[a-z0-9]+)*$", options: .regularExpression) != nil, "\(fault.rawValue)")
            #expect(MockFault(rawValue: fault.rawValue) == fault)
            #expect(MockFault(name: fault.rawValue.uppercased()) == fault)
            #expect(MockFault(name: fault.rawValue.replacingOccurrences(of: "-", with: "_")) == fault)
            #expect(!fault.summary.isEmpty)
        }
        #expect(MockFault(name: "badSignature") == .badSignature)
        #expect(MockFault(name: "hmacKeyConfusion") == .hmacKeyConfusion)
        #expect(MockFault(name: "wrongAuthorizedParty") == .wrongAuthorizedParty)
        #expect(MockFault(rawValue: "expires-in-string") == .expiresInString)
        #expect(MockFault(name: "no-such-fault") == nil)
        #expect(MockFault(name: "") == nil)
    }

    // MARK: - ID token: exactly one check fails

    @Test("without faults every check on the ID token passes", arguments: [SigningAlgorithm.es256, .rs256])
    func baseline(algorithm: SigningAlgorithm) async throws {
        try await ProviderHarness.with(Self.faulty([], algorithm)) { h in
            let issued = try await Self.issue(h)
            #expect(await Self.failingChecks(issued, h, jwks: try await h.get("/jwks").body) == [])
        }
    }

    @Test("each ID-token fault fails exactly the check it targets", arguments: [
        (MockFault.badSignature, "signature"),
        (.wrongAudience, "aud"),
        (.wrongAuthorizedParty, "azp"),
        (.expiredIDToken, "exp"),
        (.issuedInFuture, "iat"),
        (.missingNonce, "nonce"),
        (.wrongNonce, "nonce"),
        (.algNone, "signature"),
        (.hmacKeyConfusion, "signature"),
        (.unknownKid, "signature"),
        (.wrongAtHash, "at_hash"),
        (.wrongIssuerInToken, "iss"),
    ])
    func exactlyOneCheckFails(fault: MockFault, check: String) async throws {
        try await ProviderHarness.with(Self.faulty([fault])) { h in
            let issued = try await Self.issue(h)
            #expect(await Self.failingChecks(issued, h, jwks: try await h.get("/jwks").body) == [check])
        }
    }

    // MARK: - ID token: the defect itself

    @Test("bad-signature: the signature bytes are altered; restoring them makes the token verify", arguments: [SigningAlgorithm.es256, .rs256])
    func badSignature(algorithm: SigningAlgorithm) async throws {
        try await ProviderHarness.with(Self.faulty([.badSignature], algorithm)) { h in
            let issued = try await Self.issue(h)
            let jwks = try await h.get("/jwks").body
            #expect(issued.jwt.algorithm == algorithm.rawValue)
            #expect(IDTokenSignature.jwks(jwks, containsKeyID: issued.jwt.keyID))
            #expect(issued.jwt.signature.count == (algorithm == .es256 ? 64 : 256))
            #expect(await Self.verifies(issued.idToken, with: jwks) == false)

            var restored = issued.jwt.signature
            restored[restored.startIndex] ^= 0xFF
            #expect(await Self.verifies(issued.jwt.signingInput + "." + Base64URL.encode(restored), with: jwks))
        }
    }

    @Test("wrong-audience: aud is another client")
    func wrongAudience() async throws {
        try await ProviderHarness.with(Self.faulty([.wrongAudience])) { h in
            let issued = try await Self.issue(h)
            #expect(issued.jwt.claims["aud"] == .string(MockFault.foreignClientID))
            #expect(MockFault.foreignClientID != issued.authorization.client.id)
            #expect(issued.jwt.claims["azp"] == nil)
            #expect(await Self.verifies(issued.idToken, with: try await h.get("/jwks").body))
        }
    }

    @Test("wrong-azp: aud holds the client and another, and azp names the other")
    func wrongAuthorizedParty() async throws {
        try await ProviderHarness.with(Self.faulty([.wrongAuthorizedParty])) { h in
            let issued = try await Self.issue(h)
            #expect(issued.jwt.claims["aud"] == .array([.string(MockClient.demo.id), .string(MockFault.foreignClientID)]))
            #expect(issued.jwt.claims["azp"] == .string(MockFault.foreignClientID))
        }
    }

    @Test("expired-id-token: exp is an hour in the past and iat before it")
    func expiredIDToken() async throws {
        try await ProviderHarness.with(Self.faulty([.expiredIDToken])) { h in
            let issued = try await Self.issue(h)
            let now = Date().timeIntervalSince1970
            let exp = try #require(issued.jwt.claims["exp"]?.numberValue)
            let iat = try #require(issued.jwt.claims["iat"]?.numberValue)
            let authTime = try #require(issued.jwt.claims["auth_time"]?.numberValue)
            #expect(exp <= now - 3600 + 5)
            #expect(exp >= now - 3600 - 60)
            #expect(iat < exp)
            #expect(authTime <= iat)
            #expect(await Self.verifies(issued.idToken, with: try await h.get("/jwks").body), "the signature is still good")
        }
    }

    @Test("issued-in-future: iat is an hour ahead")
    func issuedInFuture() async throws {
        try await ProviderHarness.with(Self.faulty([.issuedInFuture])) { h in
            let issued = try await Self.issue(h)
            let iat = try #require(issued.jwt.claims["iat"]?.numberValue)
            #expect(iat >= Date().timeIntervalSince1970 + 3600 - 5)
            #expect(issued.jwt.claims["exp"]?.numberValue == iat + 3600)
        }
    }

    @Test("missing-nonce: no nonce claim although the request sent one")
    func missingNonce() async throws {
        try await ProviderHarness.with(Self.faulty([.missingNonce])) { h in
            let issued = try await Self.issue(h)
            #expect(issued.authorization.parameters.contains { $0.0 == "nonce" && !$0.1.isEmpty })
            #expect(issued.jwt.claims["nonce"] == nil)
            #expect(issued.jwt.claims["at_hash"] != nil)
        }
    }

    @Test("wrong-nonce: the nonce claim differs from the one sent")
    func wrongNonce() async throws {
        try await ProviderHarness.with(Self.faulty([.wrongNonce])) { h in
            let issued = try await Self.issue(h)
            let nonce = try #require(issued.jwt.claims["nonce"]?.stringValue)
            #expect(nonce != issued.authorization.nonce)
        }
    }

    @Test("alg-none: header {\"alg\":\"none\"} and an empty signature; the claims are otherwise right")
    func algNone() async throws {
        try await ProviderHarness.with(Self.faulty([.algNone])) { h in
            let issued = try await Self.issue(h)
            #expect(issued.idToken.hasSuffix("."))
            #expect(issued.jwt.header == .object([("alg", .string("none")), ("typ", .string("JWT"))]))
            #expect(issued.jwt.signature.isEmpty)
            #expect(issued.jwt.claims["iss"]?.stringValue == h.base)
            #expect(issued.jwt.claims["nonce"]?.stringValue == issued.authorization.nonce)
        }
    }

    @Test("hmac-key-confusion: HS256 over the published public key's PEM as the secret", arguments: [SigningAlgorithm.es256, .rs256])
    func hmacKeyConfusion(algorithm: SigningAlgorithm) async throws {
        try await ProviderHarness.with(Self.faulty([.hmacKeyConfusion], algorithm)) { h in
            let issued = try await Self.issue(h)
            let jwk = try #require(JSONValue.parse(try await h.get("/jwks").body)?["keys"]?.arrayValue?.first)
            #expect(issued.jwt.algorithm == "HS256")
            #expect(issued.jwt.keyID == jwk["kid"]?.stringValue)

            // The PEM rebuilt from the JWK alone, as an attacker (or a confused verifier) would.
            let pem: String
            switch algorithm {
            case .es256:
                let x = try #require(jwk["x"]?.stringValue.flatMap(Base64URL.decode))
                let y = try #require(jwk["y"]?.stringValue.flatMap(Base64URL.decode))
                pem = try P256.Signing.PublicKey(x963Representation: Data([4]) + x + y).pemRepresentation
            case .rs256:
                let n = try #require(jwk["n"]?.stringValue.flatMap(Base64URL.decode))
                let e = try #require(jwk["e"]?.stringValue.flatMap(Base64URL.decode))
                pem = try _RSA.Signing.PublicKey(n: n, e: e).pemRepresentation
            }
            let mac = HMAC<SHA256>.authenticationCode(for: Data(issued.jwt.signingInput.utf8), using: SymmetricKey(data: Data(pem.utf8)))
            #expect(issued.jwt.signature == Data(mac))
        }
    }

    @Test("rotated-key: the first /jwks lacks the signing kid, the second has it beside the old key, and verifies")
    func rotatedKey() async throws {
        try await ProviderHarness.with(Self.faulty([.rotatedKey])) { h in
            let issued = try await Self.issue(h)
            let first = try await h.get("/jwks").body
            let second = try await h.get("/jwks").body
            let kid = try #require(issued.jwt.keyID)

            let firstKids = JSONValue.parse(first)?["keys"]?.arrayValue?.compactMap { $0["kid"]?.stringValue } ?? []
            let secondKids = JSONValue.parse(second)?["keys"]?.arrayValue?.compactMap { $0["kid"]?.stringValue } ?? []
            #expect(firstKids.count == 1)
            #expect(!firstKids.contains(kid))
            #expect(secondKids == firstKids + [kid])
            #expect(await Self.verifies(issued.idToken, with: first) == false)
            #expect(await Self.verifies(issued.idToken, with: second))
            #expect(await Self.failingChecks(issued, h, jwks: second) == [])

            // A later token is signed with the new key too.
            let later = try await Self.issue(h)
            #expect(later.jwt.keyID == kid)
            #expect(await Self.verifies(later.idToken, with: try await h.get("/jwks").body))
        }
    }

    @Test("rotated-key: a JWKS fetched before the flow lacks the new kid too")
    func rotatedKeyFetchedEarly() async throws {
        try await ProviderHarness.with(Self.faulty([.rotatedKey])) { h in
            let early = try await h.get("/jwks").body
            let issued = try await Self.issue(h)
            #expect(!IDTokenSignature.jwks(early, containsKeyID: issued.jwt.keyID))
            #expect(IDTokenSignature.jwks(try await h.get("/jwks").body, containsKeyID: issued.jwt.keyID))
        }
    }

    @Test("unknown-kid: no /jwks response ever lists the signing kid")
    func unknownKid() async throws {
        try await ProviderHarness.with(Self.faulty([.unknownKid])) { h in
            let issued = try await Self.issue(h)
            let kid = try #require(issued.jwt.keyID)
            #expect(issued.jwt.algorithm == "ES256")
            #expect(issued.jwt.signature.count == 64)
            for _ in 0..<3 {
                let jwks = try await h.get("/jwks").body
                #expect(!IDTokenSignature.jwks(jwks, containsKeyID: kid))
                #expect(JSONValue.parse(jwks)?["keys"]?.arrayValue?.count == 1)
            }
        }
    }

    @Test("wrong-at-hash: at_hash is not the hash of the access token")
    func wrongAtHash() async throws {
        try await ProviderHarness.with(Self.faulty([.wrongAtHash])) { h in
            let issued = try await Self.issue(h)
            let atHash = try #require(issued.jwt.claims["at_hash"]?.stringValue)
            #expect(atHash != IDTokenClaimChecks.halfHash(issued.accessToken, alg: "ES256"))
            #expect(atHash.count == 22, "still the shape of a SHA-256 half hash")
            #expect(await Self.verifies(issued.idToken, with: try await h.get("/jwks").body))
        }
    }

    @Test("wrong-issuer-in-token: iss is another issuer; the metadata still names the real one")
    func wrongIssuerInToken() async throws {
        try await ProviderHarness.with(Self.faulty([.wrongIssuerInToken])) { h in
            let issued = try await Self.issue(h)
            #expect(issued.jwt.claims["iss"]?.stringValue == MockFault.foreignIssuer)
            #expect(try await h.get("/.well-known/openid-configuration").json?["issuer"]?.stringValue == h.base)
        }
    }

    // MARK: - The callback's iss parameter (RFC 9207)

    @Test("missing-iss-parameter: no iss on success or error redirects, while the metadata advertises it")
    func missingIssParameter() async throws {
        try await ProviderHarness.with(Self.faulty([.missingIssParameter])) { h in
            let metadata = try await h.get("/.well-known/openid-configuration")
            #expect(metadata.json?["authorization_response_iss_parameter_supported"] == .bool(true))
            let authorization = ProviderHarness.Authorization()
            let success = try await h.get("/authorize?" + authorization.query)
            #expect(success.locationQuery.first("code") != nil)
            #expect(success.locationQuery.first("state") == authorization.state)
            #expect(success.locationQuery.contains { $0.name == "iss" } == false)

            let denied = try await h.postForm("/authorize", authorization.parameters + [("decision", "deny")])
            #expect(denied.locationQuery.first("error") == "access_denied")
            #expect(denied.locationQuery.contains { $0.name == "iss" } == false)

            let decision = CallbackValidator.issCheck(received: success.locationQuery.first("iss"), expectedIssuer: h.base, serverAdvertisesIss: true)
            #expect(decision?.ok == false)
        }
    }

    @Test("wrong-iss-parameter: the callback names another issuer")
    func wrongIssParameter() async throws {
        try await ProviderHarness.with(Self.faulty([.wrongIssParameter])) { h in
            let authorization = ProviderHarness.Authorization()
            let reply = try await h.get("/authorize?" + authorization.query)
            #expect(reply.locationQuery.first("code") != nil)
            #expect(reply.locationQuery.values("iss") == [MockFault.foreignIssuer])
            #expect(CallbackValidator.issCheck(received: MockFault.foreignIssuer, expectedIssuer: h.base, serverAdvertisesIss: true)?.ok == false)
        }
    }

    // MARK: - The token response

    @Test("expires-in-string: expires_in is the string \"3600\", in an otherwise normal JSON response")
    func expiresInString() async throws {
        try await ProviderHarness.with(Self.faulty([.expiresInString])) { h in
            let authorization = ProviderHarness.Authorization()
            let reply = try await h.exchange(try await h.code(for: authorization), authorization)
            #expect(reply.status == 200)
            #expect(reply.header("content-type") == "application/json")
            #expect(reply.body.contains("\"expires_in\":\"3600\""))
            let json = try #require(reply.json)
            #expect(json["expires_in"] == .string("3600"))
            #expect(json["token_type"]?.stringValue == "Bearer")
            #expect(json["access_token"]?.stringValue?.isEmpty == false)
        }
    }

    @Test("form-encoded-token-response: the body is application/x-www-form-urlencoded, not JSON")
    func formEncodedTokenResponse() async throws {
        try await ProviderHarness.with(Self.faulty([.formEncodedTokenResponse])) { h in
            let authorization = ProviderHarness.Authorization()
            let reply = try await h.exchange(try await h.code(for: authorization), authorization)
            #expect(reply.status == 200)
            #expect(reply.header("content-type") == "application/x-www-form-urlencoded")
            #expect(reply.json == nil)
            let fields = FormURLEncoded.decode(reply.body).fields
            #expect(fields.first("token_type") == "Bearer")
            #expect(fields.first("expires_in") == "3600")
            #expect(fields.first("scope") == "openid profile email")
            let accessToken = try #require(fields.first("access_token"))
            #expect(try await h.get("/userinfo", headers: [("Authorization", "Bearer \(accessToken)")]).status == 200)
            #expect(fields.first("id_token")?.split(separator: ".").count == 3)
        }
    }

    @Test("token-error-with-200: errors, including a would-be success, come with HTTP 200")
    func tokenErrorWith200() async throws {
        try await ProviderHarness.with(Self.faulty([.tokenErrorWith200])) { h in
            let authorization = ProviderHarness.Authorization()
            let good = try await h.exchange(try await h.code(for: authorization), authorization)
            #expect(good.status == 200)
            #expect(good.json?["error"]?.stringValue == "invalid_grant")
            #expect(good.json?["access_token"] == nil)

            let wrongVerifier = try await h.exchange(try await h.code(for: authorization), authorization, verifier: PKCE.generate().verifier.value)
            #expect(wrongVerifier.status == 200)
            #expect(wrongVerifier.json?["error"]?.stringValue == "invalid_grant")
            #expect(wrongVerifier.json?["error_description"]?.stringValue?.contains("RFC 7636") == true)

            let badClient = try await h.postForm("/token", [("grant_type", "authorization_code"), ("code", "x")], headers: [
                ("Authorization", HTTPBasicCredentials.headerValue(clientID: MockClient.demo.id, clientSecret: "wrong")),
            ])
            #expect(badClient.status == 200)
            #expect(badClient.json?["error"]?.stringValue == "invalid_client")
            #expect(badClient.header("www-authenticate") == nil)
        }
    }

    @Test("server-error: HTTP 500 with an HTML body")
    func serverError() async throws {
        try await ProviderHarness.with(Self.faulty([.serverError])) { h in
            let authorization = ProviderHarness.Authorization()
            let reply = try await h.exchange(try await h.code(for: authorization), authorization)
            #expect(reply.status == 500)
            #expect(reply.header("content-type")?.hasPrefix("text/html") == true)
            #expect(reply.body.contains("<html"))
            #expect(reply.json == nil)
        }
    }

    @Test("server-error: the failed exchange does not spend the code")
    func serverErrorKeepsCode() async throws {
        var configuration = MockProviderConfiguration()
        Self.faulty([.serverError])(&configuration)
        let core = ProviderCore(configuration: configuration, keys: try await SigningKeys.generate(.es256), issuer: "http://127.0.0.1:1", now: { Date() })
        let authorization = ProviderHarness.Authorization()
        let redirect = core.authorize(query: authorization.parameters.map { FormField($0.0, $0.1) })
        let location = try #require(redirect.header("location")?.split(separator: "?", maxSplits: 1).last)
        let code = try #require(FormURLEncoded.decode(location).fields.first("code"))
        let reply = await core.token(IncomingRequest(
            method: "POST",
            headers: [
                (name: "Content-Type", value: "application/x-www-form-urlencoded"),
                (name: "Authorization", value: HTTPBasicCredentials.headerValue(clientID: MockClient.demo.id, clientSecret: MockClient.demo.secret ?? "")),
            ],
            body: FormURLEncoded.encode([
                FormField("grant_type", "authorization_code"), FormField("code", code),
                FormField("redirect_uri", authorization.redirectURI), FormField("code_verifier", authorization.pkce.verifier.value),
            ])
        ))
        #expect(reply.status == 500)
        #expect(core.store.withLock { $0.codes[code]?.used } == false)
    }

    @Test("a fault leaves everything it does not target alone: with wrong-nonce the flow's other steps are normal")
    func faultsAreIsolated() async throws {
        try await ProviderHarness.with(Self.faulty([.wrongNonce])) { h in
            let authorization = ProviderHarness.Authorization()
            let reply = try await h.get("/authorize?" + authorization.query)
            #expect(reply.locationQuery.first("iss") == h.base)
            let tokens = try await h.exchange(try #require(reply.locationQuery.first("code")), authorization)
            #expect(tokens.status == 200)
            #expect(tokens.json?["expires_in"] == .number(3600))
            #expect(tokens.header("content-type") == "application/json")
        }
    }
}
