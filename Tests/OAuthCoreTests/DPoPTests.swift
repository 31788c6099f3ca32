import Crypto
import Foundation
import Testing
@testable import OAuthCore

@Suite("DPoP proofs and JWK thumbprints (RFC 9449, RFC 7638)")
struct DPoPTests {
    /// RFC 7638 §3.1: the example RSA key and its thumbprint, verbatim.
    @Test("the thumbprint of RFC 7638 §3.1's example key")
    func rfc7638Example() throws {
        let jwk = try #require(JSONValue.parse("""
        {"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}
        """))
        #expect(JWKThumbprint.compute(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
        // Members outside the required set do not count; a missing one gives no thumbprint.
        #expect(JWKThumbprint.canonical(jwk)?.hasPrefix("{\"e\":\"AQAB\",\"kty\":\"RSA\",\"n\":") == true)
        #expect(JWKThumbprint.compute(.object([("kty", .string("RSA")), ("e", .string("AQAB"))])) == nil)
        #expect(JWKThumbprint.compute(.object([("kty", .string("weird"))])) == nil)
    }

    @Test("a proof decodes to typ dpop+jwt with the public jwk, verifies with it, and carries htm, htu, iat, jti, nonce and ath")
    func proofClaims() throws {
        let key = DPoPKey()
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        let url = try #require(URL(string: "https://api.example.com/v1/me?page=2#frag"))
        let proof = key.proof(method: "GET", url: url, nonce: "n-1", accessToken: "the-token", now: now, jti: "j-1")
        let jwt = try DecodedJWT(proof.jwt)
        #expect(jwt.header["typ"]?.stringValue == "dpop+jwt")
        #expect(jwt.header["alg"]?.stringValue == "ES256")
        #expect(jwt.header["jwk"] == key.jwk)
        #expect(jwt.header["jwk"]?["d"] == nil)
        #expect(jwt.claims["htm"]?.stringValue == "GET")
        #expect(jwt.claims["htu"]?.stringValue == "https://api.example.com/v1/me")
        #expect(jwt.claims["iat"]?.numberValue == 1_790_000_000)
        #expect(jwt.claims["jti"]?.stringValue == "j-1")
        #expect(jwt.claims["nonce"]?.stringValue == "n-1")
        // ath = base64url(SHA-256("the-token")), computed here independently.
        let expected = Data(SHA256.hash(data: Data("the-token".utf8))).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        #expect(jwt.claims["ath"]?.stringValue == expected)
        // The signature verifies with the key of the header.
        let xText = try #require(key.jwk["x"]?.stringValue)
        let yText = try #require(key.jwk["y"]?.stringValue)
        let x = try #require(Base64URL.decode(xText))
        let y = try #require(Base64URL.decode(yText))
        let raw = x + y
        let publicKey = try P256.Signing.PublicKey(rawRepresentation: raw)
        let signature = try P256.Signing.ECDSASignature(rawRepresentation: jwt.signature)
        #expect(publicKey.isValidSignature(signature, for: Data(jwt.signingInput.utf8)))
        #expect(key.thumbprint == JWKThumbprint.compute(key.jwk))
        // Without a token or a nonce, neither member is there.
        let bare = try DecodedJWT(key.proof(method: "POST", url: url, now: now).jwt)
        #expect(bare.claims["ath"] == nil && bare.claims["nonce"] == nil)
        #expect(bare.claims["jti"]?.stringValue != "j-1")
    }

    @Test("the verifier accepts a good proof and names each failure")
    func verifierFailures() throws {
        let key = DPoPKey()
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        let url = try #require(URL(string: "http://127.0.0.1:9/api/me"))
        let good = key.proof(method: "GET", url: url, nonce: "n", accessToken: "at", now: now).jwt
        let ok = try DPoPProofVerifier.verify(good, method: "GET", url: "http://127.0.0.1:9/api/me", accessToken: "at", now: now).get()
        #expect(ok.thumbprint == key.thumbprint && ok.nonce == "n")

        func failure(_ proof: String, method: String = "GET", url: String = "http://127.0.0.1:9/api/me", token: String? = "at", at: Date = now) -> DPoPProofError? {
            if case .failure(let e) = DPoPProofVerifier.verify(proof, method: method, url: url, accessToken: token, now: at) { return e }
            return nil
        }
        #expect(failure("not a jwt").map { if case .malformed = $0 { true } else { false } } == true)
        #expect(failure(good, method: "POST") == .methodMismatch(sent: "GET", expected: "POST"))
        #expect(failure(good, url: "http://127.0.0.1:9/api/other") == .urlMismatch(sent: "http://127.0.0.1:9/api/me", expected: "http://127.0.0.1:9/api/other"))
        #expect(failure(good, at: now.addingTimeInterval(DPoP.iatWindow + 5)).map { if case .iatOutOfWindow = $0 { true } else { false } } == true)
        #expect(failure(good, at: now.addingTimeInterval(-DPoP.iatWindow - 5)).map { if case .iatOutOfWindow = $0 { true } else { false } } == true)
        #expect(failure(good, token: "another token") == .athMismatch)
        #expect(failure(key.proof(method: "GET", url: url, now: now).jwt) == .missingAth)

        // Built by hand: another typ, another alg, a private key in the header, a signature by another key.
        func forged(header: JSONValue, claims: JSONValue, signer: P256.Signing.PrivateKey) -> String {
            let input = Base64URL.encode(Data(header.serialized().utf8)) + "." + Base64URL.encode(Data(claims.serialized().utf8))
            return input + "." + Base64URL.encode((try? signer.signature(for: Data(input.utf8)).rawRepresentation) ?? Data())
        }
        let privateKey = P256.Signing.PrivateKey()
        let own = DPoPKey(privateKey: privateKey)
        let claims = try DecodedJWT(own.proof(method: "GET", url: url, accessToken: "at", now: now).jwt).claims
        func header(typ: String = "dpop+jwt", alg: String = "ES256", jwk: JSONValue) -> JSONValue {
            .object([("typ", .string(typ)), ("alg", .string(alg)), ("jwk", jwk)])
        }
        #expect(failure(forged(header: header(jwk: own.jwk), claims: claims, signer: privateKey)) == nil)
        #expect(failure(forged(header: header(typ: "JWT", jwk: own.jwk), claims: claims, signer: privateKey)) == .wrongType("JWT"))
        #expect(failure(forged(header: header(alg: "RS256", jwk: own.jwk), claims: claims, signer: privateKey)) == .unsupportedAlgorithm("RS256"))
        #expect(failure(forged(header: header(jwk: own.jwk), claims: claims, signer: P256.Signing.PrivateKey())) == .badSignature)
        var withPrivate = own.jwk.objectValue ?? []
        withPrivate.append(("d", .string(Base64URL.encode(privateKey.rawRepresentation))))
        #expect(failure(forged(header: header(jwk: .object(withPrivate)), claims: claims, signer: privateKey)) == .badKey("it holds a private key"))
        let noJTI = JSONValue.object((claims.objectValue ?? []).filter { $0.0 != "jti" })
        #expect(failure(forged(header: header(jwk: own.jwk), claims: noJTI, signer: privateKey)) == .missingJTI)
    }

    @Test("htu leaves out query and fragment; a default port matches its absence")
    func htu() throws {
        #expect(DPoP.htu(try #require(URL(string: "https://a.example/p?q=1#f"))) == "https://a.example/p")
        #expect(DPoPProofVerifier.sameTarget("https://A.example:443/p", "https://a.example/p"))
        #expect(!DPoPProofVerifier.sameTarget("https://a.example/p", "http://a.example/p"))
    }
}

@Suite("API call arguments and WWW-Authenticate challenges")
struct APICallTests {
    @Test("call:METHOD:URL and typed calls parse; a path alone needs a base")
    func parse() throws {
        let c = try APICallRequest.parseAction("call:GET:https://api.example.com/me?x=1")
        #expect(c.method == "GET" && c.url.absoluteString == "https://api.example.com/me?x=1")
        #expect(c.actionName == "call:GET:https://api.example.com/me?x=1")
        let typed = try APICallRequest.parseTyped("  DELETE https://api.example.com/items/1 ")
        #expect(typed.method == "DELETE" && typed.url.path == "/items/1")
        #expect(try APICallRequest.parseTyped("https://api.example.com/").method == "GET")
        let base = try #require(URL(string: "http://127.0.0.1:5000"))
        #expect(try APICallRequest.parseAction("call:GET:/api/me", base: base).url.absoluteString == "http://127.0.0.1:5000/api/me")
        #expect(throws: APICallError.pathWithoutBase("/api/me")) { try APICallRequest.parseAction("call:GET:/api/me") }
    }

    @Test("bad arguments are refused with what is wrong", arguments: [
        ("call:GET", "names no URL"),
        ("call:get:https://a.example/", "is not an HTTP method"),
        ("call:G T:https://a.example/", "is not an HTTP method"),
        ("call::https://a.example/", "is not an HTTP method"),
        ("call:GET:ftp://a.example/x", "the scheme is ftp"),
        ("call:GET:a.example/x", "not an absolute URL"),
        ("call:GET:https://a.example/x#top", "fragment"),
        ("call:GET:https://user:pw@a.example/", "password"),
        ("call:GET:https://a.example/a b", "space"),
        ("refresh", "is not a call"),
    ])
    func refused(argument: String, says: String) {
        do {
            _ = try APICallRequest.parseAction(argument)
            Issue.record("\(argument) was accepted")
        } catch {
            #expect(error.description.contains(says), "\(error.description)")
        }
    }

    @Test("challenges are read with their parameters, and the error explained")
    func challenges() {
        let parsed = AuthenticateChallenge.parse(#"Bearer realm="example", error="insufficient_scope", error_description="needs \"admin\"", scope="admin read", DPoP algs="ES256""#)
        #expect(parsed.map(\.scheme) == ["Bearer", "DPoP"])
        #expect(parsed.first?.error == "insufficient_scope")
        #expect(parsed.first?.parameter("scope") == "admin read")
        #expect(parsed.first?.parameter("error_description") == #"needs "admin""#)
        #expect(parsed.last?.parameter("algs") == "ES256")
        #expect(AuthenticateChallenge.explain(error: "insufficient_scope", status: 403).contains("scope"))
        #expect(AuthenticateChallenge.explain(error: "invalid_token", status: 401).contains("RFC 6750 §3.1"))
        #expect(AuthenticateChallenge.explain(error: nil, status: 401).contains("no error code"))
        // Hostile input: bounded, never stuck.
        #expect(AuthenticateChallenge.parse(String(repeating: "a=\"", count: 5000)).count <= 8)
        #expect(AuthenticateChallenge.parse(String(repeating: "X, ", count: 5000)).count == 8)
        #expect(AuthenticateChallenge.parse("").isEmpty)
    }
}
