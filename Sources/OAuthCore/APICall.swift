import Foundation

/// A call to a protected resource with the access token (`--then call:METHOD:URL`, the TUI's call prompt): the
/// method and the absolute URL, both checked before anything is sent.
public struct APICallRequest: Sendable, Hashable, CustomStringConvertible {
    public var method: String
    public var url: URL

    /// The prefix that marks a call among the `--then` actions.
    public static let actionPrefix = "call:"
    /// Longer arguments are refused: no API URL needs more, and a bound keeps hostile input small.
    public static let maxLength = 8192

    public init(method: String, url: URL) {
        self.method = method
        self.url = url
    }

    /// `call:METHOD:URL`, the name of the action (`action.completed.action`).
    public var actionName: String { Self.actionPrefix + method + ":" + url.absoluteString }

    public var description: String { "\(method) \(url.absoluteString)" }

    /// True when `text` is meant as a call (`call:...`), whether or not it is a valid one.
    public static func isCall(_ text: String) -> Bool { text.hasPrefix(actionPrefix) }

    /// Reads `call:METHOD:URL` (the `--then` form). A URL that is only a path (`/api/me`) is taken relative to
    /// `base` (the demo's embedded provider); without a base it is refused.
    public static func parseAction(_ text: String, base: URL? = nil) throws(APICallError) -> APICallRequest {
        guard text.hasPrefix(actionPrefix) else { throw .notACall(text) }
        let rest = text.dropFirst(actionPrefix.count)
        guard let colon = rest.firstIndex(of: ":") else { throw .missingURL(String(text.prefix(200))) }
        return try make(method: String(rest[..<colon]), url: String(rest[rest.index(after: colon)...]), base: base)
    }

    /// Reads what a person types at the call prompt: `URL` (a GET), or `METHOD URL`.
    public static func parseTyped(_ text: String, base: URL? = nil) throws(APICallError) -> APICallRequest {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        switch parts.count {
        case 0: throw .missingURL(trimmed)
        case 1: return try make(method: "GET", url: String(parts[0]), base: base)
        default: return try make(method: String(parts[0]), url: parts[1].trimmingCharacters(in: .whitespaces), base: base)
        }
    }

    /// Checks the method (an RFC 9110 §9.1 token, written in upper case as the registered methods are) and the
    /// URL (absolute http or https with a host, no fragment, no spaces).
    public static func make(method: String, url given: String, base: URL? = nil) throws(APICallError) -> APICallRequest {
        var text = given
        if text.hasPrefix("/"), !text.hasPrefix("//") {
            guard let base else { throw .pathWithoutBase(String(text.prefix(200))) }
            text = base.absoluteString.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + text
        }
        guard method.count + text.count <= maxLength else { throw .tooLong(maxLength) }
        guard !method.isEmpty else { throw .badMethod(method) }
        // tchar (RFC 9110 §5.6.2): letters, digits and !#$%&'*+-.^_`|~ ; upper case, as methods are case-sensitive
        // and every registered one is upper case.
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~")
        guard method.allSatisfy({ allowed.contains($0) }) else { throw .badMethod(String(method.prefix(40))) }
        guard !text.isEmpty else { throw .missingURL(text) }
        guard !text.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 0x20 || $0 == 0x7F } ?? false }) else {
            throw .badURL(String(text.prefix(200)), "it contains a space or a control character (percent-encode it)")
        }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased() else {
            throw .badURL(String(text.prefix(200)), "it is not an absolute URL")
        }
        guard scheme == "https" || scheme == "http" else {
            throw .badURL(String(text.prefix(200)), "the scheme is \(scheme); only https (or http on loopback) can carry a bearer token")
        }
        guard let host = url.host, !host.isEmpty else { throw .badURL(String(text.prefix(200)), "it has no host") }
        guard url.fragment == nil else { throw .badURL(String(text.prefix(200)), "a fragment is never sent to the server; leave it out") }
        guard url.user == nil, url.password == nil else {
            throw .badURL(String(text.prefix(200)), "it carries a user name or password; the access token is the credential")
        }
        return APICallRequest(method: method, url: url)
    }
}

/// Why a call argument was refused; each message says what a valid one looks like.
public enum APICallError: Error, Sendable, Hashable, CustomStringConvertible {
    case notACall(String)
    case missingURL(String)
    case badMethod(String)
    case badURL(String, String)
    case tooLong(Int)
    case pathWithoutBase(String)

    public var description: String {
        let form = "write call:METHOD:URL, e.g. call:GET:https://api.example.com/me"
        switch self {
        case .notACall(let t): return "\"\(t.prefix(200))\" is not a call; \(form)"
        case .missingURL(let t): return "\"\(t)\" names no URL; \(form)"
        case .badMethod(let m): return "\"\(m)\" is not an HTTP method (an upper-case token such as GET, POST, PUT, PATCH, DELETE; RFC 9110 §9.1)"
        case .badURL(let u, let why): return "\"\(u)\" cannot be called: \(why)"
        case .tooLong(let n): return "the call is longer than \(n) characters"
        case .pathWithoutBase(let p): return "\"\(p)\" is only a path: give the whole URL (https://...); a path alone is taken relative to the embedded provider in demo"
        }
    }
}

/// A `WWW-Authenticate` challenge of a protected resource (RFC 6750 §3, RFC 9449 §7.1), read from a hostile
/// header: bounded, never throws.
public struct AuthenticateChallenge: Sendable, Hashable {
    /// `Bearer`, `DPoP`, `Basic`, ... as sent.
    public var scheme: String
    /// The auth-params, names in lower case, in the order sent.
    public var parameters: [FormField]

    public init(scheme: String, parameters: [FormField]) {
        self.scheme = scheme
        self.parameters = parameters
    }

    public func parameter(_ name: String) -> String? { parameters.first { $0.name == name }?.value }
    public var error: String? { parameter("error") }

    /// The challenges of one header value: `Bearer realm="x", error="invalid_token", DPoP algs="ES256"`. At most
    /// 8 challenges of 16 parameters each, 4096 characters read.
    public static func parse(_ header: String) -> [AuthenticateChallenge] {
        var chars = Array(header.prefix(4096))
        chars.append(",")
        var i = 0
        var out: [AuthenticateChallenge] = []
        func skipSpace() { while i < chars.count, chars[i] == " " || chars[i] == "\t" { i += 1 } }
        func token() -> String {
            let start = i
            while i < chars.count, !" \t,=\"".contains(chars[i]) { i += 1 }
            return String(chars[start..<i])
        }
        while i < chars.count, out.count < 8 {
            skipSpace()
            while i < chars.count, chars[i] == "," { i += 1; skipSpace() }
            let word = token()
            guard !word.isEmpty else { i += 1; continue }
            skipSpace()
            if i < chars.count, chars[i] == "=", let last = out.indices.last, out[last].parameters.count < 16 {
                // A parameter of the current challenge.
                i += 1
                skipSpace()
                var value = ""
                if i < chars.count, chars[i] == "\"" {
                    i += 1
                    while i < chars.count, chars[i] != "\"" {
                        if chars[i] == "\\", i + 1 < chars.count { i += 1 }
                        value.append(chars[i])
                        i += 1
                    }
                    i += 1
                } else {
                    value = token()
                }
                out[last].parameters.append(FormField(word.lowercased(), value))
            } else if i < chars.count, chars[i] == "=" {
                // token68 or a parameter with no challenge before it: skip.
                while i < chars.count, chars[i] != "," { i += 1 }
            } else {
                out.append(AuthenticateChallenge(scheme: word, parameters: []))
            }
        }
        return out
    }

    /// What the error code of a challenge means and what to do (RFC 6750 §3.1, RFC 9449 §7.1 and §8).
    public static func explain(error: String?, status: Int) -> String {
        switch error {
        case "invalid_request"?:
            return "the request is malformed: a parameter is missing or repeated, or the token was sent in more than one way (RFC 6750 §3.1)"
        case "invalid_token"?:
            return "the access token is expired, revoked, malformed or not for this API; get a new one (refresh) and check the audience (RFC 6750 §3.1)"
        case "insufficient_scope"?:
            return "the token lacks the scope this call needs; ask for it in --scope (the challenge's scope parameter names it) and sign in again (RFC 6750 §3.1)"
        case "invalid_dpop_proof"?:
            return "the DPoP proof was refused: its signature, htm/htu, iat, jti or ath does not fit this request (RFC 9449 §7.1)"
        case "use_dpop_nonce"?:
            return "the resource wants a DPoP proof carrying the nonce of its DPoP-Nonce header (RFC 9449 §9)"
        case let other?:
            return "error \"\(other.prefix(100))\", which RFC 6750 §3.1 does not define"
        case nil:
            return status == 401
                ? "no error code: the request carried no credentials the API accepts, or the API does not say why (RFC 6750 §3.1)"
                : "no error code: the API refused this token for this call without saying why; often a missing scope or permission"
        }
    }
}
