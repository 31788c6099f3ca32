import Crypto
import CryptoExtras
import Foundation
import JWTKit
import OAuthCore

/// The claims of an ID token (OIDC Core §2, §3.1.3.6). Optional claims are left out when nil.
struct IDTokenClaims: JWTPayload, Equatable {
    var iss: String
    var sub: String
    var aud: String
    var exp: Int
    var iat: Int
    var auth_time: Int
    var nonce: String?
    var at_hash: String?
    var email: String?
    var email_verified: Bool?
    var name: String?
    var preferred_username: String?

    /// The provider only signs; checking is the relying party's job.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// The provider's signing key, generated at start: it signs ID tokens and is published at `/jwks`.
struct SigningKeys: Sendable {
    let algorithm: SigningAlgorithm
    /// The RFC 7638 thumbprint of the public key, so the same key always gets the same `kid`.
    let kid: String
    /// The public key as a JWK (RFC 7517 §4), with `kid`, `alg` and `use`.
    let publicJWK: JSONValue
    private let collection: JWTKeyCollection

    static func generate(_ algorithm: SigningAlgorithm) async throws(MockProviderError) -> SigningKeys {
        let collection = JWTKeyCollection()
        let members: [(String, JSONValue)]
        switch algorithm {
        case .es256:
            let key = ES256PrivateKey()
            guard let p = key.parameters else { throw .keyGenerationFailed(reason: "the P-256 key has no coordinates") }
            members = [("crv", .string("P-256")), ("kty", .string("EC")), ("x", .string(p.x)), ("y", .string(p.y))]
            let kid = thumbprint(members)
            await collection.add(ecdsa: key, kid: JWKIdentifier(string: kid))
            return SigningKeys(algorithm: algorithm, kid: kid, members: members, collection: collection)
        case .rs256:
            do {
                let key = try Insecure.RSA.PrivateKey(backing: _RSA.Signing.PrivateKey(keySize: .bits2048))
                let (n, e) = try key.publicKey.getKeyPrimitives()
                let rsaMembers: [(String, JSONValue)] = [("e", .string(Base64URL.encode(e))), ("kty", .string("RSA")), ("n", .string(Base64URL.encode(n)))]
                let kid = thumbprint(rsaMembers)
                await collection.add(rsa: key, digestAlgorithm: .sha256, kid: JWKIdentifier(string: kid))
                return SigningKeys(algorithm: algorithm, kid: kid, members: rsaMembers, collection: collection)
            } catch {
                throw .keyGenerationFailed(reason: "\(error)")
            }
        }
    }

    private init(algorithm: SigningAlgorithm, kid: String, members: [(String, JSONValue)], collection: JWTKeyCollection) {
        self.algorithm = algorithm
        self.kid = kid
        self.collection = collection
        self.publicJWK = .object(members + [("kid", .string(kid)), ("alg", .string(algorithm.rawValue)), ("use", .string("sig"))])
    }

    /// RFC 7638 §3: SHA-256 over the required members, in lexicographic order, without whitespace.
    private static func thumbprint(_ sortedRequiredMembers: [(String, JSONValue)]) -> String {
        let json = JSONValue.object(sortedRequiredMembers).serialized()
        return Base64URL.encode(Data(SHA256.hash(data: Data(json.utf8))))
    }

    /// The JWK Set served at `/jwks` (RFC 7517 §5).
    var jwks: JSONValue { .object([("keys", .array([publicJWK]))]) }

    /// A compact JWS of the claims, with `kid` in the header.
    func sign(_ claims: IDTokenClaims) async throws -> String {
        try await collection.sign(claims, kid: JWKIdentifier(string: kid))
    }

    /// `at_hash` (OIDC Core §3.1.3.6): the left half of the hash of the ASCII access token, base64url. Both RS256 and
    /// ES256 hash with SHA-256, so the left 16 bytes.
    static func accessTokenHash(_ accessToken: String) -> String {
        let digest = Array(SHA256.hash(data: Data(accessToken.utf8)))
        return Base64URL.encode(digest.prefix(digest.count / 2))
    }
}
