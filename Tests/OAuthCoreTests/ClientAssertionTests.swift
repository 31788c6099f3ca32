import Crypto
import CryptoExtras
import Foundation
import OAuthCore
import Testing

/// Client assertions (RFC 7523 §2.2, OIDC Core §9): built, signed, read back and checked as a server would.
@Suite("Client assertions and client keys")
struct ClientAssertionTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let audience = "https://as.example/token"

    /// A P-256 key fixed by its scalar, so its JWK is the same on every run.
    static let fixedP256 = try! P256.Signing.PrivateKey(rawRepresentation: Data((1...32).map { UInt8($0) }))

    static func privateJWK(_ key: P256.Signing.PrivateKey, kid: String? = "k1", includeD: Bool = true) -> String {
        let point = key.publicKey.x963Representation
        var members = [#""kty":"EC""#, #""crv":"P-256""#, #""x":"\#(Base64URL.encode(point.dropFirst().prefix(32)))""#, #""y":"\#(Base64URL.encode(point.suffix(32)))""#]
        if includeD { members.append(#""d":"\#(Base64URL.encode(key.rawRepresentation))""#) }
        if let kid { members.append(#""kid":"\#(kid)""#) }
        return "{" + members.joined(separator: ",") + "}"
    }

    @Test("client_secret_jwt: HS256 over the secret, iss = sub = client id, aud, random jti, exp = iat + 60")
    func hs256() throws {
        let a = try ClientAssertion.make(method: .clientSecretJWT, clientID: "app", audience: Self.audience, secret: Secret("s3cret"), key: nil, now: Self.now)
        let jwt = try DecodedJWT(a.jwt)
        #expect(jwt.header["alg"]?.stringValue == "HS256")
        #expect(jwt.header["typ"]?.stringValue == "JWT")
        #expect(jwt.claims["iss"]?.stringValue == "app")
        #expect(jwt.claims["sub"]?.stringValue == "app")
        #expect(jwt.claims["aud"]?.stringValue == Self.audience)
        #expect(jwt.claims["iat"]?.numberValue == Self.now.timeIntervalSince1970)
        #expect(jwt.claims["exp"]?.numberValue == Self.now.timeIntervalSince1970 + 60)
        #expect((jwt.claims["jti"]?.stringValue?.count ?? 0) >= 16)
        // The MAC checked with the secret, independently of the builder.
        #expect(HMAC<SHA256>.isValidAuthenticationCode(jwt.signature, authenticating: Data(jwt.signingInput.utf8), using: SymmetricKey(data: Data("s3cret".utf8))))
        #expect(!HMAC<SHA256>.isValidAuthenticationCode(jwt.signature, authenticating: Data(jwt.signingInput.utf8), using: SymmetricKey(data: Data("other".utf8))))
        let again = try ClientAssertion.make(method: .clientSecretJWT, clientID: "app", audience: Self.audience, secret: Secret("s3cret"), key: nil, now: Self.now)
        #expect(try DecodedJWT(again.jwt).claims["jti"] != jwt.claims["jti"])
    }

    @Test("private_key_jwt: ES256 with the key's kid, verified with the public key alone")
    func es256() throws {
        let key = try ClientSigningKey.parse(Data(Self.privateJWK(Self.fixedP256).utf8))
        #expect(key.kid == "k1")
        #expect(key.algorithm == "ES256")
        let a = try ClientAssertion.make(method: .privateKeyJWT, clientID: "app", audience: Self.audience, secret: nil, key: key, now: Self.now)
        let jwt = try DecodedJWT(a.jwt)
        #expect(jwt.header["alg"]?.stringValue == "ES256")
        #expect(jwt.header["kid"]?.stringValue == "k1")
        let signature = try P256.Signing.ECDSASignature(rawRepresentation: jwt.signature)
        #expect(Self.fixedP256.publicKey.isValidSignature(signature, for: Data(jwt.signingInput.utf8)))
        // The public JWK carries no private part.
        #expect(key.publicJWK["d"] == nil)
        #expect(key.publicJWK["x"] != nil)
    }

    @Test("a generated key's kid is its RFC 7638 thumbprint, and its public JWK verifies what it signs")
    func generated() throws {
        let key = ClientSigningKey.generateP256()
        #expect(key.kid.count == 43)
        let a = try ClientAssertion.make(method: .privateKeyJWT, clientID: "app", audience: Self.audience, secret: nil, key: key, now: Self.now)
        let result = ClientAssertionVerifier.verify(a.jwt, .init(clientID: "app", secret: nil, jwks: key.publicJWKS, audiences: [Self.audience], now: Self.now))
        #expect(try result.get().method == .privateKeyJWT)
    }

    @Test("an RSA key from a PKCS#1 and a PKCS#8 PEM signs RS256")
    func rsaPEM() throws {
        let rsa = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        #expect(rsa.pemRepresentation.hasPrefix("-----BEGIN RSA PRIVATE KEY-----"))
        for pem in [rsa.pemRepresentation, rsa.pkcs8PEMRepresentation] {
            let key = try ClientSigningKey.parse(Data(pem.utf8))
            #expect(key.algorithm == "RS256")
            let a = try ClientAssertion.make(method: .privateKeyJWT, clientID: "app", audience: Self.audience, secret: nil, key: key, now: Self.now)
            #expect(try DecodedJWT(a.jwt).header["alg"]?.stringValue == "RS256")
            let result = ClientAssertionVerifier.verify(a.jwt, .init(clientID: "app", secret: nil, jwks: key.publicJWKS, audiences: [Self.audience], now: Self.now))
            #expect((try? result.get()) != nil, "\(result)")
        }
    }

    @Test("a P-256 PEM in PKCS#8 reads; bad files say what to fix")
    func keyFiles() {
        #expect((try? ClientSigningKey.parse(Data(Self.fixedP256.pemRepresentation.utf8)))?.algorithm == "ES256")
        let cases: [(String, (ClientKeyError) -> Bool)] = [
            (Self.fixedP256.publicKey.pemRepresentation, { $0 == .publicOnly }),
            (P384.Signing.PrivateKey().pemRepresentation, { if case .unsupportedCurve("P-384") = $0 { true } else { false } }),
            ("-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n", { $0 == .encrypted }),
            ("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", { $0 == .certificate }),
            (Self.privateJWK(Self.fixedP256, includeD: false), { $0 == .publicOnly }),
            (#"{"keys":[\#(Self.privateJWK(Self.fixedP256, includeD: false))]}"#, { $0 == .publicOnly }),
            (#"{"kty":"EC","crv":"P-384","x":"AA","y":"AA","d":"AA"}"#, { if case .unsupportedCurve("P-384") = $0 { true } else { false } }),
            (#"{"kty":"oct","k":"c2VjcmV0"}"#, { if case .unsupportedType = $0 { true } else { false } }),
            (#"{"kty":"RSA","n":"AQAB","e":"AQAB","d":"AQAB"}"#, { if case .unreadable(let w) = $0 { w.contains("\"p\"") } else { false } }),
            ("not a key at all", { if case .unreadable = $0 { true } else { false } }),
            (String(repeating: "A", count: ClientSigningKey.maxFileSize + 1), { if case .tooLarge = $0 { true } else { false } }),
        ]
        for (text, matches) in cases {
            do {
                _ = try ClientSigningKey.parse(Data(text.utf8))
                Issue.record("accepted: \(text.prefix(60))")
            } catch {
                #expect(matches(error), "\(text.prefix(60)) gave \(error)")
                #expect(!error.description.isEmpty)
            }
        }
        // x and y that are not the public key of d.
        let other = P256.Signing.PrivateKey()
        let mixed = Self.privateJWK(Self.fixedP256).replacingOccurrences(of: Base64URL.encode(Self.fixedP256.rawRepresentation), with: Base64URL.encode(other.rawRepresentation))
        #expect(throws: ClientKeyError.self) { try ClientSigningKey.parse(Data(mixed.utf8)) }
    }

    @Test("a client JWK Set (provider serve --client-jwks) reads with its public keys; a private part, no keys or no JSON are refused")
    func clientJWKS() throws {
        let key = ClientSigningKey.generateP256(kid: "k1")
        let jwks = try ClientJWKS.parse(Data(key.publicJWKS.serialized().utf8))
        #expect(jwks["keys"]?.arrayValue?.first?["kid"]?.stringValue == "k1")
        let cases: [(String, String)] = [
            (#"{"keys":[\#(Self.privateJWK(Self.fixedP256))]}"#, "private part"),
            (#"{"keys":[]}"#, "at least one key"),
            (#"{"keys":{}}"#, "at least one key"),
            (Self.privateJWK(Self.fixedP256, includeD: false), "at least one key"),
            ("", "at least one key"),
            (String(repeating: " ", count: ClientSigningKey.maxFileSize + 1), "at most"),
        ]
        for (text, says) in cases {
            do {
                _ = try ClientJWKS.parse(Data(text.utf8))
                Issue.record("accepted: \(text.prefix(60))")
            } catch {
                #expect(error.description.contains(says), "\(text.prefix(60)) gave \(error)")
            }
        }
    }

    // MARK: - The server's checks

    static func hsToken(header: String = #"{"alg":"HS256","typ":"JWT"}"#, claims: [String: Any], secret: String = "s3cret") -> String {
        let claimsJSON = try! JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys])
        let input = Base64URL.encode(Data(header.utf8)) + "." + Base64URL.encode(claimsJSON)
        let mac = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return input + "." + Base64URL.encode(Data(mac))
    }

    static var goodClaims: [String: Any] { ["iss": "app", "sub": "app", "aud": audience, "jti": "j1", "iat": 1_800_000_000, "exp": 1_800_000_060] }

    static func expectation(jwks: JSONValue? = nil) -> ClientAssertionVerifier.Expectation {
        .init(clientID: "app", secret: "s3cret", jwks: jwks, audiences: [audience, "https://as.example"], now: now)
    }

    @Test("the verifier takes a good HS256 assertion and names the check each bad one fails")
    func verifierFailures() {
        #expect((try? ClientAssertionVerifier.verify(Self.hsToken(claims: Self.goodClaims), Self.expectation()).get())?.jti == "j1")
        func with(_ change: (inout [String: Any]) -> Void) -> [String: Any] { var c = Self.goodClaims; change(&c); return c }
        let otherKey = ClientSigningKey.generateP256()
        let esAssertion = try? ClientAssertion.make(method: .privateKeyJWT, clientID: "app", audience: Self.audience, secret: nil, key: otherKey, now: Self.now)
        let cases: [(String, String, ClientAssertionVerifier.Expectation)] = [
            ("not.a-jwt", "decode", Self.expectation()),
            (Self.hsToken(header: #"{"alg":"none"}"#, claims: Self.goodClaims), "alg", Self.expectation()),
            (Self.hsToken(header: #"{"alg":"HS512"}"#, claims: Self.goodClaims), "alg", Self.expectation()),
            (Self.hsToken(claims: Self.goodClaims, secret: "wrong"), "signature", Self.expectation()),
            (esAssertion?.jwt ?? "", "signature", Self.expectation(jwks: ClientSigningKey.generateP256().publicJWKS)),
            (Self.hsToken(claims: with { $0["iss"] = "other" }), "iss", Self.expectation()),
            (Self.hsToken(claims: with { $0["sub"] = "other" }), "sub", Self.expectation()),
            (Self.hsToken(claims: with { $0["aud"] = "https://elsewhere.example/token" }), "aud", Self.expectation()),
            (Self.hsToken(claims: with { $0["exp"] = 1_799_999_990 }), "exp", Self.expectation()),
            (Self.hsToken(claims: with { $0["exp"] = 1_800_086_400 }), "exp", Self.expectation()),
            (Self.hsToken(claims: with { $0["jti"] = nil }), "jti", Self.expectation()),
        ]
        for (token, check, expectation) in cases {
            switch ClientAssertionVerifier.verify(token, expectation) {
            case .success: Issue.record("accepted, expected a \(check) failure")
            case .failure(let f):
                #expect(f.check == check, "\(f.description)")
                #expect(f.description.hasPrefix("client_assertion"))
            }
        }
        // An array aud holding an accepted value is taken.
        #expect((try? ClientAssertionVerifier.verify(Self.hsToken(claims: with { $0["aud"] = ["x", "https://as.example"] }), Self.expectation()).get()) != nil)
    }

    // MARK: - Requests

    @Test("a private_key_jwt token request carries a fresh assertion each time, no secret and no Basic header")
    func tokenRequest() throws {
        let key = ClientSigningKey.generateP256()
        var builder = TokenRequestBuilder(tokenEndpoint: try #require(URL(string: Self.audience)), credentials: ClientCredentials(clientID: "app", clientSecret: Secret("s"), method: .privateKeyJWT, signingKey: key))
        builder.now = { Self.now }
        let one = builder.authorizationCode(code: "c", redirectURI: "http://127.0.0.1/cb", codeVerifier: "v")
        let two = builder.authorizationCode(code: "c", redirectURI: "http://127.0.0.1/cb", codeVerifier: "v")
        let fields = FormURLEncoded.decode(one.body).fields
        #expect(fields.first { $0.name == "client_assertion_type" }?.value == ClientAssertion.assertionType)
        #expect(fields.first { $0.name == "client_id" }?.value == "app")
        #expect(!fields.contains { $0.name == "client_secret" })
        #expect(!one.headers.contains { $0.name == "Authorization" })
        let a1 = try #require(TokenRequestBuilder.clientAssertion(in: one)), a2 = try #require(TokenRequestBuilder.clientAssertion(in: two))
        #expect(a1.claims["jti"] != a2.claims["jti"])
        #expect(a1.claims["aud"]?.stringValue == Self.audience)
    }

    @Test("a pushed authorization request sends every parameter in a form body, with the client's authentication")
    func pushedRequest() throws {
        let endpoint = try #require(URL(string: "https://as.example/par"))
        let params = [FormField("response_type", "code"), FormField("client_id", "app"), FormField("state", "s1"), FormField("code_challenge", "abc")]
        let basic = TokenRequestBuilder(tokenEndpoint: try #require(URL(string: Self.audience)), credentials: ClientCredentials(clientID: "app", clientSecret: Secret("s"), method: .clientSecretBasic), bodyEncoding: .json)
            .pushedAuthorization(endpoint: endpoint, parameters: params)
        #expect(basic.url == endpoint)
        #expect(basic.method == "POST")
        #expect(basic.headers.contains { $0.name == "Authorization" && $0.value.hasPrefix("Basic ") })
        #expect(basic.headers.contains { $0.name == "Content-Type" && $0.value == "application/x-www-form-urlencoded" })
        #expect(FormURLEncoded.decode(basic.body).fields == params)
        let post = TokenRequestBuilder(tokenEndpoint: try #require(URL(string: Self.audience)), credentials: ClientCredentials(clientID: "app", clientSecret: Secret("s"), method: .clientSecretPost))
            .pushedAuthorization(endpoint: endpoint, parameters: params)
        let fields = FormURLEncoded.decode(post.body).fields
        #expect(fields.filter { $0.name == "client_id" }.count == 1)
        #expect(fields.first { $0.name == "client_secret" }?.value == "s")
    }

    @Test("the PAR answer: 201 with request_uri and expires_in; deviations are findings citing RFC 9126 §2.2")
    func parAnswer() throws {
        guard case .success(let uri, let expires, let findings) = PushedAuthorization.parse(status: 201, body: #"{"request_uri":"urn:ietf:params:oauth:request_uri:x","expires_in":60}"#) else {
            Issue.record("not a success"); return
        }
        #expect(uri == "urn:ietf:params:oauth:request_uri:x" && expires == 60 && findings.isEmpty)
        guard case .success(_, let e200, let f200) = PushedAuthorization.parse(status: 200, body: #"{"request_uri":"u","expires_in":"60"}"#) else { Issue.record("200 not read"); return }
        #expect(e200 == nil)
        #expect(Set(f200.map(\.code)) == ["par.status", "par.expires_in"])
        #expect(f200.allSatisfy { $0.ref == "RFC 9126 §2.2" })
        guard case .invalid(_, _, let missing) = PushedAuthorization.parse(status: 201, body: #"{"expires_in":60}"#) else { Issue.record("missing request_uri accepted"); return }
        #expect(missing.map(\.code) == ["par.request_uri_missing"])
        if case .success(_, let e, let f) = PushedAuthorization.parse(status: 201, body: #"{"request_uri":"u","expires_in":1e19}"#) {
            #expect(e == nil && f.map(\.code) == ["par.expires_in"])
        } else { Issue.record("huge expires_in not read") }
        guard case .error(let err, 401, _) = PushedAuthorization.parse(status: 401, body: #"{"error":"invalid_client","error_description":"no"}"#) else { Issue.record("error not read"); return }
        #expect(err.error == "invalid_client")
        let url = PushedAuthorization.authorizationURL(endpoint: try #require(URL(string: "https://as.example/authorize")), clientID: "app", requestURI: "urn:ietf:params:oauth:request_uri:x")
        let query = FormURLEncoded.decode(try #require(url.query)).fields
        #expect(query.map(\.name) == ["client_id", "request_uri"])
        #expect(query.last?.value == "urn:ietf:params:oauth:request_uri:x")
    }
}
