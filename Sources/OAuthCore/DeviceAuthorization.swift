import Foundation

/// A device authorization response (RFC 8628 §3.2), read and range-checked.
public struct DeviceAuthorization: Sendable, Hashable {
    /// The code the client polls with: a secret.
    public var deviceCode: Secret
    /// What the user types at the verification URI.
    public var userCode: String
    public var verificationURI: String
    /// The verification URI with the user code in it, for a QR code or a link (optional, §3.3.1).
    public var verificationURIComplete: String?
    /// Seconds the codes live, as used (after the range check).
    public var expiresIn: Int
    /// Seconds between polls, as used (5 when absent, §3.2).
    public var interval: Int

    public init(deviceCode: Secret, userCode: String, verificationURI: String, verificationURIComplete: String?, expiresIn: Int, interval: Int) {
        self.deviceCode = deviceCode
        self.userCode = userCode
        self.verificationURI = verificationURI
        self.verificationURIComplete = verificationURIComplete
        self.expiresIn = expiresIn
        self.interval = interval
    }

    /// The interval when the server gives none (RFC 8628 §3.2).
    public static let defaultInterval = 5
    /// Intervals taken as given; outside, the nearest bound is used, with a finding.
    public static let intervalRange = 1...300
    /// Lifetimes taken as given (a day at most); outside, the nearest bound is used, with a finding.
    public static let expiresInRange = 10...86_400
    /// The lifetime assumed when `expires_in` (REQUIRED) is missing: RFC 8628 §3.2's example.
    public static let defaultExpiresIn = 1_800
    /// Longest device code, user code and URI read; longer ones make the response invalid.
    public static let maxCodeLength = 4_096
    public static let maxUserCodeLength = 256
    public static let maxURILength = 4_096
    /// Longer user codes are read, with a finding (RFC 8628 §6.1 wants something a person can type).
    public static let longUserCode = 16
}

/// What a device authorization endpoint answer turned out to be.
public enum DeviceAuthorizationOutcome: Sendable, Hashable {
    case issued(DeviceAuthorization, findings: [Finding])
    /// An OAuth error body (RFC 8628 §3.2 refers to RFC 6749 §5.2).
    case error(OAuthErrorResponse, status: Int, findings: [Finding])
    /// Neither: a 5xx, an HTML page, a body without the required members.
    case invalid(reason: String, hint: String, findings: [Finding])
}

/// Reads device authorization responses as they really come: JSON as RFC 8628 §3.2 says, form-encoded as GitHub
/// sends unless asked otherwise, `verification_url` as Google spells it.
public enum DeviceAuthorizationParser {
    public static func parse(status: Int, headers: [FormField], body: String) -> DeviceAuthorizationOutcome {
        var findings: [Finding] = []
        let contentType = headers.first { $0.name.lowercased() == "content-type" }?.value.lowercased() ?? ""
        var members: [(String, JSONValue)]?
        if let json = JSONValue.parse(body), case .object(let m) = json {
            members = m
        } else if contentType.contains("x-www-form-urlencoded") || (!body.isEmpty && !body.contains(" ") && !body.contains("<") && body.contains("=")) {
            let (fields, _) = FormURLEncoded.decode(body.trimmingCharacters(in: .whitespacesAndNewlines))
            members = fields.map { ($0.name, .string($0.value)) }
            findings.append(FindingCatalogue.deviceFormEncoded.finding())
        }
        guard let members else {
            let kind = contentType.isEmpty ? "an unlabelled body" : "a \(contentType) body"
            return .invalid(reason: "the device authorization endpoint answered HTTP \(status) with \(kind) that is not JSON",
                            hint: status >= 500 ? "The provider had an error on its side; try again later." : "Check the device authorization URL: an HTML page usually means a login page, a proxy, or the wrong path.",
                            findings: findings)
        }
        let o = JSONValue.object(members)
        if let error = o["error"]?.stringValue {
            return .error(OAuthErrorResponse(error: String(error.prefix(200)), description: o["error_description"]?.stringValue.map { String($0.prefix(1_000)) },
                                             uri: o["error_uri"]?.stringValue.map { String($0.prefix(1_000)) }), status: status, findings: findings)
        }
        guard (200..<300).contains(status) else {
            return .invalid(reason: "the device authorization endpoint answered HTTP \(status) without an OAuth error code",
                            hint: "RFC 8628 §3.2 answers an error with an \"error\" member (RFC 6749 §5.2); the body may say more.", findings: findings)
        }
        /// The member's value, or why it cannot be used.
        func required(_ name: String, max: Int) -> (value: String?, problem: String) {
            guard let v = o[name]?.stringValue, !v.isEmpty else { return (nil, "\(name) is missing") }
            guard v.utf8.count <= max else { return (nil, "\(name) is \(v.utf8.count) bytes, more than \(max)") }
            return (v, "")
        }
        let d = required("device_code", max: DeviceAuthorization.maxCodeLength), u = required("user_code", max: DeviceAuthorization.maxUserCodeLength)
        guard let deviceCode = d.value, let userCode = u.value else {
            return .invalid(reason: "the device authorization response is not usable: \(d.value == nil ? d.problem : u.problem)", hint: "device_code and user_code are REQUIRED (RFC 8628 §3.2).", findings: findings)
        }
        if userCode.count > DeviceAuthorization.longUserCode { findings.append(FindingCatalogue.deviceUserCodeLong.finding(userCode.count)) }

        var uri: String
        let v = required("verification_uri", max: DeviceAuthorization.maxURILength)
        if let given = v.value {
            uri = given
        } else if let google = required("verification_url", max: DeviceAuthorization.maxURILength).value {
            uri = google
            findings.append(FindingCatalogue.deviceVerificationUrl.finding())
        } else {
            return .invalid(reason: "the device authorization response is not usable: \(v.problem)", hint: "verification_uri is REQUIRED (RFC 8628 §3.2): without it the user does not know where to go.", findings: findings)
        }
        guard let parsed = URL(string: uri), let scheme = parsed.scheme?.lowercased(), ["http", "https"].contains(scheme), parsed.host != nil else {
            return .invalid(reason: "the verification URI is not an http(s) URL: \(String(uri.prefix(200)))", hint: "verification_uri must be a URL the user can open (RFC 8628 §3.2).", findings: findings)
        }
        if scheme == "http", !LoopbackAddress.contains(host: parsed.host ?? "") { findings.append(FindingCatalogue.deviceVerificationHttp.finding(uri)) }
        uri = parsed.absoluteString

        var complete: String?
        if let c = o["verification_uri_complete"]?.stringValue, !c.isEmpty {
            if c.utf8.count <= DeviceAuthorization.maxURILength, let u = URL(string: c), ["http", "https"].contains(u.scheme?.lowercased() ?? "") {
                complete = c
            }
        } else {
            findings.append(FindingCatalogue.deviceNoCompleteUri.finding(uri))
        }

        var expiresIn = DeviceAuthorization.defaultExpiresIn
        if let e = o["expires_in"] {
            let range = DeviceAuthorization.expiresInRange
            switch Numbers.wholeNumber(e, in: range) {
            case .success(let v): expiresIn = v
            case .failure(let problem):
                if case .outOfRange(let d, _) = problem { expiresIn = d < Double(range.lowerBound) ? range.lowerBound : range.upperBound }
                findings.append(FindingCatalogue.deviceExpiresIn.finding(problem, expiresIn))
            }
        } else {
            findings.append(FindingCatalogue.deviceExpiresIn.finding("is missing (it is REQUIRED)", expiresIn))
        }

        var interval = DeviceAuthorization.defaultInterval
        if let i = o["interval"] {
            let range = DeviceAuthorization.intervalRange
            switch Numbers.wholeNumber(i, in: range) {
            case .success(let v): interval = v
            case .failure(let problem):
                if case .outOfRange(let d, _) = problem { interval = d < Double(range.lowerBound) ? range.lowerBound : range.upperBound }
                findings.append(FindingCatalogue.deviceIntervalRange.finding(problem, interval))
            }
        } else {
            findings.append(FindingCatalogue.deviceIntervalDefault.finding())
        }
        return .issued(DeviceAuthorization(deviceCode: Secret(deviceCode), userCode: userCode, verificationURI: uri, verificationURIComplete: complete,
                                           expiresIn: expiresIn, interval: interval), findings: findings)
    }
}

/// What one poll of the token endpoint said (`device.poll.status`).
public enum DevicePollStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// `authorization_pending`: the user has not finished yet (RFC 8628 §3.5).
    case pending
    /// `slow_down`: poll less often; the interval goes up by 5 s (§3.5).
    case slowDown = "slow_down"
    /// Tokens were issued.
    case approved
    /// `access_denied`: the user refused (§3.5).
    case denied
    /// `expired_token`: the device code expired before the user approved (§3.5).
    case expired
    /// Any other answer: another OAuth error, an invalid body, no answer.
    case error

    /// The status of a token endpoint answer to a poll.
    public init(_ outcome: TokenResponseOutcome) {
        switch outcome {
        case .success: self = .approved
        case .invalid: self = .error
        case .error(let e, _, _):
            switch e.error {
            case "authorization_pending": self = .pending
            case "slow_down": self = .slowDown
            case "access_denied": self = .denied
            case "expired_token": self = .expired
            default: self = .error
            }
        }
    }

    /// Whether the client polls again after this answer.
    public var pollsAgain: Bool { self == .pending || self == .slowDown }

    /// What the answer means, for people.
    public var explanation: String {
        switch self {
        case .pending: return "authorization_pending: the user has not approved yet; the client keeps polling at the interval (RFC 8628 §3.5)."
        case .slowDown: return "slow_down: the client polled too often; every later poll waits 5 s longer (RFC 8628 §3.5)."
        case .approved: return "The user approved: the token endpoint issued tokens for the device code (RFC 8628 §3.5)."
        case .denied: return "access_denied: the user refused on the verification page; polling stops (RFC 8628 §3.5)."
        case .expired: return "expired_token: the device code expired before the user approved; start again for a new code (RFC 8628 §3.5)."
        case .error: return "The token endpoint answered something other than the device grant's poll answers; polling stops (RFC 8628 §3.5)."
        }
    }
}

/// The polling of the device grant as a state machine without I/O (RFC 8628 §3.4–3.5): when to poll next, how
/// `slow_down` raises the interval, when the device code has expired. The runner sleeps; this decides.
public struct DevicePollSchedule: Sendable, Hashable {
    /// Seconds to wait before the next poll.
    public private(set) var interval: Int
    /// When the device code expires.
    public let deadline: Date
    /// Polls answered so far.
    public private(set) var attempts = 0

    /// What the runner does next.
    public enum Next: Sendable, Hashable {
        /// Sleep this many seconds, then poll.
        case wait(seconds: Int)
        /// Tokens were issued.
        case finished
        /// Polling ends: the answer said so (`denied`, `expired`, `error`), or the next poll would come after the
        /// device code expired.
        case stop(DevicePollStatus)
    }

    public init(authorization: DeviceAuthorization, issuedAt: Date) {
        interval = authorization.interval
        deadline = issuedAt.addingTimeInterval(TimeInterval(authorization.expiresIn))
    }

    /// The first poll: one interval after the codes were issued, unless they expire first.
    public func first(now: Date) -> Next { waitOrExpire(now: now) }

    /// Records a poll's answer and says what comes next. `slow_down` adds 5 s to this and every later interval
    /// (bounded by `DeviceAuthorization.intervalRange`).
    public mutating func record(_ status: DevicePollStatus, now: Date) -> Next {
        attempts += 1
        switch status {
        case .approved: return .finished
        case .denied, .expired, .error: return .stop(status)
        case .slowDown:
            interval = min(interval + 5, DeviceAuthorization.intervalRange.upperBound)
            return waitOrExpire(now: now)
        case .pending:
            return waitOrExpire(now: now)
        }
    }

    private func waitOrExpire(now: Date) -> Next {
        now.addingTimeInterval(TimeInterval(interval)) > deadline ? .stop(.expired) : .wait(seconds: interval)
    }
}

extension TokenRequestBuilder {
    /// The device authorization request (RFC 8628 §3.1): the client's authentication as at the token endpoint
    /// (a public client sends `client_id`), and the scope.
    public func deviceAuthorization(endpoint: URL, scope: String?) -> HTTPRequestSpec {
        var spec = grantRequest(scope.map { $0.isEmpty ? [] : [FormField("scope", $0)] } ?? [], includeExtras: false)
        spec.url = endpoint
        return spec
    }

    /// A poll of the token endpoint with the device code (RFC 8628 §3.4).
    public func deviceCode(_ code: String) -> HTTPRequestSpec {
        grantRequest([FormField("grant_type", GrantType.device.wireValue), FormField("device_code", code)], includeExtras: true)
    }
}
