import Foundation

/// A successful token response (RFC 6749 §5.1), normalised. Deviations found on the way are reported as
/// findings by `TokenResponseParser`, never silently fixed.
public struct TokenSet: Sendable, Hashable {
    public var accessToken: Secret
    public var tokenType: String
    /// Seconds, within `expiresInRange`.
    public var expiresIn: Int?
    public var refreshToken: Secret?
    public var scope: String?
    public var idToken: Secret?
    /// Members beyond §5.1 and OIDC, in the order received.
    public var extra: [(String, JSONValue)]

    /// The `expires_in` values taken as a lifetime: 0 up to 2^31 − 1 seconds (68 years). Anything else is a
    /// `token.expires_in_range` finding and the lifetime is unknown.
    public static let expiresInRange: ClosedRange<Int> = 0...Int(Int32.max)

    public static func == (a: TokenSet, b: TokenSet) -> Bool {
        a.accessToken == b.accessToken && a.tokenType == b.tokenType && a.expiresIn == b.expiresIn && a.refreshToken == b.refreshToken
            && a.scope == b.scope && a.idToken == b.idToken && JSONValue.object(a.extra) == JSONValue.object(b.extra)
    }

    public func hash(into h: inout Hasher) {
        h.combine(accessToken)
        h.combine(refreshToken)
    }
}

/// What a token endpoint answer turned out to be.
public enum TokenResponseOutcome: Sendable, Hashable {
    case success(TokenSet, findings: [Finding])
    /// An OAuth error body (RFC 6749 §5.2).
    case error(OAuthErrorResponse, status: Int, findings: [Finding])
    /// Neither: a 5xx, an HTML page, a body that is not JSON, a success without `access_token`.
    case invalid(reason: String, hint: String, findings: [Finding])
}

/// Reads token endpoint responses as they really come: JSON as the RFC says, form-encoded as GitHub sends
/// unless asked otherwise, `expires_in` as a string as some providers send it, `token_type` in any case.
public enum TokenResponseParser {
    static let standardMembers: Set<String> = ["access_token", "token_type", "expires_in", "refresh_token", "scope", "id_token"]

    public static func parse(status: Int, headers: [FormField], body: String) -> TokenResponseOutcome {
        var findings: [Finding] = []
        let contentType = headers.first { $0.name.lowercased() == "content-type" }?.value.lowercased() ?? ""
        let cacheControl = headers.first { $0.name.lowercased() == "cache-control" }?.value.lowercased() ?? ""

        // Parse the body as JSON, else as a form if it looks like one.
        var members: [(String, JSONValue)]?
        if let json = JSONValue.parse(body), case .object(let m) = json {
            members = m
            if !contentType.contains("json") {
                findings.append(FindingCatalogue.tokenContentType.finding(contentType.isEmpty ? "(none)" : contentType))
            }
        } else if contentType.contains("x-www-form-urlencoded") || (!body.isEmpty && !body.contains(" ") && !body.contains("<") && body.contains("=")) {
            let (fields, _) = FormURLEncoded.decode(body.trimmingCharacters(in: .whitespacesAndNewlines))
            members = fields.map { ($0.name, .string($0.value)) }
            findings.append(FindingCatalogue.tokenFormEncoded.finding())
        }

        guard let members else {
            if status >= 500 {
                return .invalid(reason: "the token endpoint failed with HTTP \(status)", hint: "The provider had an error on its side. The code may still be valid for a short while, but oauthscope never retries a code exchange by itself; run the flow again.", findings: findings)
            }
            let kind = contentType.isEmpty ? "an unlabelled body" : "a \(contentType) body"
            return .invalid(reason: "the token endpoint answered HTTP \(status) with \(kind) that is not JSON", hint: "Check the token URL: an HTML page usually means a login page, a proxy, or the wrong path.", findings: findings)
        }
        let object = JSONValue.object(members)

        if let error = object["error"]?.stringValue {
            if (200..<300).contains(status) {
                findings.append(FindingCatalogue.tokenErrorWithSuccessStatus.finding(status))
            }
            return .error(OAuthErrorResponse(error: error, description: object["error_description"]?.stringValue, uri: object["error_uri"]?.stringValue), status: status, findings: findings)
        }
        guard (200..<300).contains(status) else {
            if status >= 500 {
                return .invalid(reason: "the token endpoint failed with HTTP \(status)", hint: "The provider had an error on its side; oauthscope never retries a code exchange by itself. Run the flow again.", findings: findings)
            }
            // Some APIs put their own message where RFC 6749 §5.2 wants "error" (BitBadges: errorMessage).
            let message = ["errorMessage", "error_message", "message", "detail"].lazy.compactMap { object[$0]?.stringValue }.first
            findings.append(FindingCatalogue.tokenNonstandardError.finding(message == nil ? "." : "; it says it another way."))
            return .invalid(reason: "the token endpoint answered HTTP \(status)" + (message.map { ": \($0)" } ?? " without an OAuth error code"),
                            hint: status == 401 ? "The request's credentials were refused: the client secret, or a key the provider wants in a header (--token-header)." : "RFC 6749 §5.2 says an error response carries an \"error\" member; the body may say more.", findings: findings)
        }
        guard let access = object["access_token"]?.stringValue, !access.isEmpty else {
            return .invalid(reason: "the token response has no access_token", hint: "access_token is REQUIRED in a successful response (RFC 6749 §5.1).", findings: findings)
        }

        var tokenType = object["token_type"]?.stringValue ?? ""
        if tokenType.isEmpty {
            findings.append(FindingCatalogue.tokenTokenTypeMissing.finding())
            tokenType = "Bearer"
        } else if tokenType.lowercased() != "bearer" && tokenType.lowercased() != "dpop" && tokenType.lowercased() != "mac" {
            findings.append(FindingCatalogue.tokenTokenTypeUnusual.finding(tokenType))
        }

        var expiresIn: Int?
        let lifetimes = TokenSet.expiresInRange
        func outOfRange(_ problem: NumberProblem) -> Finding {
            FindingCatalogue.tokenExpiresInRange.finding(problem)
        }
        switch object["expires_in"] {
        case .number(let n)?:
            switch Numbers.wholeNumber(n, in: lifetimes) {
            case .success(let v): expiresIn = v
            case .failure(let problem): findings.append(outOfRange(problem))
            }
        case .string(let s)?:
            let read = Numbers.wholeNumber(parsing: s, in: lifetimes)
            if case .success(let v) = read { expiresIn = v }
            let numeric: Bool
            if case .failure(.notANumber) = read { numeric = false } else { numeric = true }
            findings.append(FindingCatalogue.tokenExpiresInString.finding(s, numeric ? "" : " (and not even a numeric one; ignored)", expiresIn.map(String.init) ?? "unknown"))
            if case .failure(let problem) = read, numeric { findings.append(outOfRange(problem)) }
        case nil, .null?:
            findings.append(FindingCatalogue.tokenExpiresInMissing.finding())
        default:
            findings.append(FindingCatalogue.tokenExpiresInType.finding())
        }

        if !cacheControl.contains("no-store") {
            findings.append(FindingCatalogue.tokenCacheControl.finding())
        }

        let extra = members.filter { !standardMembers.contains($0.0) }
        let set = TokenSet(
            accessToken: Secret(access),
            tokenType: tokenType,
            expiresIn: expiresIn,
            refreshToken: object["refresh_token"]?.stringValue.map(Secret.init),
            scope: object["scope"]?.stringValue,
            idToken: object["id_token"]?.stringValue.map(Secret.init),
            extra: extra
        )
        return .success(set, findings: findings)
    }
}
