import Crypto
import Foundation
import OAuthCore

/// The claims of an ID token (OIDC Core §2, §3.1.3.6). Optional claims are left out when nil.
struct IDTokenClaims: Sendable, Equatable {
    var iss: String
    var sub: String
    /// Serialized as a string when it holds one audience, as an array otherwise (OIDC Core §2).
    var aud: [String]
    var azp: String?
    var exp: Int
    var iat: Int
    var authTime: Int
    var nonce: String?
    var atHash: String?
    var email: String?
    var emailVerified: Bool?
    var name: String?
    var preferredUsername: String?
    /// Provider-specific claims (Microsoft's `tid`, `oid`, `ver`), appended in order.
    var extra: [(String, JSONValue)] = []

    static func == (a: IDTokenClaims, b: IDTokenClaims) -> Bool { a.json == b.json }

    /// The claims as JSON, in the order OIDC Core §2 lists them.
    var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("iss", .string(iss)),
            ("sub", .string(sub)),
            ("aud", aud.count == 1 ? .string(aud[0]) : .array(aud.map(JSONValue.string))),
        ]
        if let azp { members.append(("azp", .string(azp))) }
        members += [
            ("exp", .number(Double(exp))),
            ("iat", .number(Double(iat))),
            ("auth_time", .number(Double(authTime))),
        ]
        if let nonce { members.append(("nonce", .string(nonce))) }
        if let atHash { members.append(("at_hash", .string(atHash))) }
        if let email { members.append(("email", .string(email))) }
        if let emailVerified { members.append(("email_verified", .bool(emailVerified))) }
        if let name { members.append(("name", .string(name))) }
        if let preferredUsername { members.append(("preferred_username", .string(preferredUsername))) }
        return .object(members + extra)
    }
}

extension ProviderCore {
    /// OIDC Core §2 and §3.1.3.6, with the configured claim faults applied. A refreshed ID token carries no nonce
    /// (§12.2).
    func idTokenClaims(client: MockClient, user: String, scopes: [String], authTime: Date, nonce: String?, accessToken: String, now: Date, issuer: String? = nil) -> IDTokenClaims {
        let faults = configuration.faults
        var iat = Int(now.timeIntervalSince1970)
        let lifetime = Int(configuration.accessTokenLifetime.timeInterval)
        var exp = iat + lifetime
        if faults.contains(.expiredIDToken) {
            // Expired an hour ago, far beyond any clock skew a client allows; issued before it expired.
            exp = iat - 3600
            iat = exp - max(lifetime, 60)
        } else if faults.contains(.issuedInFuture) {
            iat += 3600
            exp = iat + lifetime
        }
        var claims = IDTokenClaims(
            iss: issuer ?? self.issuer,
            sub: user,
            aud: [client.id],
            exp: exp,
            iat: iat,
            authTime: min(Int(authTime.timeIntervalSince1970), iat),
            nonce: nonce,
            atHash: SigningKeys.accessTokenHash(accessToken),
            email: scopes.contains("email") ? UserProfile.email(user) : nil,
            emailVerified: scopes.contains("email") ? true : nil,
            name: scopes.contains("profile") ? UserProfile.name(user) : nil,
            preferredUsername: scopes.contains("profile") ? user : nil
        )
        switch personality {
        case .google:
            claims.azp = client.id
        case .microsoft:
            claims.extra = [
                ("oid", .string(UserProfile.objectID(user))),
                ("tid", .string(MicrosoftTenant.id)),
                ("ver", .string("2.0")),
            ]
            claims.preferredUsername = UserProfile.email(user)
        default:
            break
        }
        if faults.contains(.wrongAudience) { claims.aud = [MockFault.foreignClientID] }
        if faults.contains(.wrongAuthorizedParty) {
            claims.aud = [client.id, MockFault.foreignClientID]
            claims.azp = MockFault.foreignClientID
        }
        if faults.contains(.missingNonce) { claims.nonce = nil }
        if faults.contains(.wrongNonce) { claims.nonce = "not-" + SecureRandom.token(bytes: 16) }
        if faults.contains(.wrongAtHash) { claims.atHash = SigningKeys.accessTokenHash("not-" + accessToken) }
        if faults.contains(.wrongIssuerInToken) { claims.iss = MockFault.foreignIssuer }
        if faults.contains(.escapeSequences) {
            claims.name = (claims.name ?? UserProfile.name(user)) + MockFault.hostileText
            claims.extra.append(("note", .string(MockFault.hostileText)))
        }
        return claims
    }

    /// Signs an ID token, with the configured signature faults applied. `algNone` wins over `hmacKeyConfusion`,
    /// which wins over the choice of key (`unknownKid`, then `rotatedKey`); `badSignature` then alters whatever
    /// signature there is.
    func signIDToken(_ claims: IDTokenClaims) throws -> String {
        let faults = configuration.faults
        var payload = claims.json
        if faults.contains(.hugeNumbers), case .object(var members) = payload {
            // Past what an integer holds, so only the JSON can carry it.
            for i in members.indices where members[i].0 == "exp" || members[i].0 == "iat" {
                members[i].1 = .number(MockFault.hugeNumber)
            }
            payload = .object(members)
        }
        var token: String
        if faults.contains(.algNone) {
            token = JWS.signingInput(header: JWS.header(alg: "none", kid: nil), claims: payload) + "."
        } else if faults.contains(.hmacKeyConfusion) {
            let published = keys.current
            let secret = SymmetricKey(data: Data(published.publicKeyPEM.utf8))
            token = try JWS.compact(header: JWS.header(alg: "HS256", kid: published.kid), claims: payload) { input in
                Data(HMAC<SHA256>.authenticationCode(for: input, using: secret))
            }
        } else {
            let key = faults.contains(.unknownKid) ? keys.unpublished : faults.contains(.rotatedKey) ? keys.rotated : keys.current
            let signer = key ?? keys.current
            token = try JWS.compact(header: JWS.header(alg: signer.algorithm.rawValue, kid: signer.kid), claims: payload, signer: signer.signature(over:))
        }
        if faults.contains(.badSignature) { token = Self.alteringSignature(of: token) }
        return token
    }

    /// The same token with the first byte of its signature flipped; an empty signature becomes one zero byte.
    static func alteringSignature(of token: String) -> String {
        guard let dot = token.lastIndex(of: ".") else { return token }
        var signature = Base64URL.decode(token[token.index(after: dot)...]) ?? Data()
        if signature.isEmpty {
            signature = Data([0])
        } else {
            signature[signature.startIndex] ^= 0xFF
        }
        return token[...dot] + Base64URL.encode(signature)
    }
}

/// The made-up profile of a configured user.
enum UserProfile {
    static func email(_ user: String) -> String { "\(user)@example.com" }
    static func name(_ user: String) -> String { user.prefix(1).uppercased() + user.dropFirst() }
    /// A stable number for the user (GitHub's `id`).
    static func numericID(_ user: String) -> Int {
        let digest = Array(SHA256.hash(data: Data(("id:" + user).utf8)))
        return digest.prefix(3).reduce(0) { $0 << 8 | Int($1) } + 1_000_000
    }

    /// A stable UUID-shaped id for the user (Microsoft's `oid`, Atlassian's site id).
    static func objectID(_ user: String, salt: String = "oid") -> String {
        let hex = SHA256.hash(data: Data((salt + ":" + user).utf8)).map { String(format: "%02x", $0) }.joined()
        let c = Array(hex.prefix(32))
        return [c[0..<8], c[8..<12], c[12..<16], c[16..<20], c[20..<32]].map { String($0) }.joined(separator: "-")
    }
}

/// The directory the Microsoft personality's users belong to.
enum MicrosoftTenant {
    /// The `tid` of every ID token: a fixed, made-up directory id.
    static let id = "3f5c2a1e-0b7d-4e8a-9c61-7d2b4a9e0f13"
}
