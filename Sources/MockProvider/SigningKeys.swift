import Crypto
import CryptoExtras
import Foundation
import OAuthCore

/// One asymmetric signing key of the provider, with its public half as a JWK.
struct SigningKey: Sendable {
    let algorithm: SigningAlgorithm
    /// The RFC 7638 thumbprint of the public key, so the same key always gets the same `kid`.
    let kid: String
    /// The public key as a JWK (RFC 7517 §4), with `kid`, `alg` and `use`.
    let publicJWK: JSONValue
    /// The public key as PEM (SubjectPublicKeyInfo): what a verifier that trusts the token's `alg` would wrongly use
    /// as an HMAC secret (RFC 8725 §2.1).
    let publicKeyPEM: String
    private let privateKey: PrivateKey

    private enum PrivateKey: Sendable {
        case p256(P256.Signing.PrivateKey)
        case rsa(_RSA.Signing.PrivateKey)
    }

    static func generate(_ algorithm: SigningAlgorithm) throws(MockProviderError) -> SigningKey {
        switch algorithm {
        case .es256:
            let key = P256.Signing.PrivateKey()
            // X9.63: 0x04 || x || y, each coordinate 32 bytes.
            let point = key.publicKey.x963Representation
            guard point.count == 65 else { throw .keyGenerationFailed(reason: "the P-256 public key is not an uncompressed point") }
            let members: [(String, JSONValue)] = [
                ("crv", .string("P-256")), ("kty", .string("EC")),
                ("x", .string(Base64URL.encode(point.dropFirst().prefix(32)))),
                ("y", .string(Base64URL.encode(point.suffix(32)))),
            ]
            return SigningKey(algorithm: algorithm, members: members, pem: key.publicKey.pemRepresentation, privateKey: .p256(key))
        case .rs256:
            do {
                let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
                let primitives = try key.publicKey.getKeyPrimitives()
                let members: [(String, JSONValue)] = [
                    ("e", .string(Base64URL.encode(primitives.publicExponent))), ("kty", .string("RSA")),
                    ("n", .string(Base64URL.encode(primitives.modulus))),
                ]
                return SigningKey(algorithm: algorithm, members: members, pem: key.publicKey.pemRepresentation, privateKey: .rsa(key))
            } catch {
                throw .keyGenerationFailed(reason: "\(error)")
            }
        }
    }

    private init(algorithm: SigningAlgorithm, members: [(String, JSONValue)], pem: String, privateKey: PrivateKey) {
        let kid = Self.thumbprint(members)
        self.algorithm = algorithm
        self.kid = kid
        self.publicKeyPEM = pem
        self.privateKey = privateKey
        self.publicJWK = .object(members + [("kid", .string(kid)), ("alg", .string(algorithm.rawValue)), ("use", .string("sig"))])
    }

    /// RFC 7638 §3: SHA-256 over the required members, in lexicographic order, without whitespace.
    private static func thumbprint(_ sortedRequiredMembers: [(String, JSONValue)]) -> String {
        let json = JSONValue.object(sortedRequiredMembers).serialized()
        return Base64URL.encode(Data(SHA256.hash(data: Data(json.utf8))))
    }

    /// The JWS signature over the signing input (RFC 7518 §3.3 for RS256, §3.4 for ES256: the raw `R || S`).
    func signature(over signingInput: Data) throws -> Data {
        switch privateKey {
        case .p256(let key):
            return try key.signature(for: signingInput).rawRepresentation
        case .rsa(let key):
            return try key.signature(for: signingInput, padding: .insecurePKCS1v1_5).rawRepresentation
        }
    }
}

/// The provider's keys, generated at start. `current` signs ID tokens and is published at `/jwks`; the other two
/// exist only for the `rotatedKey` and `unknownKid` faults.
struct SigningKeys: Sendable {
    let current: SigningKey
    /// The key the provider "rotates to" under `MockFault.rotatedKey`: it signs, and `/jwks` publishes it from the
    /// second fetch on.
    let rotated: SigningKey?
    /// A key that signs under `MockFault.unknownKid` and is never published.
    let unpublished: SigningKey?

    var algorithm: SigningAlgorithm { current.algorithm }

    /// Generates the signing key, plus the extra keys the configured faults need.
    static func generate(_ algorithm: SigningAlgorithm, faults: Set<MockFault> = []) async throws(MockProviderError) -> SigningKeys {
        SigningKeys(
            current: try SigningKey.generate(algorithm),
            rotated: faults.contains(.rotatedKey) ? try SigningKey.generate(algorithm) : nil,
            unpublished: faults.contains(.unknownKid) ? try SigningKey.generate(algorithm) : nil
        )
    }

    /// The JWK Set served at `/jwks` (RFC 7517 §5). `includeRotated` adds the rotated key after the current one.
    func jwks(includeRotated: Bool = false) -> JSONValue {
        var keys = [current.publicJWK]
        if includeRotated, let rotated { keys.append(rotated.publicJWK) }
        return .object([("keys", .array(keys))])
    }

    /// `at_hash` (OIDC Core §3.1.3.6): the left half of the hash of the ASCII access token, base64url. Both RS256 and
    /// ES256 hash with SHA-256, so the left 16 bytes.
    static func accessTokenHash(_ accessToken: String) -> String {
        let digest = Array(SHA256.hash(data: Data(accessToken.utf8)))
        return Base64URL.encode(digest.prefix(digest.count / 2))
    }
}

/// The JWS Compact Serialization (RFC 7515 §7.1), written by hand so that a fault can produce what no JOSE library
/// would: an unsigned token, an HMAC over a public key, a signature with altered bytes.
enum JWS {
    /// The protected header `{"alg","kid","typ":"JWT"}`; `kid` left out when nil.
    static func header(alg: String, kid: String?) -> JSONValue {
        var members: [(String, JSONValue)] = [("alg", .string(alg))]
        if let kid { members.append(("kid", .string(kid))) }
        members.append(("typ", .string("JWT")))
        return .object(members)
    }

    /// `BASE64URL(header) . BASE64URL(claims)`: the bytes that are signed.
    static func signingInput(header: JSONValue, claims: JSONValue) -> String {
        Base64URL.encode(Data(header.serialized().utf8)) + "." + Base64URL.encode(Data(claims.serialized().utf8))
    }

    static func compact(header: JSONValue, claims: JSONValue, signer: (Data) throws -> Data) throws -> String {
        let input = signingInput(header: header, claims: claims)
        return input + "." + Base64URL.encode(try signer(Data(input.utf8)))
    }
}
