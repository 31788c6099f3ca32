import Crypto
import CryptoExtras
import Foundation

/// The client's private key for `private_key_jwt` (OIDC Core §9): an EC P-256 key (ES256) or an RSA key (RS256),
/// read from a PEM or a private JWK. Parsing takes bytes; reading the file is the caller's business.
public struct ClientSigningKey: Sendable, Hashable {
    /// `ES256` or `RS256`, from the key.
    public let algorithm: String
    /// The JWK's `kid`, else the RFC 7638 thumbprint of the public key.
    public let kid: String
    /// The public half as a JWK (RFC 7517 §4), with `kid`, `alg` and `use`: what the server registers.
    public let publicJWK: JSONValue
    private let material: Material

    private enum Material: Sendable {
        case p256(P256.Signing.PrivateKey)
        case rsa(_RSA.Signing.PrivateKey)
    }

    // Two keys are the same key when their public halves are.
    public static func == (a: ClientSigningKey, b: ClientSigningKey) -> Bool { a.publicJWK == b.publicJWK }
    public func hash(into hasher: inout Hasher) { hasher.combine(kid) }

    /// The largest key file taken: a PEM or JWK of a 4096-bit RSA key is about 3 KB.
    public static let maxFileSize = 64 * 1024

    /// A fresh P-256 key (the demo's when no `--private-key` is given).
    public static func generateP256(kid: String? = nil) -> ClientSigningKey {
        let key = P256.Signing.PrivateKey()
        return ClientSigningKey(p256: key, kid: kid)
    }

    private init(p256 key: P256.Signing.PrivateKey, kid: String?) {
        let point = key.publicKey.x963Representation
        let members: [(String, JSONValue)] = [
            ("crv", .string("P-256")), ("kty", .string("EC")),
            ("x", .string(Base64URL.encode(point.dropFirst().prefix(32)))),
            ("y", .string(Base64URL.encode(point.suffix(32)))),
        ]
        self.init(material: .p256(key), algorithm: "ES256", members: members, kid: kid)
    }

    private init(rsa key: _RSA.Signing.PrivateKey, kid: String?) throws(ClientKeyError) {
        guard let primitives = try? key.publicKey.getKeyPrimitives() else { throw .unreadable("the RSA key's public numbers cannot be read") }
        let members: [(String, JSONValue)] = [
            ("e", .string(Base64URL.encode(primitives.publicExponent))), ("kty", .string("RSA")),
            ("n", .string(Base64URL.encode(primitives.modulus))),
        ]
        self.init(material: .rsa(key), algorithm: "RS256", members: members, kid: kid)
    }

    private init(material: Material, algorithm: String, members: [(String, JSONValue)], kid: String?) {
        // RFC 7638 §3: SHA-256 over the required members in lexicographic order, without whitespace.
        let thumbprint = Base64URL.encode(Data(SHA256.hash(data: Data(JSONValue.object(members).serialized().utf8))))
        let id = kid.flatMap { $0.isEmpty ? nil : $0 } ?? thumbprint
        self.material = material
        self.algorithm = algorithm
        self.kid = id
        self.publicJWK = .object(members + [("kid", .string(id)), ("alg", .string(algorithm)), ("use", .string("sig"))])
    }

    /// The JWK Set (RFC 7517 §5) holding the public key: what `provider serve --client-jwks` reads.
    public var publicJWKS: JSONValue { .object([("keys", .array([publicJWK]))]) }

    /// The JWS signature over the signing input (RFC 7518 §3.3 RS256; §3.4 ES256 as raw `R || S`).
    func signature(over input: Data) throws -> Data {
        switch material {
        case .p256(let key): return try key.signature(for: input).rawRepresentation
        case .rsa(let key): return try key.signature(for: input, padding: .insecurePKCS1v1_5).rawRepresentation
        }
    }

    // MARK: - Reading a key

    /// Reads a PEM (PKCS#8 `PRIVATE KEY`, SEC1 `EC PRIVATE KEY`, PKCS#1 `RSA PRIVATE KEY`) or a private JWK (or a
    /// JWK Set holding exactly one private key). Every problem is an error that says what to fix.
    public static func parse(_ data: Data) throws(ClientKeyError) -> ClientSigningKey {
        guard data.count <= maxFileSize else { throw .tooLarge(data.count) }
        guard let text = String(data: data, encoding: .utf8) else { throw .unreadable("the file is not text (a DER file? convert it with: openssl pkey -in KEY.der -inform DER -out key.pem)") }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("{") { return try parseJWK(trimmed) }
        if trimmed.contains("-----BEGIN ") { return try parsePEM(trimmed) }
        throw .unreadable("the file is neither a PEM (-----BEGIN PRIVATE KEY-----) nor a JWK (a JSON object)")
    }

    static func parsePEM(_ text: String) throws(ClientKeyError) -> ClientSigningKey {
        var labels: [String] = []
        var rest = Substring(text)
        while let begin = rest.range(of: "-----BEGIN "), let close = rest[begin.upperBound...].range(of: "-----") {
            labels.append(String(rest[begin.upperBound..<close.lowerBound]))
            rest = rest[close.upperBound...]
        }
        let privateLabels = ["PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY"]
        guard let label = labels.first(where: privateLabels.contains) else {
            if labels.contains("ENCRYPTED PRIVATE KEY") { throw .encrypted }
            if labels.contains(where: { $0.hasSuffix("PUBLIC KEY") }) { throw .publicOnly }
            if labels.contains("CERTIFICATE") { throw .certificate }
            throw .unreadable("the PEM holds no private key (found \(labels.prefix(3).joined(separator: ", ")))")
        }
        guard let block = Self.pemBlock(label, in: text) else { throw .unreadable("the \(label) block has no END line") }
        if label != "RSA PRIVATE KEY" {
            if let key = try? P256.Signing.PrivateKey(pemRepresentation: block) { return ClientSigningKey(p256: key, kid: nil) }
            if (try? P384.Signing.PrivateKey(pemRepresentation: block)) != nil { throw .unsupportedCurve("P-384") }
            if (try? P521.Signing.PrivateKey(pemRepresentation: block)) != nil { throw .unsupportedCurve("P-521") }
            if label == "EC PRIVATE KEY" { throw .unsupportedCurve("a curve other than P-256") }
        }
        if let key = try? _RSA.Signing.PrivateKey(pemRepresentation: block) { return try ClientSigningKey(rsa: key, kid: nil) }
        throw .unsupportedType("the \(label) is neither an EC P-256 key nor an RSA key of 2048 bits or more (Ed25519 and small RSA keys are not taken)")
    }

    private static func pemBlock(_ label: String, in text: String) -> String? {
        guard let start = text.range(of: "-----BEGIN \(label)-----"),
              let end = text.range(of: "-----END \(label)-----", range: start.upperBound..<text.endIndex) else { return nil }
        return String(text[start.lowerBound..<end.upperBound])
    }

    static func parseJWK(_ text: String) throws(ClientKeyError) -> ClientSigningKey {
        guard let json = JSONValue.parse(text), case .object = json else { throw .unreadable("the file starts like JSON but does not parse as a JSON object") }
        var jwk = json
        if let keys = json["keys"]?.arrayValue {
            let privateKeys = keys.filter { $0["d"] != nil }
            guard !privateKeys.isEmpty else { throw keys.isEmpty ? .unreadable("the JWK Set has no keys") : .publicOnly }
            guard privateKeys.count == 1, let only = privateKeys.first else { throw .unreadable("the JWK Set holds \(privateKeys.count) private keys; keep only the one to sign with") }
            jwk = only
        }
        let kid = jwk["kid"]?.stringValue
        func bytes(_ name: String) throws(ClientKeyError) -> Data {
            guard let s = jwk[name]?.stringValue, let d = Base64URL.decode(s), !d.isEmpty else {
                throw .unreadable("the JWK's \"\(name)\" is missing or not base64url")
            }
            return d
        }
        switch jwk["kty"]?.stringValue {
        case "EC":
            let crv = jwk["crv"]?.stringValue ?? "(none)"
            guard crv == "P-256" else { throw .unsupportedCurve(crv) }
            if let alg = jwk["alg"]?.stringValue, alg != "ES256" { throw .unsupportedType("the JWK says alg \(alg); a P-256 key signs ES256") }
            guard jwk["d"] != nil else { throw .publicOnly }
            let d = try bytes("d"), x = try bytes("x"), y = try bytes("y")
            guard let key = try? P256.Signing.PrivateKey(rawRepresentation: d) else { throw .unreadable("the JWK's \"d\" is not a P-256 private scalar") }
            guard key.publicKey.x963Representation == Data([4]) + x + y else { throw .unreadable("the JWK's \"x\" and \"y\" are not the public key of its \"d\"") }
            return ClientSigningKey(p256: key, kid: kid)
        case "RSA":
            if let alg = jwk["alg"]?.stringValue, alg != "RS256" { throw .unsupportedType("the JWK says alg \(alg); oauthscope signs RSA keys with RS256") }
            guard jwk["d"] != nil else { throw .publicOnly }
            guard jwk["p"] != nil, jwk["q"] != nil else { throw .unreadable("the RSA JWK lacks \"p\" and \"q\"; export it with its CRT parameters") }
            let key: _RSA.Signing.PrivateKey
            do {
                key = try _RSA.Signing.PrivateKey(n: try bytes("n"), e: try bytes("e"), d: try bytes("d"), p: try bytes("p"), q: try bytes("q"))
            } catch let e as ClientKeyError {
                throw e
            } catch {
                throw .unsupportedType("the RSA JWK is not a valid key of 2048 bits or more")
            }
            return try ClientSigningKey(rsa: key, kid: kid)
        case "oct":
            throw .unsupportedType("it is a symmetric key (kty oct); private-key-jwt needs an EC P-256 or RSA key (for a shared secret use --client-auth client-secret-jwt)")
        case let other:
            throw .unsupportedType("kty \(other ?? "(missing)") is not EC or RSA")
        }
    }
}

/// The clients' public keys for `private_key_jwt` on the server side (`provider serve --client-jwks`): a JWK Set
/// (RFC 7517 §5) with at least one key and no private parts. Parsing takes bytes; reading the file is the caller's
/// business.
public enum ClientJWKS {
    public static func parse(_ data: Data) throws(ClientKeyError) -> JSONValue {
        guard data.count <= ClientSigningKey.maxFileSize else { throw .tooLarge(data.count) }
        guard let json = JSONValue.parse(String(decoding: data, as: UTF8.self)), let keys = json["keys"]?.arrayValue, !keys.isEmpty else {
            throw .unreadable("expected a JWK Set, {\"keys\": [ ... ]}, with at least one key")
        }
        if keys.contains(where: { $0["d"] != nil }) {
            throw .unreadable("a key holds its private part (\"d\"); the server needs only the public keys")
        }
        return json
    }
}

/// Why a key file cannot be used, in words that say what to do.
public enum ClientKeyError: Error, Sendable, Hashable, CustomStringConvertible {
    case tooLarge(Int)
    case unreadable(String)
    case publicOnly
    case encrypted
    case certificate
    case unsupportedCurve(String)
    case unsupportedType(String)

    public var description: String {
        switch self {
        case .tooLarge(let n): return "the file is \(n) bytes; a key file is at most \(ClientSigningKey.maxFileSize) bytes"
        case .unreadable(let why): return why
        case .publicOnly: return "it holds only a public key; give the private key (the server keeps the public one)"
        case .encrypted: return "the private key is encrypted; decrypt it first: openssl pkey -in key.pem -out plain.pem"
        case .certificate: return "it is a certificate, not a private key; give the private key that goes with it"
        case .unsupportedCurve(let c): return "the EC key is on \(c); use a P-256 key (ES256): openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt"
        case .unsupportedType(let why): return why
        }
    }
}

/// A JWT client assertion (RFC 7523 §2.2, OIDC Core §9), as sent and as shown.
public struct ClientAssertion: Sendable, Hashable {
    /// `client_assertion_type` (RFC 7523 §2.2).
    public static let assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    /// How long an assertion is valid: one request's worth.
    public static let lifetime: TimeInterval = 60

    public let jwt: String
    public let header: JSONValue
    public let claims: JSONValue
    public let method: ClientAuthMethod

    /// Builds and signs a fresh assertion: iss = sub = the client id, aud = `audience`, a random jti, iat now and
    /// exp a minute later; HS256 with the client secret (`client_secret_jwt`) or the key's algorithm
    /// (`private_key_jwt`).
    public static func make(method: ClientAuthMethod, clientID: String, audience: String, secret: Secret?, key: ClientSigningKey?,
                            now: Date, jti: String = SecureRandom.token(bytes: 16)) throws(ClientAssertionError) -> ClientAssertion {
        let iat = Int(now.timeIntervalSince1970)
        let claims = JSONValue.object([
            ("iss", .string(clientID)), ("sub", .string(clientID)), ("aud", .string(audience)), ("jti", .string(jti)),
            ("iat", .number(Double(iat))), ("exp", .number(Double(iat + Int(lifetime)))),
        ])
        let header: JSONValue
        let sign: (Data) throws -> Data
        switch method {
        case .clientSecretJWT:
            guard let secret, !secret.value.isEmpty else { throw .missingSecret }
            header = .object([("alg", .string("HS256")), ("typ", .string("JWT"))])
            sign = { Data(HMAC<SHA256>.authenticationCode(for: $0, using: SymmetricKey(data: Data(secret.value.utf8)))) }
        case .privateKeyJWT:
            guard let key else { throw .missingKey }
            header = .object([("alg", .string(key.algorithm)), ("kid", .string(key.kid)), ("typ", .string("JWT"))])
            sign = { try key.signature(over: $0) }
        default:
            throw .notAnAssertionMethod(method)
        }
        let input = Base64URL.encode(Data(header.serialized().utf8)) + "." + Base64URL.encode(Data(claims.serialized().utf8))
        do {
            let signature = try sign(Data(input.utf8))
            return ClientAssertion(jwt: input + "." + Base64URL.encode(signature), header: header, claims: claims, method: method)
        } catch {
            throw .signingFailed("\(error)")
        }
    }

    /// What each member of an assertion's header and claims means here (RFC 7523 §3, RFC 7515 §4.1).
    public static let memberMeanings: [String: (purpose: String, ref: String)] = [
        "alg": ("HS256 with the client secret (client_secret_jwt), or the private key's ES256 or RS256 (private_key_jwt).", "RFC 7515 §4.1.1"),
        "kid": ("Which of the client's registered keys signed it.", "RFC 7515 §4.1.4"),
        "typ": ("JWT.", "RFC 7519 §5.1"),
        "iss": ("The client id: the client asserts this about itself.", "RFC 7523 §3"),
        "sub": ("The client id again: the client is the subject.", "RFC 7523 §3, OIDC Core §9"),
        "aud": ("The server it is for: here the token endpoint URL; some servers want their issuer.", "RFC 7523 §3"),
        "jti": ("A random id; the server refuses a second use.", "RFC 7523 §3"),
        "iat": ("When it was made.", "RFC 7519 §4.1.6"),
        "exp": ("When it stops being accepted: a minute after iat.", "RFC 7523 §3"),
    ]

    /// What the assertion is for, in a few sentences.
    public var explanation: String { Self.explanation(method: method, header: header) }

    /// What an assertion of `method` with this header is for.
    public static func explanation(method: ClientAuthMethod, header: JSONValue) -> String {
        let how = method == .clientSecretJWT
            ? "signed with HS256 using the client secret as the key, so the secret itself never travels"
            : "signed with the client's private key (\(header["alg"]?.stringValue ?? "?"), kid \(header["kid"]?.stringValue ?? "?")); the server verifies it with the public key registered for the client, and no shared secret exists"
        return "Instead of a password, the client proves who it is with a short-lived JWT, \(how). iss and sub are the client id, aud names the server it is for (here the token endpoint; some servers want their issuer instead), jti is random so it cannot be replayed, and exp is a minute after iat. It goes in the body as client_assertion, with client_assertion_type \(Self.assertionType)."
    }
}

public enum ClientAssertionError: Error, Sendable, Hashable, CustomStringConvertible {
    case missingSecret
    case missingKey
    case notAnAssertionMethod(ClientAuthMethod)
    case signingFailed(String)

    public var description: String {
        switch self {
        case .missingSecret: return "client_secret_jwt signs with the client secret, and none was given"
        case .missingKey: return "private_key_jwt signs with the client's private key, and none was given (--private-key PATH)"
        case .notAnAssertionMethod(let m): return "\(m.rawValue) sends no assertion"
        case .signingFailed(let why): return "signing the client assertion failed: \(why)"
        }
    }
}

/// The server's side: checks a client assertion (RFC 7523 §3) against what it knows of the client.
public enum ClientAssertionVerifier {
    /// What the server knows and accepts.
    public struct Expectation: Sendable {
        public var clientID: String
        /// The client secret, for HS256 (`client_secret_jwt`).
        public var secret: String?
        /// The client's registered JWK Set, for ES256/RS256 (`private_key_jwt`).
        public var jwks: JSONValue?
        /// Acceptable `aud` values: the token endpoint, the issuer, the PAR endpoint (RFC 9126 §2).
        public var audiences: [String]
        public var now: Date
        /// How far in the future `exp` may be.
        public var maxLifetime: TimeInterval
        public var allowedAlgorithms: [String]

        public init(clientID: String, secret: String?, jwks: JSONValue?, audiences: [String], now: Date, maxLifetime: TimeInterval = 300, allowedAlgorithms: [String] = ClientAssertionVerifier.algorithms) {
            self.clientID = clientID
            self.secret = secret
            self.jwks = jwks
            self.audiences = audiences
            self.now = now
            self.maxLifetime = maxLifetime
            self.allowedAlgorithms = allowedAlgorithms
        }
    }

    /// `token_endpoint_auth_signing_alg_values_supported`.
    public static let algorithms = ["HS256", "ES256", "RS256"]

    /// A verified assertion: the method it used and what replay protection needs.
    public struct Verified: Sendable, Hashable {
        public var method: ClientAuthMethod
        public var jti: String
        public var expires: Date
    }

    /// Why an assertion was refused: `check` names what failed (`decode`, `alg`, `signature`, `iss`, `sub`, `aud`,
    /// `exp`, `iat`, `jti`), `description` says it to the client.
    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        public var check: String
        public var description: String

        public init(check: String, description: String) {
            self.check = check
            self.description = description
        }
    }

    public static func verify(_ token: String, _ e: Expectation) -> Result<Verified, Failure> {
        func fail(_ check: String, _ text: String) -> Result<Verified, Failure> { .failure(Failure(check: check, description: "client_assertion: " + text)) }
        let jwt: DecodedJWT
        do { jwt = try DecodedJWT(token) } catch { return fail("decode", "\(error.description) (RFC 7523 §3)") }
        guard let alg = jwt.algorithm else { return fail("alg", "the header has no alg (RFC 7515 §4.1.1)") }
        guard e.allowedAlgorithms.contains(alg) else {
            return fail("alg", "alg \(alg) is not accepted here; use one of \(e.allowedAlgorithms.joined(separator: ", ")) (token_endpoint_auth_signing_alg_values_supported)")
        }
        let input = Data(jwt.signingInput.utf8)
        let method: ClientAuthMethod
        if alg == "HS256" {
            method = .clientSecretJWT
            guard let secret = e.secret, !secret.isEmpty else { return fail("alg", "HS256 needs a client secret, and client \(e.clientID) has none (a public client cannot use client_secret_jwt)") }
            guard HMAC<SHA256>.isValidAuthenticationCode(jwt.signature, authenticating: input, using: SymmetricKey(data: Data(secret.utf8))) else {
                return fail("signature", "the HS256 signature does not verify with client \(e.clientID)'s secret (OIDC Core §9)")
            }
        } else {
            method = .privateKeyJWT
            guard let keys = e.jwks?["keys"]?.arrayValue, !keys.isEmpty else {
                return fail("signature", "client \(e.clientID) has no registered public keys (JWKS) to verify a \(alg) assertion with")
            }
            let kid = jwt.keyID
            let candidates = keys.filter { k in (kid == nil || k["kid"]?.stringValue == kid) && (k["alg"]?.stringValue ?? alg) == alg }
            guard !candidates.isEmpty else {
                return fail("signature", "the signature cannot be checked: " + (kid.map { "no key with kid \"\($0)\" and alg \(alg) is registered for client \(e.clientID)" } ?? "no \(alg) key is registered for client \(e.clientID)"))
            }
            guard candidates.contains(where: { verifies(jwt.signature, input, alg: alg, key: $0) }) else {
                return fail("signature", "the \(alg) signature does not verify with client \(e.clientID)'s registered key\(kid.map { " \($0)" } ?? ""): signed with another key? (RFC 7523 §3)")
            }
        }
        let iss = jwt.claims["iss"]?.stringValue
        guard iss == e.clientID else { return fail("iss", "iss is \(iss ?? "missing"); it must be the client id, \(e.clientID) (RFC 7523 §3, OIDC Core §9)") }
        let sub = jwt.claims["sub"]?.stringValue
        guard sub == e.clientID else { return fail("sub", "sub is \(sub ?? "missing"); it must be the client id, \(e.clientID) (RFC 7523 §3)") }
        let aud: [String]
        switch jwt.claims["aud"] {
        case .string(let s)?: aud = [s]
        case .array(let a)?: aud = a.compactMap(\.stringValue)
        default: aud = []
        }
        guard aud.contains(where: e.audiences.contains) else {
            return fail("aud", "aud is \(aud.isEmpty ? "missing" : aud.joined(separator: ", ")); this server takes \(e.audiences.joined(separator: " or ")) (RFC 7523 §3)")
        }
        let now = e.now.timeIntervalSince1970
        guard case .valid(let exp) = NumericDate.read(jwt.claims["exp"]) else { return fail("exp", "exp is missing or not a number (RFC 7523 §3)") }
        guard exp.secondsSince1970 > now else { return fail("exp", "the assertion expired \(Int(now - exp.secondsSince1970)) s ago (RFC 7523 §3)") }
        guard exp.secondsSince1970 - now <= e.maxLifetime else {
            return fail("exp", "exp is \(Int(exp.secondsSince1970 - now)) s away; this server takes assertions valid for at most \(Int(e.maxLifetime)) s")
        }
        if case .valid(let iat) = NumericDate.read(jwt.claims["iat"]), iat.secondsSince1970 > now + 60 {
            return fail("iat", "iat is \(Int(iat.secondsSince1970 - now)) s in the future")
        }
        guard let jti = jwt.claims["jti"]?.stringValue, !jti.isEmpty, jti.count <= 256 else {
            return fail("jti", "jti is missing; it must be a unique id so the assertion cannot be replayed (RFC 7523 §3)")
        }
        return .success(Verified(method: method, jti: jti, expires: Date(timeIntervalSince1970: exp.secondsSince1970)))
    }

    private static func verifies(_ signature: Data, _ input: Data, alg: String, key: JSONValue) -> Bool {
        switch (alg, key["kty"]?.stringValue) {
        case ("ES256", "EC"):
            guard key["crv"]?.stringValue == "P-256", let x = key["x"]?.stringValue.flatMap(Base64URL.decode), let y = key["y"]?.stringValue.flatMap(Base64URL.decode),
                  let pub = try? P256.Signing.PublicKey(rawRepresentation: x + y),
                  let sig = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return pub.isValidSignature(sig, for: input)
        case ("RS256", "RSA"):
            guard let n = key["n"]?.stringValue.flatMap(Base64URL.decode), let e = key["e"]?.stringValue.flatMap(Base64URL.decode),
                  let pub = try? _RSA.Signing.PublicKey(n: n, e: e) else { return false }
            return pub.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: input, padding: .insecurePKCS1v1_5)
        default:
            return false
        }
    }
}
