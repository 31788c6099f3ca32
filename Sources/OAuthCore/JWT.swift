import Crypto
import Foundation

/// A compact JWS split into its parts and decoded, before any verification (RFC 7515 §7.1).
public struct DecodedJWT: Sendable, Hashable {
    public var header: JSONValue
    public var claims: JSONValue
    public var signingInput: String
    public var signature: Data

    public var algorithm: String? { header["alg"]?.stringValue }
    public var keyID: String? { header["kid"]?.stringValue }

    public init(_ token: String) throws(JWTDecodingError) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .notCompact(parts: parts.count) }
        guard let h = Base64URL.decode(parts[0]), let hv = JSONValue.parse(h), case .object = hv else { throw .badHeader }
        guard let c = Base64URL.decode(parts[1]), let cv = JSONValue.parse(c), case .object = cv else { throw .badClaims }
        guard let s = Base64URL.decode(parts[2]) else { throw .badSignature }
        header = hv
        claims = cv
        signingInput = parts[0] + "." + parts[1]
        signature = s
    }

    /// True when the token looks like a JWT (three base64url parts with a JSON header), e.g. an access token.
    public static func looksLikeJWT(_ token: String) -> Bool { (try? DecodedJWT(token)) != nil }
}

public enum JWTDecodingError: Error, Hashable, CustomStringConvertible {
    case notCompact(parts: Int)
    case badHeader, badClaims, badSignature

    public var description: String {
        switch self {
        case .notCompact(let n): return "not a compact JWS: \(n) dot-separated parts instead of 3 (RFC 7515 §7.1)"
        case .badHeader: return "the JOSE header is not base64url-encoded JSON"
        case .badClaims: return "the claims are not base64url-encoded JSON"
        case .badSignature: return "the signature is not base64url"
        }
    }
}

/// What an ID token must match (OIDC Core §3.1.3.7).
public struct IDTokenExpectations: Sendable, Hashable {
    public var issuer: String?
    public var clientID: String
    public var nonce: String?
    public var accessToken: String?
    public var code: String?
    public var now: Date
    /// Allowed clock difference, stated in every time check's detail.
    public var clockSkew: TimeInterval

    public init(issuer: String?, clientID: String, nonce: String?, accessToken: String? = nil, code: String? = nil, now: Date = Date(), clockSkew: TimeInterval = 60) {
        self.issuer = issuer
        self.clientID = clientID
        self.nonce = nonce
        self.accessToken = accessToken
        self.code = code
        self.now = now
        self.clockSkew = clockSkew
    }
}

/// The claim checks of OIDC Core §3.1.3.7 (the signature is checked separately against the JWKS).
public enum IDTokenClaimChecks {
    public static func run(_ jwt: DecodedJWT, _ e: IDTokenExpectations) -> [Check] {
        var checks: [Check] = []
        let c = jwt.claims
        // iss
        if var want = e.issuer {
            let got = c["iss"]?.stringValue
            // A multi-tenant template issuer names the token's own tenant (its tid claim).
            if want.contains("{tenantid}"), let tid = c["tid"]?.stringValue { want = want.replacingOccurrences(of: "{tenantid}", with: tid) }
            checks.append(got == want
                ? Check("iss", ok: true, "iss is the issuer \(want)")
                : Check("iss", ok: false, "iss is \(got.map { "\"\($0)\"" } ?? "missing"), expected \"\(want)\" (OIDC Core §3.1.3.7 step 2)"))
        }
        // aud
        let auds: [String]
        switch c["aud"] {
        case .string(let s)?: auds = [s]
        case .array(let a)?: auds = a.compactMap(\.stringValue)
        default: auds = []
        }
        checks.append(auds.contains(e.clientID)
            ? Check("aud", ok: true, "aud contains the client id \(e.clientID)")
            : Check("aud", ok: false, "aud \(auds.isEmpty ? "is missing" : "is [\(auds.joined(separator: ", "))]") and does not contain the client id \(e.clientID) (OIDC Core §3.1.3.7 step 3)"))
        // azp
        if let azp = c["azp"]?.stringValue {
            checks.append(azp == e.clientID
                ? Check("azp", ok: true, "azp is the client id")
                : Check("azp", ok: false, "azp is \"\(azp)\", not the client id \(e.clientID) (OIDC Core §3.1.3.7 step 5)"))
        } else if auds.count > 1 {
            checks.append(Check("azp", ok: false, "several audiences but no azp (OIDC Core §2)"))
        }
        // exp / iat / nbf / auth_time: NumericDates (RFC 7519 §2); a value that is not one fails its check.
        let skew = Numbers.saturatingInt(e.clockSkew)
        let now = e.now.timeIntervalSince1970
        switch NumericDate.read(c["exp"]) {
        case .valid(let exp):
            let left = exp.secondsSince1970 - now
            checks.append(left + e.clockSkew > 0
                ? Check("exp", ok: true, "expires \(RelativeTime.describe(seconds: left)) (skew allowed: \(skew) s)")
                : Check("exp", ok: false, "expired \(RelativeTime.describe(seconds: left)) (skew allowed: \(skew) s, OIDC Core §3.1.3.7 step 9)"))
        case .absent:
            checks.append(Check("exp", ok: false, "exp is missing; it is REQUIRED (OIDC Core §2)"))
        case let bad:
            checks.append(Check("exp", ok: false, bad.message(claim: "exp") ?? "exp is not a valid NumericDate"))
        }
        switch NumericDate.read(c["iat"]) {
        case .valid(let iat):
            let ago = iat.secondsSince1970 - now
            checks.append(ago <= e.clockSkew
                ? Check("iat", ok: true, "issued \(RelativeTime.describe(seconds: ago)) (skew allowed: \(skew) s)")
                : Check("iat", ok: false, "issued \(RelativeTime.describe(seconds: ago)), in the future beyond the allowed skew of \(skew) s (OIDC Core §3.1.3.7 step 10)"))
        case .absent:
            checks.append(Check("iat", ok: false, "iat is missing; it is REQUIRED (OIDC Core §2)"))
        case let bad:
            checks.append(Check("iat", ok: false, bad.message(claim: "iat") ?? "iat is not a valid NumericDate"))
        }
        switch NumericDate.read(c["nbf"]) {
        case .valid(let nbf):
            let wait = nbf.secondsSince1970 - now
            if wait > e.clockSkew {
                checks.append(Check("nbf", ok: false, "not valid before \(RelativeTime.describe(seconds: wait)), beyond the allowed skew of \(skew) s (RFC 7519 §4.1.5)"))
            }
        case .absent: break
        case let bad:
            checks.append(Check("nbf", ok: false, bad.message(claim: "nbf") ?? "nbf is not a valid NumericDate"))
        }
        if let message = NumericDate.read(c["auth_time"]).message(claim: "auth_time") {
            checks.append(Check("auth_time", ok: false, message))
        }
        // nonce
        if let want = e.nonce {
            let got = c["nonce"]?.stringValue
            checks.append(got.map { constantTimeEquals($0, want) } == true
                ? Check("nonce", ok: true, "nonce equals the one sent")
                : Check("nonce", ok: false, got == nil ? "nonce is missing but one was sent (OIDC Core §3.1.3.7 step 11)" : "nonce differs from the one sent: possible replay (OIDC Core §3.1.3.7 step 11)"))
        }
        // at_hash / c_hash
        if let atHash = c["at_hash"]?.stringValue, let at = e.accessToken {
            let want = halfHash(at, alg: jwt.algorithm)
            checks.append(want == atHash
                ? Check("at_hash", ok: true, "at_hash matches the access token")
                : Check("at_hash", ok: false, "at_hash does not match the access token (OIDC Core §3.1.3.8)"))
        }
        if let cHash = c["c_hash"]?.stringValue, let code = e.code {
            let want = halfHash(code, alg: jwt.algorithm)
            checks.append(want == cHash
                ? Check("c_hash", ok: true, "c_hash matches the code")
                : Check("c_hash", ok: false, "c_hash does not match the code (OIDC Core §3.3.2.11)"))
        }
        return checks
    }

    /// The left half of the hash of the ASCII value, base64url (OIDC Core §3.1.3.6): SHA-256 for *S256, SHA-384
    /// for *S384, SHA-512 for *S512.
    public static func halfHash(_ value: String, alg: String?) -> String {
        let data = Data(value.utf8)
        let digest: [UInt8]
        switch alg?.suffix(3) {
        case "384": digest = Array(SHA384.hash(data: data))
        case "512": digest = Array(SHA512.hash(data: data))
        default: digest = Array(SHA256.hash(data: data))
        }
        return Base64URL.encode(digest[0..<(digest.count / 2)])
    }
}

/// "in 59 min", "2 s ago". Total: any Double gives text, never a trap.
public enum RelativeTime {
    public static func describe(seconds: Double) -> String {
        guard seconds.isFinite else { return seconds.isNaN ? "at an unknown time" : seconds > 0 ? "never" : "an unbounded time ago" }
        // Beyond a million years the unit arithmetic below could overflow; no real date is that far.
        let s = Numbers.saturatingInt(min(max(seconds, -3.2e13), 3.2e13).rounded())
        let a = abs(s)
        let amount: String
        if a < 90 { amount = "\(a) s" } else if a < 90 * 60 { amount = "\((a + 30) / 60) min" } else if a < 48 * 3600 { amount = "\((a + 1800) / 3600) h" } else { amount = "\((a + 43200) / 86400) d" }
        return s >= 0 ? "in \(amount)" : "\(amount) ago"
    }
}
