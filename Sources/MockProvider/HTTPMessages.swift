import Foundation
import OAuthCore

/// A request as the endpoints see it: independent of Hummingbird, so the protocol rules read as plain code.
struct IncomingRequest: Sendable {
    var method: String
    /// The path as requested, e.g. `/common/oauth2/v2.0/authorize`.
    var path: String
    /// The raw (still percent-encoded) query string, without `?`.
    var query: String
    var headers: [(name: String, value: String)]
    var body: String
    /// The `{tenant}` path segment of the Microsoft personality's routes.
    var tenant: String?

    init(method: String, path: String = "/", query: String = "", headers: [(name: String, value: String)] = [], body: String = "", tenant: String? = nil) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.tenant = tenant
    }

    /// The first value of a header, by case-insensitive name.
    func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }
}

/// An endpoint's answer, turned into a Hummingbird `Response` by the server.
struct HTTPReply: Sendable, Equatable {
    struct Header: Sendable, Equatable {
        var name: String
        var value: String
    }

    /// How the body goes out. Only the hostile faults send anything but the whole body at once.
    enum Delivery: Sendable, Equatable {
        /// The whole body, with a `Content-Length`.
        case whole
        /// `body` (chunked), then silence until the provider stops (`MockFault.stalledBody`).
        case stallAfterBody
        /// `body`, then more and more bytes until the client goes away or the provider stops
        /// (`MockFault.endlessBody`).
        case endless
    }

    var status: Int
    var headers: [Header]
    var body: String
    var delivery: Delivery

    init(status: Int, headers: [Header] = [], body: String = "", delivery: Delivery = .whole) {
        self.status = status
        self.headers = headers
        self.body = body
        self.delivery = delivery
    }

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// Token-endpoint responses carry both headers (RFC 6749 §5.1); so do all other answers that hold secrets.
    static let noStore = [Header(name: "Cache-Control", value: "no-store"), Header(name: "Pragma", value: "no-cache")]

    static func json(_ value: JSONValue, status: Int = 200, noStore: Bool = true, headers: [Header] = []) -> HTTPReply {
        HTTPReply(
            status: status,
            headers: [Header(name: "Content-Type", value: "application/json")] + (noStore ? HTTPReply.noStore : []) + headers,
            body: value.serialized()
        )
    }

    /// An HTML page that must not be cached nor framed (the consent page is a clickjacking target).
    /// - Parameter formActionTargets: the URIs a form on the page may end up at besides this server. Browsers apply
    ///   `form-action` to the redirects that follow a form post too (CSP Level 3 §6.4.1), so the consent form needs
    ///   the client's redirect URIs here, or the browser blocks the very answer it was posted for.
    static func html(_ page: String, status: Int = 200, formActionTargets: [String] = []) -> HTTPReply {
        HTTPReply(
            status: status,
            headers: [
                Header(name: "Content-Type", value: "text/html; charset=utf-8"),
                Header(name: "Content-Security-Policy", value: contentSecurityPolicy(formActionTargets: formActionTargets)),
                Header(name: "X-Frame-Options", value: "DENY"),
            ] + HTTPReply.noStore,
            body: page
        )
    }

    /// The pages' policy: nothing loads, nothing frames them, forms go only to this server and to `formActionTargets`.
    static func contentSecurityPolicy(formActionTargets: [String]) -> String {
        var sources = ["'self'"]
        for target in formActionTargets {
            if let source = cspSource(for: target), !sources.contains(source) { sources.append(source) }
        }
        return "default-src 'none'; style-src 'unsafe-inline'; form-action \(sources.joined(separator: " ")); frame-ancestors 'none'"
    }

    /// The CSP source expression that allows exactly `uri`'s origin (CSP Level 3 §2.3.1): `scheme://host:port` for
    /// a URI with a host, `scheme:` for a private-use scheme (RFC 8252 §7.1). Nil when the URI cannot be written as
    /// one without allowing more (an IP-literal host, or a character the grammar has no place for): the redirect is
    /// then blocked by the browser rather than the policy widened.
    static func cspSource(for uri: String) -> String? {
        guard let c = URLComponents(string: uri), let scheme = c.scheme?.lowercased(), !scheme.isEmpty,
              scheme.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || "+-.".unicodeScalars.contains($0) })
        else { return nil }
        guard let host = c.host?.lowercased(), !host.isEmpty else {
            // No authority: a private-use scheme such as com.example.app:/callback.
            return scheme == "http" || scheme == "https" ? nil : scheme + ":"
        }
        guard host.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "." }) else { return nil }
        let port = c.port ?? (scheme == "https" ? 443 : scheme == "http" ? 80 : nil)
        guard let port else { return "\(scheme)://\(host)" }
        guard (1...65535).contains(port) else { return nil }
        return "\(scheme)://\(host):\(port)"
    }

    static func redirect(to location: String) -> HTTPReply {
        HTTPReply(status: 302, headers: [Header(name: "Location", value: location)] + HTTPReply.noStore)
    }

    /// An RFC 6749 §5.2 error: `{"error","error_description"}`, 400 unless told otherwise.
    static func oauthError(_ error: ProtocolError, status: Int = 400, headers: [Header] = []) -> HTTPReply {
        json(.object([("error", .string(error.code.rawValue)), ("error_description", .string(error.description))]), status: status, headers: headers)
    }
}

/// The error codes of RFC 6749 §4.1.2.1 and §5.2, RFC 6750 §3.1, RFC 7009 §2.2.1 and OIDC Core §3.1.2.6.
enum OAuthErrorCode: String, Sendable {
    case invalidRequest = "invalid_request"
    case invalidClient = "invalid_client"
    case invalidGrant = "invalid_grant"
    case unauthorizedClient = "unauthorized_client"
    case unsupportedGrantType = "unsupported_grant_type"
    case unsupportedResponseType = "unsupported_response_type"
    case invalidScope = "invalid_scope"
    case accessDenied = "access_denied"
    case consentRequired = "consent_required"
    case loginRequired = "login_required"
    case invalidToken = "invalid_token"
    case insufficientScope = "insufficient_scope"
    case serverError = "server_error"
    /// RFC 8693 §2.2.2, RFC 8707 §2: the audience or resource asked for is unknown or not allowed.
    case invalidTarget = "invalid_target"
}

/// An OAuth error with a description that says what to fix and where the rule comes from.
struct ProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
    var code: OAuthErrorCode
    var description: String

    init(_ code: OAuthErrorCode, _ description: String) {
        self.code = code
        self.description = description
    }
}

extension Array where Element == FormField {
    /// The first parameter name that appears more than once; RFC 6749 §3.1 and §3.2 forbid repeats.
    var firstRepeatedName: String? {
        var seen = Set<String>()
        for f in self where !seen.insert(f.name).inserted { return f.name }
        return nil
    }
}
