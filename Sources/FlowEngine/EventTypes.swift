import Foundation
import OAuthCore

/// The event-type registry: each event type's wire name, declared once, next to the payload it carries.
///
/// Encoding reads `FlowEvent.Payload.parts` (the kind and the fields), decoding reads `Kind.decode(from:)`; both
/// switches are exhaustive, so an event type that can be written but not read does not compile. Adding an event
/// type means: its payload struct and its `Payload` case (FlowEvent.swift), then one `Kind` case, one `decode`
/// line and one `parts` line here. Fronts fall back to `EventPayload.summary`, and the grant description
/// (`GrantDescription`) places it in a step; neither needs a new switch case.
extension FlowEvent.Payload {
    /// An event type: its raw value is the `type` written on the wire.
    public enum Kind: String, Sendable, Hashable, CaseIterable, Codable {
        case flowStarted = "flow.started"
        case listenerStarted = "listener.started"
        case discoveryCompleted = "discovery.completed"
        case httpRequest = "http.request"
        case httpResponse = "http.response"
        case urlBuilt = "authorization.url_built"
        case userRedirected = "user.redirected"
        case callbackReceived = "callback.received"
        case codeReceived = "code.received"
        case tokenRequest = "token.request"
        case tokenResponse = "token.response"
        case tokenExchanged = "token.exchanged"
        case finding = "finding"
        case stepWaiting = "step.waiting"
        case flowCompleted = "flow.completed"
        case flowFailed = "flow.failed"
        case busOverflow = "bus.overflow"
        case actionCompleted = "action.completed"
        case doctorStarted = "doctor.started"
        case probeStarted = "probe.started"
        case probeCompleted = "probe.completed"
        case doctorCompleted = "doctor.completed"
        case lessonStarted = "lesson.started"
        case lessonCompleted = "lesson.completed"
        case requestEdited = "request.edited"
        case deviceAuthorization = "device.authorization"
        case devicePoll = "device.poll"
        case clientAssertion = "client.assertion"
        case authorizationPushed = "authorization.pushed"
        case dpopProof = "dpop.proof"

        /// Reads the payload of this type from the event object (the envelope's members are ignored).
        func decode(from decoder: any Decoder) throws -> FlowEvent.Payload {
            switch self {
            case .flowStarted: return .flowStarted(try FlowStarted(from: decoder))
            case .listenerStarted: return .listenerStarted(try ListenerStarted(from: decoder))
            case .discoveryCompleted: return .discoveryCompleted(try DiscoveryCompleted(from: decoder))
            case .httpRequest: return .httpRequest(try HTTPRequestCapture(from: decoder))
            case .httpResponse: return .httpResponse(try HTTPResponseCapture(from: decoder))
            case .urlBuilt: return .urlBuilt(try AuthorizationURLBuilt(from: decoder))
            case .userRedirected: return .userRedirected(try UserRedirected(from: decoder))
            case .callbackReceived: return .callbackReceived(try CallbackReceived(from: decoder))
            case .codeReceived: return .codeReceived(try CodeReceived(from: decoder))
            case .tokenRequest: return .tokenRequest(try HTTPRequestCapture(from: decoder))
            case .tokenResponse: return .tokenResponse(try HTTPResponseCapture(from: decoder))
            case .tokenExchanged: return .tokenExchanged(try TokenExchanged(from: decoder))
            case .finding: return .finding(try Finding(from: decoder))
            case .stepWaiting: return .stepWaiting(try StepWaiting(from: decoder))
            case .flowCompleted: return .flowCompleted(try FlowCompleted(from: decoder))
            case .flowFailed: return .flowFailed(try FlowFailed(from: decoder))
            case .busOverflow: return .busOverflow(try BusOverflow(from: decoder))
            case .actionCompleted: return .actionCompleted(try ActionCompleted(from: decoder))
            case .doctorStarted: return .doctor(.started(try DoctorStarted(from: decoder)))
            case .probeStarted: return .doctor(.probeStarted(try ProbeStarted(from: decoder)))
            case .probeCompleted: return .doctor(.probeCompleted(try ProbeCompleted(from: decoder)))
            case .doctorCompleted: return .doctor(.completed(try DoctorCompleted(from: decoder)))
            case .lessonStarted: return .lessonStarted(try LessonStarted(from: decoder))
            case .lessonCompleted: return .lessonCompleted(try LessonCompleted(from: decoder))
            case .requestEdited: return .requestEdited(try RequestEdited(from: decoder))
            case .deviceAuthorization: return .deviceAuthorization(try DeviceAuthorizationIssued(from: decoder))
            case .devicePoll: return .devicePoll(try DevicePoll(from: decoder))
            case .clientAssertion: return .clientAssertion(try ClientAssertionBuilt(from: decoder))
            case .authorizationPushed: return .authorizationPushed(try AuthorizationPushed(from: decoder))
            case .dpopProof: return .dpopProof(try DPoPProofShown(from: decoder))
            }
        }
    }

    /// The event type and the payload's fields: the one switch that encoding, `type` and `summary` read.
    public var parts: (kind: Kind, fields: any EventPayload) {
        switch self {
        case .flowStarted(let p): return (.flowStarted, p)
        case .listenerStarted(let p): return (.listenerStarted, p)
        case .discoveryCompleted(let p): return (.discoveryCompleted, p)
        case .httpRequest(let p): return (.httpRequest, p)
        case .httpResponse(let p): return (.httpResponse, p)
        case .urlBuilt(let p): return (.urlBuilt, p)
        case .userRedirected(let p): return (.userRedirected, p)
        case .callbackReceived(let p): return (.callbackReceived, p)
        case .codeReceived(let p): return (.codeReceived, p)
        case .tokenRequest(let p): return (.tokenRequest, p)
        case .tokenResponse(let p): return (.tokenResponse, p)
        case .tokenExchanged(let p): return (.tokenExchanged, p)
        case .finding(let p): return (.finding, p)
        case .stepWaiting(let p): return (.stepWaiting, p)
        case .flowCompleted(let p): return (.flowCompleted, p)
        case .flowFailed(let p): return (.flowFailed, p)
        case .busOverflow(let p): return (.busOverflow, p)
        case .actionCompleted(let p): return (.actionCompleted, p)
        case .doctor(let d): return d.parts
        case .lessonStarted(let p): return (.lessonStarted, p)
        case .lessonCompleted(let p): return (.lessonCompleted, p)
        case .requestEdited(let p): return (.requestEdited, p)
        case .deviceAuthorization(let p): return (.deviceAuthorization, p)
        case .devicePoll(let p): return (.devicePoll, p)
        case .clientAssertion(let p): return (.clientAssertion, p)
        case .authorizationPushed(let p): return (.authorizationPushed, p)
        case .dpopProof(let p): return (.dpopProof, p)
        }
    }

    public var kind: Kind { parts.kind }
}

/// The fields of one event type. `summary` is the one line the event log and the verbose printer show for an
/// event no front words specially, so a new event type is readable everywhere without a case of its own.
public protocol EventPayload: Sendable, Codable {
    func summary(reveal: Bool) -> String
}

extension EventPayload {
    /// The payload's fields as one line of `name=value` pairs, secrets redacted unless `reveal`.
    public func summary(reveal: Bool) -> String {
        guard case .object(let members)? = try? JSONValueEncoder(userInfo: [.revealSecrets: reveal]).encode(self) else { return "" }
        return members.map { name, value in
            if case .string(let s) = value { return "\(name)=\(s)" }
            return "\(name)=\(value.serialized())"
        }.joined(separator: " ")
    }
}

// The one-line summaries the event log shows. An event type without one of its own gets the generic
// `name=value` line.

extension FlowStarted: EventPayload {
    public func summary(reveal: Bool) -> String {
        var t = "\(mode) flow with \(provider)"
        if let c = clientID { t += ", client \(c)" }
        t += ", exchange \(exchange)"
        if stepMode { t += ", step mode" }
        return t
    }
}

extension ListenerStarted: EventPayload {
    public func summary(reveal: Bool) -> String { "listening on \(addresses.joined(separator: ", ")) for \(redirectURI)" }
}

extension DiscoveryCompleted: EventPayload {
    public func summary(reveal: Bool) -> String { "\(issuer) in \(elapsedMs) ms" }
}

extension HTTPRequestCapture: EventPayload {
    public func summary(reveal: Bool) -> String { "\(purpose): \(method) \(url)" }
}

extension HTTPResponseCapture: EventPayload {
    public func summary(reveal: Bool) -> String { "\(purpose): HTTP \(status) in \(elapsedMs) ms" }
}

extension AuthorizationURLBuilt: EventPayload {
    public func summary(reveal: Bool) -> String {
        let n = params.objectValue?.count ?? 0
        return "\(endpoint) with \(n) parameters" + (pkce.map { ", PKCE \($0.method)" } ?? ", no PKCE")
    }
}

extension UserRedirected: EventPayload {
    public func summary(reveal: Bool) -> String { "via \(via)" + (command.map { ": \($0)" } ?? "") }
}

extension CallbackReceived: EventPayload {
    public func summary(reveal: Bool) -> String {
        var t = "\(method) \(path) from \(remote): \(verdict.rawValue)"
        if let d = detail { t += " (\(d))" }
        return t
    }
}

extension CodeReceived: EventPayload {
    public func summary(reveal: Bool) -> String {
        let passed = checks.filter(\.ok).count
        return "code \(code.display(reveal: reveal)), \(passed)/\(checks.count) checks passed"
    }
}

extension TokenExchanged: EventPayload {
    public func summary(reveal: Bool) -> String {
        var t = tokenType
        if let e = expiresIn { t += ", expires in \(e) s" }
        if let s = scope { t += ", scope \(s)" }
        if refreshToken != nil { t += ", refresh token" }
        if idToken != nil { t += ", id_token" }
        return t
    }
}

extension Finding: EventPayload {
    public func summary(reveal: Bool) -> String { "\(severity.rawValue) \(code): \(message)" }
}

extension StepWaiting: EventPayload {
    public func summary(reveal: Bool) -> String { "\(step): \(prompt)" }
}

extension FlowCompleted: EventPayload {
    public func summary(reveal: Bool) -> String { "in \(elapsedMs) ms" }
}

extension FlowFailed: EventPayload {
    public func summary(reveal: Bool) -> String { reason + (error.map { " (\($0))" } ?? "") }
}

extension BusOverflow: EventPayload {
    public func summary(reveal: Bool) -> String { "\(dropped) events dropped before reaching this screen" }
}

extension ActionCompleted: EventPayload {
    public func summary(reveal: Bool) -> String { "\(action): \(summary)" }
}

extension LessonStarted: EventPayload {
    public func summary(reveal: Bool) -> String { "\(name): \(title); expects \(expected)" }
}

extension LessonCompleted: EventPayload {
    public func summary(reveal: Bool) -> String {
        "\(name): \(outcome)" + (error.map { " (\($0))" } ?? "") + (asExpected ? ", as expected" : ", expected \(expected)")
    }
}

extension RequestEdited: EventPayload {
    public func summary(reveal: Bool) -> String { ok ? "\(hop): \(edit.display(reveal: reveal))" : "\(hop): refused: \(error ?? "")" }
}
