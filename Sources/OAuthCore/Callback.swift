import Foundation

/// The parameters of an authorization response (RFC 6749 §4.1.2, §4.1.2.1), as parsed from the redirect's
/// query (or a `form_post` body), with everything that was wrong about their encoding.
public struct CallbackParameters: Sendable, Hashable {
    public var fields: [FormField] {
        didSet { repeatedNames = Self.repeated(in: fields) }
    }
    public var problems: [FormDecodingProblem]
    /// Parameters that appear more than once. RFC 6749 §3.1: "Request and response parameters MUST NOT be
    /// included more than once." Found once, when the fields are set: judging a callback asks several times.
    public private(set) var repeatedNames: [String]

    public init(query: String) {
        let decoded = FormURLEncoded.decode(query)
        fields = decoded.fields
        problems = decoded.problems
        repeatedNames = Self.repeated(in: decoded.fields)
    }

    public init(fields: [FormField], problems: [FormDecodingProblem] = []) {
        self.fields = fields
        self.problems = problems
        repeatedNames = Self.repeated(in: fields)
    }

    public var state: String? { fields.first("state") }
    public var code: String? { fields.first("code") }
    public var error: String? { fields.first("error") }
    public var errorDescription: String? { fields.first("error_description") }
    public var errorURI: String? { fields.first("error_uri") }
    public var iss: String? { fields.first("iss") }

    private static func repeated(in fields: [FormField]) -> [String] {
        // A callback has a handful of parameters: comparing them pairwise costs less than hashing them.
        if fields.count <= 16 {
            var repeated: [String] = []
            for (i, f) in fields.enumerated() where !repeated.contains(f.name) && fields[..<i].contains(where: { $0.name == f.name }) {
                repeated.append(f.name)
            }
            return repeated
        }
        var seen = Set<String>(), repeated: [String] = []
        for f in fields {
            if !seen.insert(f.name).inserted, !repeated.contains(f.name) { repeated.append(f.name) }
        }
        return repeated
    }
}

/// The decision about one callback, made in the order RFC 9700 §4.7 asks: the request's shape, then `state`,
/// and only then `code` or `error`.
public enum CallbackDecision: Sendable, Hashable {
    /// The code arrived for the flow whose state matched.
    case accepted(code: String, state: String)
    /// An authorization error response for the flow whose state matched (or with no state: see `stateMissing`).
    case errorResponse(OAuthErrorResponse, state: String?, stateMissing: Bool)
    /// The state did not match any flow that is waiting: no token request may be made.
    case stateMismatch(received: String?)
    /// Repeated or undecodable parameters, or neither code nor error.
    case malformed(String)
}

/// Judges callbacks against the states that are waiting (several flows can share one listener).
public enum CallbackValidator {
    /// - Parameter expectedStates: the states of flows waiting for a callback. Compared in constant time.
    public static func decide(_ params: CallbackParameters, expectedStates: [String]) -> CallbackDecision {
        let repeated = params.repeatedNames.filter { ["code", "state", "error", "iss", "error_description"].contains($0) }
        if !repeated.isEmpty {
            return .malformed("parameter \(repeated.map { "\"\($0)\"" }.joined(separator: ", ")) repeated (RFC 6749 §3.1 forbids it)")
        }
        if let p = params.problems.first(where: { ["code", "state", "error"].contains(problemField($0)) }) {
            return .malformed(p.description)
        }
        guard let state = params.state else {
            // Some providers send an error redirect without state. It cannot be tied to a flow safely, but it
            // is still shown for what it is.
            if let error = params.error {
                return .errorResponse(OAuthErrorResponse(error: error, description: params.errorDescription, uri: params.errorURI), state: nil, stateMissing: true)
            }
            if params.code != nil { return .stateMismatch(received: nil) }
            return .malformed("neither code nor error in the callback (RFC 6749 §4.1.2)")
        }
        var matched = false
        for expected in expectedStates where constantTimeEquals(expected, state) { matched = true }
        guard matched else { return .stateMismatch(received: state) }
        if let error = params.error {
            return .errorResponse(OAuthErrorResponse(error: error, description: params.errorDescription, uri: params.errorURI), state: state, stateMissing: false)
        }
        guard let code = params.code, !code.isEmpty else {
            return .malformed("the callback carries state but no code and no error (RFC 6749 §4.1.2)")
        }
        return .accepted(code: code, state: state)
    }

    private static func problemField(_ p: FormDecodingProblem) -> String {
        switch p {
        case .badPercentEncoding(let f), .invalidUTF8(let f): return f
        }
    }

    /// The RFC 9207 check of the `iss` callback parameter.
    public static func issCheck(received: String?, expectedIssuer: String?, serverAdvertisesIss: Bool) -> Check? {
        switch (received, expectedIssuer) {
        case (let got?, let want?):
            return constantTimeEquals(got, want)
                ? Check("iss", ok: true, "callback iss equals the issuer \(want) (RFC 9207 §2.4)")
                : Check("iss", ok: false, "callback iss \(got) is not the issuer \(want): possible mix-up attack (RFC 9207 §2.4)")
        case (nil, _?) where serverAdvertisesIss:
            return Check("iss", ok: false, "the server advertises authorization_response_iss_parameter_supported but sent no iss (RFC 9207 §2.4, RFC 9700 §4.4)")
        case (let got?, nil):
            return Check("iss", ok: true, "callback carries iss \(got); no issuer known to compare with (RFC 9207)")
        default:
            return nil
        }
    }
}
