import Foundation
import FuzzSupport
import OAuthCore

/// Token endpoint answers: every byte of the body, the status and the content type are the provider's.
/// The first two bytes pick the status and the content type; the rest is the body.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenResponse(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Fuzz.bytes(data, size)
    let statuses = [200, 201, 400, 401, 403, 500, 502, 302, 204, 299]
    let types = ["application/json", "application/json; charset=utf-8", "application/x-www-form-urlencoded", "text/html", "text/plain", ""]
    let status = bytes.first.map { statuses[Int($0) % statuses.count] } ?? 200
    let type = bytes.dropFirst().first.map { types[Int($0) % types.count] } ?? "application/json"
    let body = String(decoding: bytes.dropFirst(2), as: UTF8.self)
    var headers = [FormField("Cache-Control", "no-store")]
    if !type.isEmpty { headers.append(FormField("Content-Type", type)) }

    let findings: [Finding]
    switch TokenResponseParser.parse(status: status, headers: headers, body: body) {
    case .success(let tokens, let f):
        findings = f
        Fuzz.require((200..<300).contains(status), "success with HTTP \(status)")
        Fuzz.require(!tokens.accessToken.value.isEmpty, "success without an access token")
        Fuzz.require(!tokens.tokenType.isEmpty, "success without a token type")
        if let e = tokens.expiresIn { Fuzz.require(TokenSet.expiresInRange.contains(e), "expires_in \(e) out of range") }
        // What the events and screens show of the tokens: redacted, never longer than needed.
        _ = tokens.accessToken.redacted
        _ = tokens.idToken.map { (try? DecodedJWT($0.value)) != nil }
    case .error(let error, _, let f):
        findings = f
        _ = error.hint
    case .invalid(let reason, let hint, let f):
        findings = f
        Fuzz.require(!reason.isEmpty && !hint.isEmpty, "invalid without reason or hint")
    }
    for f in findings {
        Fuzz.require(!f.code.isEmpty && !f.message.isEmpty, "a finding without code or message")
        Fuzz.require(f.ref?.isEmpty != true, "a finding with an empty reference")
    }
    return 0
}

exit(Fuzz.run(fuzzTokenResponse))
