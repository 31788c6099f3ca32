import Foundation
import OAuthCore

// The device authorization grant (RFC 8628) as data: its two event types and its four steps. The registry
// (EventTypes.swift) names the types; the fronts render them from here and from `GrantDescription.device`.

/// `device.authorization`: the device authorization endpoint issued the codes (RFC 8628 §3.2).
public struct DeviceAuthorizationIssued: Sendable, Hashable, Codable {
    /// What the user types at the verification URI.
    public var userCode: String
    public var verificationURI: String
    /// The verification URI with the user code in it: the QR code's content, when the server sends one.
    public var verificationURIComplete: String?
    /// Seconds the codes live (after the range check).
    public var expiresIn: Int
    /// Seconds between polls (5 when the server gives none).
    public var interval: Int
    /// The code the client polls with: redacted unless `--reveal`.
    public var deviceCode: Sensitive

    public init(userCode: String, verificationURI: String, verificationURIComplete: String?, expiresIn: Int, interval: Int, deviceCode: Sensitive) {
        self.userCode = userCode
        self.verificationURI = verificationURI
        self.verificationURIComplete = verificationURIComplete
        self.expiresIn = expiresIn
        self.interval = interval
        self.deviceCode = deviceCode
    }

    public init(_ a: DeviceAuthorization) {
        self.init(userCode: a.userCode, verificationURI: a.verificationURI, verificationURIComplete: a.verificationURIComplete,
                  expiresIn: a.expiresIn, interval: a.interval, deviceCode: a.deviceCode.sensitive)
    }

    enum CodingKeys: String, CodingKey {
        case userCode = "user_code", verificationURI = "verification_uri", verificationURIComplete = "verification_uri_complete"
        case expiresIn = "expires_in", interval, deviceCode = "device_code"
    }

    /// The QR code of `verification_uri_complete`, when there is one and it fits.
    public var qrCode: QRCode? {
        guard let complete = verificationURIComplete else { return nil }
        return try? QRCode.encode(complete, errorCorrection: .medium)
    }
}

/// `device.poll`: one poll of the token endpoint with the device code, and what it said (RFC 8628 §3.4–3.5).
public struct DevicePoll: Sendable, Hashable, Codable {
    /// 1 for the first poll.
    public var attempt: Int
    public var status: DevicePollStatus
    /// The interval in effect after this answer (raised by 5 s after `slow_down`).
    public var interval: Int
    /// The OAuth error code of the answer, when it had one.
    public var error: String?

    public init(attempt: Int, status: DevicePollStatus, interval: Int, error: String? = nil) {
        self.attempt = attempt
        self.status = status
        self.interval = interval
        self.error = error
    }
}

extension DeviceAuthorizationIssued: EventPayload {
    public func summary(reveal: Bool) -> String {
        "user code \(userCode) at \(verificationURI), expires in \(expiresIn) s, poll every \(interval) s"
            + (verificationURIComplete == nil ? ", no verification_uri_complete (no QR code)" : "")
    }
}

extension DevicePoll: EventPayload {
    public func summary(reveal: Bool) -> String {
        var t = "poll \(attempt): \(status.rawValue)"
        if let e = error, e != status.rawValue { t += " (\(e))" }
        if status.pollsAgain { t += ", next in \(interval) s" }
        return t
    }
}

extension HopPurpose {
    /// The device authorization request (RFC 8628 §3.1).
    public static let deviceAuthorization: HopPurpose = "device-authorization"
    /// A poll of the token endpoint with the device code (RFC 8628 §3.4).
    public static let devicePoll: HopPurpose = "device-poll"
}

extension FlowStep {
    public static let deviceCodeIssued = FlowStep(
        id: "device_code", label: "Device code issued",
        begins: [.flowStarted], completes: [.deviceAuthorization],
        events: [.flowStarted, .discoveryCompleted], purposes: [.discovery, .deviceAuthorization], carriesSecrets: true,
        explanation: "The client asked the device authorization endpoint for a pair of codes (RFC 8628 §3.1): a device_code it keeps "
            + "to poll with, and a short user_code the user types at the verification URI on any other device (§3.2). "
            + "verification_uri_complete carries the user code in the URL, so a QR code can take the user there at once (§3.3.1). "
            + "The device never sees the user's password and needs no browser or redirect URI.")

    public static let userVerifies = FlowStep(
        id: "verify", label: "User verifies",
        begins: [.deviceAuthorization], completes: [],
        events: [.userRedirected], purposes: [.redirect],
        explanation: "The user opens the verification URI, signs in, enters the user code and approves or denies the request (RFC 8628 §3.3). "
            + "The client is not told when this happens: it learns the answer only by polling. Check that the code on the page is the one "
            + "shown here: a user code typed from someone else's screen authorizes their device (§5.4, remote phishing).",
        completesWhen: DevicePoll.approves)

    public static let devicePolling = FlowStep(
        id: "poll", label: "Polling",
        begins: [.devicePoll], completes: [],
        events: [.devicePoll], purposes: [.devicePoll],
        explanation: "While the user decides, the client polls the token endpoint with grant_type urn:ietf:params:oauth:grant-type:device_code "
            + "and the device_code, waiting the interval between polls (RFC 8628 §3.4). authorization_pending means not yet; slow_down "
            + "means wait 5 s longer from now on; access_denied and expired_token end the grant (§3.5).",
        completesWhen: DevicePoll.approves)

    public static let deviceTokenExchanged = FlowStep(
        id: "exchange", label: "Token exchanged",
        begins: [], completes: [.tokenExchanged], events: [.flowCompleted, .actionCompleted],
        carriesSecrets: true,
        explanation: "The poll after the user approved returned the tokens, as a code exchange would (RFC 8628 §3.5, RFC 6749 §5.1); "
            + "they are checked the same way. The device code is spent: polling again with it gets invalid_grant.")
}

extension DevicePoll {
    /// Whether an event is a poll the user's approval answered.
    @Sendable static func approves(_ payload: FlowEvent.Payload) -> Bool {
        if case .devicePoll(let p) = payload { return p.status == .approved }
        return false
    }
}

extension GrantDescription {
    /// The device authorization grant (RFC 8628): device code issued, user verifies, polling, token exchanged.
    public static let device = GrantDescription(id: GrantType.device.rawValue, steps: [.deviceCodeIssued, .userVerifies, .devicePolling, .deviceTokenExchanged])
}
