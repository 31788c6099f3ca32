import Crypto
import Foundation
import OAuthCore
import Testing

/// The signature check with a fixed key: tokens are signed here, byte for byte, so each outcome is known.
@Suite("ID-token signature (JWS, RFC 7515) with a fixed key")
struct SignatureTests {
    // A fixed P-256 private key (32 bytes), so the test is the same on every run.
    static let key = try! P256.Signing.PrivateKey(rawRepresentation: Data((1...32).map { UInt8($0) }))

    static var jwks: String {
        let raw = key.publicKey.rawRepresentation  // x || y
        let x = Base64URL.encode(raw.prefix(32)), y = Base64URL.encode(raw.suffix(32))
        return #"{"keys":[{"kty":"EC","crv":"P-256","kid":"k1","alg":"ES256","use":"sig","x":"\#(x)","y":"\#(y)"}]}"#
    }

    static func sign(header: String, claims: String, with key: P256.Signing.PrivateKey = key) -> String {
        let input = Base64URL.encode(Data(header.utf8)) + "." + Base64URL.encode(Data(claims.utf8))
        let sig = try! key.signature(for: Data(input.utf8)).rawRepresentation  // r || s, as JWS ES256 wants
        return input + "." + Base64URL.encode(sig)
    }

    let claims = #"{"iss":"https://as","aud":"c","exp":4102444800,"iat":1700000000}"#

    @Test("a token signed with the published key verifies")
    func valid() async {
        let token = Self.sign(header: #"{"alg":"ES256","kid":"k1"}"#, claims: claims)
        let check = await IDTokenSignature.verify(token: token, jwksJSON: Self.jwks, allowedAlgorithms: ["ES256"])
        #expect(check.ok, "\(check.detail)")
        #expect(check.name == "signature")
    }

    @Test("changed claims, another key, an unknown kid, alg none and HMAC all fail the signature check")
    func invalid() async throws {
        let good = Self.sign(header: #"{"alg":"ES256","kid":"k1"}"#, claims: claims)
        let parts = good.split(separator: ".")
        let altered = parts[0] + "." + Base64URL.encode(Data(#"{"iss":"https://as","aud":"attacker"}"#.utf8)) + "." + parts[2]
        let other = try P256.Signing.PrivateKey(rawRepresentation: Data((2...33).map { UInt8($0) }))
        let cases: [(String, String)] = [
            ("altered claims", String(altered)),
            ("another key", Self.sign(header: #"{"alg":"ES256","kid":"k1"}"#, claims: claims, with: other)),
            ("unknown kid", Self.sign(header: #"{"alg":"ES256","kid":"k9"}"#, claims: claims)),
            ("alg none", Base64URL.encode(Data(#"{"alg":"none"}"#.utf8)) + "." + parts[1] + "."),
            ("HMAC", Base64URL.encode(Data(#"{"alg":"HS256","kid":"k1"}"#.utf8)) + "." + parts[1] + "." + parts[2]),
        ]
        for (name, token) in cases {
            let check = await IDTokenSignature.verify(token: token, jwksJSON: Self.jwks, allowedAlgorithms: ["ES256", "HS256"])
            #expect(!check.ok, "\(name) passed the signature check")
        }
    }
}
