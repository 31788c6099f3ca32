import Foundation
import JWTKit

/// Verifies a JWS signature against a JWK Set (RFC 7515, RFC 7517) with jwt-kit. The algorithm comes from an
/// allowlist, never from the token alone: `none` and HMAC algorithms are refused outright, so a token cannot
/// choose to be unsigned or to be "signed" with a public key as an HMAC secret (RFC 8725 §3.1).
public enum IDTokenSignature {
    /// The asymmetric algorithms oauthscope accepts by default.
    public static let defaultAllowed = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]

    /// A failed `signature` check when the token's `alg` is not acceptable, else nil.
    public static func rejectAlgorithm(_ alg: String?, allowed: [String]) -> Check? {
        guard let alg else { return Check("signature", ok: false, "the JOSE header has no alg (RFC 7515 §4.1.1)") }
        if alg.lowercased() == "none" {
            return Check("signature", ok: false, "alg is \"none\": the token is unsigned and must be rejected (RFC 8725 §3.1)")
        }
        if alg.uppercased().hasPrefix("HS") {
            return Check("signature", ok: false, "alg is \(alg), an HMAC algorithm, where the provider signs with a public-key algorithm: a key-confusion attack is possible (RFC 8725 §3.1)")
        }
        guard allowed.contains(alg) else {
            return Check("signature", ok: false, "alg \(alg) is not in the allowed list [\(allowed.joined(separator: ", "))]")
        }
        return nil
    }

    /// True when the JWKS has a key with this `kid` (or when the token names none).
    public static func jwks(_ json: String, containsKeyID kid: String?) -> Bool {
        guard let kid else { return true }
        guard let keys = JSONValue.parse(json)?["keys"]?.arrayValue else { return false }
        return keys.contains { $0["kid"]?.stringValue == kid }
    }

    /// Checks the signature of `token` with the keys of `jwksJSON`.
    public static func verify(token: String, jwksJSON: String, allowedAlgorithms: [String]) async -> Check {
        let jwt: DecodedJWT
        do { jwt = try DecodedJWT(token) } catch { return Check("signature", ok: false, error.description) }
        if let rejected = rejectAlgorithm(jwt.algorithm, allowed: allowedAlgorithms) { return rejected }
        if let kid = jwt.keyID, !jwks(jwksJSON, containsKeyID: kid) {
            return Check("signature", ok: false, "no key with kid \"\(kid)\" in the provider's JWKS, even after fetching it again")
        }
        let keys = JWTKeyCollection()
        do {
            try await keys.add(jwksJSON: jwksJSON)
        } catch {
            return Check("signature", ok: false, "the JWKS could not be read: \(error)")
        }
        do {
            _ = try await keys.verify(token, as: UncheckedClaims.self)
            return Check("signature", ok: true, "\(jwt.algorithm ?? "?") signature verified with key \(jwt.keyID ?? "(no kid)") from the provider's JWKS")
        } catch {
            return Check("signature", ok: false, "the \(jwt.algorithm ?? "?") signature does not verify with the provider's key \(jwt.keyID ?? "(no kid)"): the token was altered or signed by someone else")
        }
    }
}

/// Claims decoded only so jwt-kit can verify the signature; the claim checks are `IDTokenClaimChecks`, which
/// report each one by name instead of failing on the first.
private struct UncheckedClaims: JWTPayload {
    init(from decoder: any Decoder) throws {}
    func encode(to encoder: any Encoder) throws {}
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
