import Foundation
import FuzzSupport
import OAuthCore

/// Key files: `--private-key` (a PEM, EC or RSA, PKCS#8, SEC1 or PKCS#1, or a private JWK) and `provider serve
/// --client-jwks` (a JWK Set of public keys). The same bytes go to both readers. Each gives a key or an error that
/// says what to fix. A key read signs assertions its own public JWK Set verifies, and its public half alone is
/// refused as a private key; a JWK Set read never verifies an assertion it holds no key for.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPrivateKey(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = Data(Fuzz.bytes(data, size))
    do throws(ClientKeyError) {
        let key = try ClientSigningKey.parse(input)
        checkRoundTrip(key)
    } catch {
        Fuzz.require(!error.description.isEmpty, "a refusal without a message")
    }
    do throws(ClientKeyError) {
        let jwks = try ClientJWKS.parse(input)
        let keys = jwks["keys"]?.arrayValue ?? []
        Fuzz.require(!keys.isEmpty && !keys.contains { $0["d"] != nil }, "a JWK Set without keys or with a private part was taken")
        for token in forged {
            let e = ClientAssertionVerifier.Expectation(clientID: "app", secret: nil, jwks: jwks, audiences: [audience], now: now)
            switch ClientAssertionVerifier.verify(token, e) {
            case .success: Fuzz.require(false, "an assertion with a made-up signature verified")
            case .failure(let f): Fuzz.require(f.check == "signature" && !f.description.isEmpty, "refused at \(f.check): \(f.description)")
            }
        }
    } catch {
        Fuzz.require(!error.description.isEmpty, "a refusal without a message")
    }
    return 0
}

private let audience = "https://as.example/token"
private let now = Date(timeIntervalSince1970: 1_800_000_000)

/// ES256 and RS256 assertions without a kid (every registered key of the alg is tried) whose signatures are random.
private let forged: [String] = ["ES256": 64, "RS256": 256].sorted { $0.key < $1.key }.map { alg, length in
    let header = JSONValue.object([("alg", .string(alg)), ("typ", .string("JWT"))])
    let claims = JSONValue.object([("iss", .string("app")), ("sub", .string("app")), ("aud", .string(audience)), ("jti", .string("j1")),
                                   ("iat", .number(now.timeIntervalSince1970)), ("exp", .number(now.timeIntervalSince1970 + 60))])
    let signature = Data((0..<length).map { _ in UInt8.random(in: 0...255) })
    return [Data(header.serialized().utf8), Data(claims.serialized().utf8), signature].map(Base64URL.encode).joined(separator: ".")
}

private func checkRoundTrip(_ key: ClientSigningKey) {
    let kty = key.publicJWK["kty"]?.stringValue
    Fuzz.require((key.algorithm == "ES256" && kty == "EC") || (key.algorithm == "RS256" && kty == "RSA"), "alg \(key.algorithm) with kty \(kty ?? "none")")
    Fuzz.require(!key.kid.isEmpty && key.publicJWK["kid"]?.stringValue == key.kid, "kid \(key.kid.debugDescription)")
    Fuzz.require(key.publicJWK["d"] == nil && key.publicJWK["p"] == nil && key.publicJWK["q"] == nil, "the public JWK holds a private part")
    let jwks: JSONValue
    do { jwks = try ClientJWKS.parse(Data(key.publicJWKS.serialized().utf8)) } catch {
        Fuzz.require(false, "the key's own public JWK Set is refused: \(error.description)")
        return
    }
    do {
        let a = try ClientAssertion.make(method: .privateKeyJWT, clientID: "app", audience: audience, secret: nil, key: key, now: now)
        let e = ClientAssertionVerifier.Expectation(clientID: "app", secret: nil, jwks: jwks, audiences: [audience], now: now)
        if case .failure(let f) = ClientAssertionVerifier.verify(a.jwt, e) { Fuzz.require(false, "its own assertion is refused: \(f.description)") }
    } catch {
        Fuzz.require(false, "signing with a key read failed: \(error.description)")
    }
    do throws(ClientKeyError) {
        _ = try ClientSigningKey.parse(Data(key.publicJWK.serialized().utf8))
        Fuzz.require(false, "the public JWK was read as a private key")
    } catch {
        Fuzz.require(error == .publicOnly, "the public JWK refused as \(error.description)")
    }
}

exit(Fuzz.run(fuzzPrivateKey))
