import Foundation

/// What a pushed authorization request (RFC 9126) came back with.
public enum PushedAuthorizationOutcome: Sendable, Hashable {
    /// The server took the parameters: the `request_uri` that stands for them, and how long it lives.
    case success(requestURI: String, expiresIn: Int?, findings: [Finding])
    /// An OAuth error (RFC 9126 §2.3).
    case error(OAuthErrorResponse, status: Int, findings: [Finding])
    /// An answer that is neither.
    case invalid(reason: String, hint: String, findings: [Finding])
}

/// Reads the PAR endpoint's answer (RFC 9126 §2.2) and builds the authorization URL that follows it.
public enum PushedAuthorization {
    /// The longest `expires_in` taken as it is: a request_uri is meant to live seconds to minutes.
    public static let maxExpiresIn = 3600

    public static func parse(status: Int, body: String) -> PushedAuthorizationOutcome {
        var findings: [Finding] = []
        guard body.utf8.count <= 64 * 1024, let json = JSONValue.parse(body), case .object = json else {
            if status >= 500 {
                return .invalid(reason: "the pushed authorization request endpoint failed with HTTP \(status)", hint: "The provider had an error on its side; run the flow again.", findings: findings)
            }
            return .invalid(reason: "the pushed authorization request endpoint answered HTTP \(status) without a JSON object", hint: "Check the PAR endpoint (discovery's pushed_authorization_request_endpoint, or --par-endpoint): an HTML page usually means the wrong path.", findings: findings)
        }
        if let error = json["error"]?.stringValue {
            return .error(OAuthErrorResponse(error: error, description: json["error_description"]?.stringValue, uri: json["error_uri"]?.stringValue), status: status, findings: findings)
        }
        guard (200..<300).contains(status) else {
            return .invalid(reason: "the pushed authorization request endpoint answered HTTP \(status) without an error code", hint: "RFC 9126 §2.3 wants an error member on every failure.", findings: findings)
        }
        if status != 201 { findings.append(FindingCatalogue.parStatus.finding(status)) }
        guard let uri = json["request_uri"]?.stringValue, !uri.isEmpty, uri.utf8.count <= 2048 else {
            findings.append(FindingCatalogue.parRequestURIMissing.finding())
            return .invalid(reason: "the pushed authorization request answer has no request_uri", hint: "Without it there is nothing to send the user with (RFC 9126 §2.2).", findings: findings)
        }
        var expiresIn: Int?
        switch json["expires_in"] {
        case .number(let n)?:
            if n.isFinite, n == n.rounded(), n > 0, n <= Double(maxExpiresIn) {
                expiresIn = Int(n)
            } else {
                findings.append(FindingCatalogue.parExpiresIn.finding("is \(JSONValue.number(n).serialized()), not a whole number of seconds from 1 to \(maxExpiresIn)"))
            }
        case nil:
            findings.append(FindingCatalogue.parExpiresIn.finding("is missing"))
        case let other?:
            findings.append(FindingCatalogue.parExpiresIn.finding("is \(String(other.serialized().prefix(40))), not a number"))
        }
        return .success(requestURI: uri, expiresIn: expiresIn, findings: findings)
    }

    /// The authorization URL after a push: only `client_id` and `request_uri` (RFC 9126 §4).
    public static func authorizationURL(endpoint: URL, clientID: String, requestURI: String) -> URL {
        var components = URLComponents(url: endpoint, resolvingAgainstBaseURL: false)
        let existing = components?.percentEncodedQuery.map { $0.isEmpty ? "" : $0 + "&" } ?? ""
        components?.percentEncodedQuery = existing + FormURLEncoded.encode([FormField("client_id", clientID), FormField("request_uri", requestURI)])
        return components?.url ?? endpoint
    }
}
