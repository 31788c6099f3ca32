import Crypto
import Foundation

/// The JWK thumbprint of RFC 7638: SHA-256 over the key's required members, sorted, without whitespace.
public enum JWKThumbprint {
    /// The base64url thumbprint, or nil when `jwk` is not a public key of a known type with its members.
    public static func compute(_ jwk: JSONValue) -> String? {
        guard let input = canonical(jwk) else { return nil }
        return Base64URL.encode(Array(SHA256.hash(data: Data(input.utf8))))
    }

    /// The JSON hashed (RFC 7638 §3.2): the required members of the key type, in lexicographic order.
    public static func canonical(_ jwk: JSONValue) -> String? {
        guard let kty = jwk["kty"]?.stringValue else { return nil }
        let members: [String]
        switch kty {
        case "EC": members = ["crv", "kty", "x", "y"]
        case "RSA": members = ["e", "kty", "n"]
        case "OKP": members = ["crv", "kty", "x"]
        case "oct": members = ["k", "kty"]
        default: return nil
        }
        var parts: [String] = []
        for m in members {
            guard let v = jwk[m]?.stringValue else { return nil }
            parts.append(JSONValue.string(m).serialized() + ":" + JSONValue.string(v).serialized())
        }
        return "{" + parts.joined(separator: ",") + "}"
    }
}

/// RFC 9449's rules shared by the client that builds proofs and the server that checks them.
public enum DPoP {
    /// The only proof algorithm used and accepted here.
    public static let algorithm = "ES256"
    /// The `typ` of a proof (RFC 9449 §4.2).
    public static let proofType = "dpop+jwt"
    /// How far a proof's `iat` may be from the server's clock (RFC 9449 §11.1 leaves it to the server).
    /// Five minutes, so that a proof built just before a step-mode pause is still good when the user goes on.
    public static let iatWindow: TimeInterval = 300

    /// `htu`: the URL without query and fragment (RFC 9449 §4.2).
    public static func htu(_ url: URL) -> String {
        guard var c = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return url.absoluteString }
        c.query = nil
        c.fragment = nil
        return c.string ?? url.absoluteString
    }

    /// `ath`: base64url(SHA-256(access token)) (RFC 9449 §4.2).
    public static func ath(_ accessToken: String) -> String {
        Base64URL.encode(Array(SHA256.hash(data: Data(accessToken.utf8))))
    }
}

/// A proof as sent, with its decoded parts for the screen.
public struct DPoPProof: Sendable, Hashable {
    public var jwt: String
    public var header: JSONValue
    public var claims: JSONValue
}

/// The ephemeral P-256 key of one run (RFC 9449 §4.1): its public JWK goes in every proof's header, and its
/// thumbprint is what a bound token's `cnf.jkt` must name.
public struct DPoPKey: Sendable {
    private let privateKey: P256.Signing.PrivateKey
    /// `{"kty":"EC","crv":"P-256","x":...,"y":...}`, the public key only.
    public let jwk: JSONValue
    /// The RFC 7638 thumbprint of `jwk`.
    public let thumbprint: String

    /// A new key.
    public init() { self.init(privateKey: P256.Signing.PrivateKey()) }

    public init(privateKey: P256.Signing.PrivateKey) {
        self.privateKey = privateKey
        let raw = privateKey.publicKey.rawRepresentation  // x || y, 32 bytes each
        let jwk = JSONValue.object([
            ("kty", .string("EC")),
            ("crv", .string("P-256")),
            ("x", .string(Base64URL.encode(raw.prefix(32)))),
            ("y", .string(Base64URL.encode(raw.suffix(32)))),
        ])
        self.jwk = jwk
        self.thumbprint = JWKThumbprint.compute(jwk) ?? ""
    }

    /// A signed proof for one request (RFC 9449 §4.2): `htm`, `htu` without query and fragment, `iat`, a fresh
    /// `jti`, the server's `nonce` when it gave one, and `ath` when an access token goes with the request.
    public func proof(method: String, url: URL, nonce: String? = nil, accessToken: String? = nil, now: Date = Date(), jti: String = SecureRandom.token(bytes: 16)) -> DPoPProof {
        let header = JSONValue.object([("typ", .string(DPoP.proofType)), ("alg", .string(DPoP.algorithm)), ("jwk", jwk)])
        var claims: [(String, JSONValue)] = [
            ("jti", .string(jti)),
            ("htm", .string(method)),
            ("htu", .string(DPoP.htu(url))),
            ("iat", .number(Double(Int(now.timeIntervalSince1970)))),
        ]
        if let nonce { claims.append(("nonce", .string(nonce))) }
        if let accessToken { claims.append(("ath", .string(DPoP.ath(accessToken)))) }
        let body = JSONValue.object(claims)
        let input = Base64URL.encode(Data(header.serialized().utf8)) + "." + Base64URL.encode(Data(body.serialized().utf8))
        let signature = (try? privateKey.signature(for: Data(input.utf8)).rawRepresentation) ?? Data()
        return DPoPProof(jwt: input + "." + Base64URL.encode(signature), header: header, claims: body)
    }

    /// What each member of a proof is for, for the screen.
    public static let explanations: [(String, String)] = [
        ("typ", "dpop+jwt: this JWT is a DPoP proof, nothing else (RFC 9449 §4.2)"),
        ("alg", "the signature algorithm; ES256 = ECDSA P-256 with SHA-256"),
        ("jwk", "the public key the proof is signed with; the server binds the token to its thumbprint (RFC 7638)"),
        ("jti", "a unique id, so the server can refuse a replayed proof (RFC 9449 §11.1)"),
        ("htm", "the HTTP method of the request this proof is for"),
        ("htu", "the URL of that request, without query and fragment"),
        ("iat", "when the proof was made; the server accepts it only for a short while"),
        ("nonce", "the value of the server's DPoP-Nonce header, proving the proof is fresh (RFC 9449 §8, §9)"),
        ("ath", "base64url(SHA-256(access token)): ties the proof to the token sent with it (resource calls only)"),
    ]
}

/// Why a DPoP proof was refused (RFC 9449 §4.3), each case naming the rule.
public enum DPoPProofError: Error, Sendable, Hashable, CustomStringConvertible {
    case malformed(String)
    case wrongType(String?)
    case unsupportedAlgorithm(String?)
    case badKey(String)
    case badSignature
    case methodMismatch(sent: String?, expected: String)
    case urlMismatch(sent: String?, expected: String)
    case iatOutOfWindow(String)
    case missingJTI
    case replayed
    case missingAth
    case athMismatch
    case missingNonce
    case wrongNonce

    public var description: String {
        switch self {
        case .malformed(let why): return "the DPoP proof is not a JWT: \(why) (RFC 9449 §4.3 step 2)"
        case .wrongType(let t): return "the proof's typ is \(t.map { "\"\($0)\"" } ?? "missing"), not dpop+jwt (RFC 9449 §4.3 step 4)"
        case .unsupportedAlgorithm(let a): return "the proof's alg is \(a.map { "\"\($0)\"" } ?? "missing"); this server accepts ES256 (RFC 9449 §4.3 step 5)"
        case .badKey(let why): return "the proof's jwk header cannot be used: \(why) (RFC 9449 §4.3 step 7)"
        case .badSignature: return "the proof's signature does not verify with its jwk (RFC 9449 §4.3 step 6)"
        case .methodMismatch(let s, let e): return "the proof's htm is \(s ?? "missing"), but the request is \(e) (RFC 9449 §4.3 step 8)"
        case .urlMismatch(let s, let e): return "the proof's htu is \(s ?? "missing"), but the request went to \(e) (RFC 9449 §4.3 step 9)"
        case .iatOutOfWindow(let why): return "the proof's iat \(why) (RFC 9449 §4.3 step 11)"
        case .missingJTI: return "the proof has no jti (RFC 9449 §4.2)"
        case .replayed: return "the proof's jti was already used: a proof is single-use (RFC 9449 §11.1)"
        case .missingAth: return "the proof has no ath, but an access token goes with it (RFC 9449 §4.3 step 12)"
        case .athMismatch: return "the proof's ath is not the hash of the access token sent (RFC 9449 §4.3 step 12)"
        case .missingNonce: return "the proof carries no nonce, and this server requires one (RFC 9449 §8)"
        case .wrongNonce: return "the proof's nonce is not one this server gave, or is stale (RFC 9449 §8)"
        }
    }

    /// Whether a fresh nonce fixes it (the server then answers `use_dpop_nonce` with a `DPoP-Nonce` header).
    public var wantsNonce: Bool { self == .missingNonce || self == .wrongNonce }
}

/// A proof that passed the stateless checks: what the server still checks against its own state.
public struct VerifiedDPoPProof: Sendable, Hashable {
    /// The RFC 7638 thumbprint of the proof's key.
    public var thumbprint: String
    public var jti: String
    public var nonce: String?
}

/// The stateless checks of RFC 9449 §4.3 (structure, typ, alg, key, signature, htm, htu, iat, ath). The caller
/// checks `jti` against the proofs it has seen and `nonce` against the nonces it gave.
public enum DPoPProofVerifier {
    public static func verify(_ proof: String, method: String, url: String, accessToken: String? = nil, now: Date, window: TimeInterval = DPoP.iatWindow) -> Result<VerifiedDPoPProof, DPoPProofError> {
        guard proof.utf8.count <= 8192 else { return .failure(.malformed("longer than 8192 bytes")) }
        let jwt: DecodedJWT
        do { jwt = try DecodedJWT(proof) } catch { return .failure(.malformed(error.description)) }
        guard jwt.header["typ"]?.stringValue == DPoP.proofType else { return .failure(.wrongType(jwt.header["typ"]?.stringValue)) }
        guard jwt.algorithm == DPoP.algorithm else { return .failure(.unsupportedAlgorithm(jwt.algorithm)) }
        guard let jwk = jwt.header["jwk"], jwk.objectValue != nil else { return .failure(.badKey("it is missing")) }
        guard jwk["d"] == nil else { return .failure(.badKey("it holds a private key")) }
        guard jwk["kty"]?.stringValue == "EC", jwk["crv"]?.stringValue == "P-256",
              let x = jwk["x"]?.stringValue.flatMap(Base64URL.decode), let y = jwk["y"]?.stringValue.flatMap(Base64URL.decode),
              x.count == 32, y.count == 32 else {
            return .failure(.badKey("it is not an EC P-256 public key with 32-byte x and y"))
        }
        guard let key = try? P256.Signing.PublicKey(rawRepresentation: x + y) else { return .failure(.badKey("x and y are not a point on P-256")) }
        guard jwt.signature.count == 64, let signature = try? P256.Signing.ECDSASignature(rawRepresentation: jwt.signature),
              key.isValidSignature(signature, for: Data(jwt.signingInput.utf8)) else {
            return .failure(.badSignature)
        }
        let htm = jwt.claims["htm"]?.stringValue
        guard htm == method else { return .failure(.methodMismatch(sent: htm, expected: method)) }
        let htu = jwt.claims["htu"]?.stringValue
        guard let htu, let sent = URL(string: htu), Self.sameTarget(DPoP.htu(sent), url) else { return .failure(.urlMismatch(sent: htu, expected: url)) }
        guard let iat = jwt.claims["iat"]?.numberValue, iat.isFinite else { return .failure(.iatOutOfWindow("is missing")) }
        let skew = iat - now.timeIntervalSince1970
        if skew > window { return .failure(.iatOutOfWindow("is \(Int(skew)) s in the future")) }
        if -skew > window { return .failure(.iatOutOfWindow("is \(Int(-skew)) s old; proofs are accepted for \(Int(window)) s")) }
        guard let jti = jwt.claims["jti"]?.stringValue, !jti.isEmpty, jti.count <= 256 else { return .failure(.missingJTI) }
        if let accessToken {
            guard let ath = jwt.claims["ath"]?.stringValue else { return .failure(.missingAth) }
            guard constantTimeEquals(ath, DPoP.ath(accessToken)) else { return .failure(.athMismatch) }
        }
        guard let thumbprint = JWKThumbprint.compute(jwk) else { return .failure(.badKey("no thumbprint")) }
        return .success(VerifiedDPoPProof(thumbprint: thumbprint, jti: jti, nonce: jwt.claims["nonce"]?.stringValue))
    }

    /// htu comparison (RFC 9449 §4.3 step 9): scheme and host ignore case, a default port may be left out.
    static func sameTarget(_ a: String, _ b: String) -> Bool {
        guard let ua = URLComponents(string: a), let ub = URLComponents(string: b) else { return a == b }
        func port(_ c: URLComponents) -> Int? { c.port ?? (c.scheme?.lowercased() == "https" ? 443 : c.scheme?.lowercased() == "http" ? 80 : nil) }
        return ua.scheme?.lowercased() == ub.scheme?.lowercased() && ua.host?.lowercased() == ub.host?.lowercased()
            && port(ua) == port(ub) && (ua.path.isEmpty ? "/" : ua.path) == (ub.path.isEmpty ? "/" : ub.path)
    }
}
