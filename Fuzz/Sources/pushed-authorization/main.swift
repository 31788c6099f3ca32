import Foundation
import FuzzSupport
import OAuthCore

/// Pushed authorization request answers (RFC 9126 §2.2, §2.3): the first byte picks the status, the rest is the
/// body. A request_uri taken is bounded and goes into the authorization URL unchanged, beside client_id only (§4).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPushedAuthorization(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Fuzz.bytes(data, size)
    let statuses = [201, 200, 400, 401, 403, 500, 503, 302, 204, 299]
    let status = bytes.first.map { statuses[Int($0) % statuses.count] } ?? 201
    let body = String(decoding: bytes.dropFirst(), as: UTF8.self)

    switch PushedAuthorization.parse(status: status, body: body) {
    case .success(let uri, let expiresIn, let findings):
        Fuzz.requireWellFormed(findings)
        let codes = findings.map(\.code)
        Fuzz.require((200..<300).contains(status), "a request_uri taken from HTTP \(status)")
        Fuzz.require(codes.contains(FindingCatalogue.parStatus.code) == (status != 201), "status finding and HTTP \(status) disagree")
        Fuzz.require(!uri.isEmpty && uri.utf8.count <= 2048, "request_uri of \(uri.utf8.count) bytes")
        if let e = expiresIn {
            Fuzz.require((1...PushedAuthorization.maxExpiresIn).contains(e), "expires_in \(e) out of range")
        } else {
            Fuzz.require(codes.contains(FindingCatalogue.parExpiresIn.code), "expires_in unused without a finding")
        }
        let endpoint = URL(string: "https://as.example/authorize?prompt=login") ?? URL(fileURLWithPath: "/")
        let url = PushedAuthorization.authorizationURL(endpoint: endpoint, clientID: "app", requestURI: uri)
        let query = FormURLEncoded.decode(URLComponents(url: url, resolvingAgainstBaseURL: false)?.percentEncodedQuery ?? "").fields
        Fuzz.require(query.map(\.name) == ["prompt", "client_id", "request_uri"] && query.last?.value == uri,
                     "the authorization URL \(url.absoluteString.prefix(200)) does not carry the request_uri as issued")
    case .error(let error, let s, let findings):
        Fuzz.requireWellFormed(findings)
        Fuzz.require(s == status, "error with status \(s), answered \(status)")
        _ = error.hint
    case .invalid(let reason, let hint, let findings):
        Fuzz.requireWellFormed(findings)
        Fuzz.require(!reason.isEmpty && !hint.isEmpty, "invalid without reason or hint")
    }
    return 0
}

exit(Fuzz.run(fuzzPushedAuthorization))
