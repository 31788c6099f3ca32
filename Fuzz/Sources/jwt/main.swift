import Foundation
import FuzzSupport
import OAuthCore

/// JWT decoding and the ID-token claim checks (OIDC Core §3.1.3.7). An input with a dot is a whole token; one
/// without is the claims JSON of a token, so the checks see every shape of claim a provider could sign.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJWT(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Fuzz.bytes(data, size)
    let text = String(decoding: bytes, as: UTF8.self)
    let token = text.contains(".")
        ? text
        : Base64URL.encode(Data(#"{"alg":"RS256","kid":"k1"}"#.utf8)) + "." + Base64URL.encode(bytes) + ".c2ln"

    // base64url round trip.
    Fuzz.require(Base64URL.decode(Base64URL.encode(bytes)) == Data(bytes), "base64url does not round trip")

    guard let jwt = try? DecodedJWT(token) else { return 0 }
    Fuzz.require(DecodedJWT.looksLikeJWT(token), "decoded but does not look like a JWT")
    let now = Date(timeIntervalSince1970: 1_767_268_800)
    let e = IDTokenExpectations(issuer: "https://as.example", clientID: "c1", nonce: "n-1", accessToken: "at", code: "code", now: now)
    let checks = IDTokenClaimChecks.run(jwt, e)
    for name in ["aud", "exp", "iat"] {
        Fuzz.require(checks.contains { $0.name == name }, "no \(name) check")
    }
    for c in checks { Fuzz.require(!c.detail.isEmpty, "check \(c.name) without detail") }

    // exp passes only for a NumericDate after now (minus the skew).
    let exp = checks.first { $0.name == "exp" }
    if exp?.ok == true {
        guard case .number(let n)? = jwt.claims["exp"], let date = NumericDate(secondsSince1970: n) else {
            Fuzz.require(false, "exp passed without a valid NumericDate")
            return 0
        }
        Fuzz.require(date.secondsSince1970 + e.clockSkew > now.timeIntervalSince1970, "an expired exp passed")
    }
    // aud passes only when it names the client.
    if checks.first(where: { $0.name == "aud" })?.ok == true {
        let auds = jwt.claims["aud"].map { v -> [String] in v.stringValue.map { [$0] } ?? (v.arrayValue ?? []).compactMap(\.stringValue) } ?? []
        Fuzz.require(auds.contains("c1"), "aud passed without the client id")
    }
    for name in ["exp", "iat", "nbf", "auth_time"] {
        if case .number(let n)? = jwt.claims[name] {
            _ = RelativeTime.describe(seconds: n - now.timeIntervalSince1970)
        }
    }
    _ = IDTokenClaimChecks.halfHash(text, alg: jwt.algorithm)
    return 0
}

exit(Fuzz.run(fuzzJWT))
