import Foundation
import OAuthCore

/// Asked before each hop of a flow leaves. It is the one place where step mode pauses: every request the client
/// sends goes through `FlowPublisher.beforeSend` (the HTTP client calls it for each request, discovery and the
/// JWKS included, and the controller for sending the user to the authorization URL), so no hop escapes it.
public protocol HopGate: Sendable {
    /// The request to send for `hop`, edited as the user asked, or a failure when the user gave up at the pause.
    func beforeSend(_ request: HTTPRequestSpec, hop: HopPurpose) async throws(FlowFailure) -> HTTPRequestSpec
}

extension FlowPublisher {
    /// This publisher, asking `gate` before each hop.
    public func gated(by gate: any HopGate) -> FlowPublisher {
        var p = self
        p.gate = gate
        return p
    }

    /// This publisher without a gate: hops go at once.
    public var ungated: FlowPublisher {
        var p = self
        p.gate = nil
        return p
    }

    /// What a `ProviderClient` calls before it sends `request` for `hop` (its purpose): the request to send,
    /// unchanged when nothing gates the flow.
    public func beforeSend(_ request: HTTPRequestSpec, hop: HopPurpose) async throws(FlowFailure) -> HTTPRequestSpec {
        guard let gate else { return request }
        return try await gate.beforeSend(request, hop: hop)
    }
}

/// Reads one flow's commands, for whichever part of the flow waits for the user now. One reader at a time.
actor FlowCommandReader {
    private var iterator: AsyncStream<FlowCommand>.AsyncIterator?

    init(_ stream: AsyncStream<FlowCommand>?) { iterator = stream?.makeAsyncIterator() }

    /// False when no front sends commands (a test without a channel): pauses do not wait then.
    var connected: Bool { iterator != nil }

    /// The next command; nil when the channel ended or the task was cancelled.
    func next() async -> FlowCommand? {
        guard var it = iterator else { return nil }
        let command = await it.next(isolation: self)
        iterator = it
        return command
    }
}

/// Step mode (and `--exchange manual` for the code exchange): before a hop leaves, publish `step.waiting` with the
/// request exactly as it will be sent, then take the user's commands until one sends it: edits (each one a
/// `request.edited` event, a refused one too), sending the last hop again, or giving up.
///
/// Edits are kept by hop for the whole life of the controller, so that `a` (again) after a failure reruns the flow
/// with the same edits made again.
actor StepGate: HopGate {
    private let publisher: FlowPublisher
    private let reader: FlowCommandReader
    private let pauses: @Sendable (HopPurpose) -> Bool
    private let sendAgain: @Sendable (HTTPRequestSpec, HopPurpose) async -> Void
    /// What a request held at a pause, or sent again, needs signed afresh as it leaves (a client assertion).
    private let resign: @Sendable (HTTPRequestSpec, HopPurpose) -> HTTPRequestSpec
    private var edits: [HopPurpose: [RequestEdit]] = [:]
    private var lastSent: (request: HTTPRequestSpec, hop: HopPurpose)?
    /// The grant the flow runs: its steps hold the hops, and its token request is worded its own way.
    private let grant: GrantType

    /// - Parameters:
    ///   - publisher: the flow's publisher, without a gate.
    ///   - pauses: whether the flow stops before `hop`.
    ///   - sendAgain: sends a hop once more, exactly as it was sent, and publishes what came back.
    ///   - resign: the request with what it carries signed afresh (unchanged when it carries nothing signed).
    init(publisher: FlowPublisher, reader: FlowCommandReader, grant: GrantType = .authorizationCode, pauses: @escaping @Sendable (HopPurpose) -> Bool, sendAgain: @escaping @Sendable (HTTPRequestSpec, HopPurpose) async -> Void,
         resign: @escaping @Sendable (HTTPRequestSpec, HopPurpose) -> HTTPRequestSpec = { spec, _ in spec }) {
        self.publisher = publisher.ungated
        self.resign = resign
        self.grant = grant
        self.reader = reader
        self.pauses = pauses
        self.sendAgain = sendAgain
    }

    func beforeSend(_ request: HTTPRequestSpec, hop: HopPurpose) async throws(FlowFailure) -> HTTPRequestSpec {
        var pending = request
        // A rerun makes the edits of the run before again, each shown as it is made.
        for edit in edits[hop] ?? [] {
            do throws(RequestEditError) {
                pending = try edit.apply(to: pending)
                publish(edit: edit, hop: hop, line: edit.description, request: pending, error: nil)
            } catch {
                publish(edit: edit, hop: hop, line: edit.description, request: nil, error: error.description)
            }
        }
        guard pauses(hop) else {
            lastSent = (pending, hop)
            return pending
        }
        publishWaiting(pending, hop: hop)
        guard await reader.connected else {
            lastSent = (pending, hop)
            return pending
        }
        while true {
            switch await reader.next() {
            case .proceed?:
                // The pause may have outlived the assertion built before it; one the user typed goes as typed.
                if !(edits[hop] ?? []).contains(where: { $0.name == "client_assertion" }) { pending = resign(pending, hop) }
                lastSent = (pending, hop)
                return pending
            case .edit(let line)?:
                do throws(RequestEditError) {
                    let edit = try RequestEdit.parse(line)
                    pending = try edit.apply(to: pending)
                    edits[hop, default: []].append(edit)
                    publish(edit: edit, hop: hop, line: edit.description, request: pending, error: nil)
                } catch {
                    publish(edit: nil, hop: hop, line: String(line.prefix(200)), request: nil, error: error.description)
                }
            case .again?:
                if let last = lastSent {
                    await sendAgain(resign(last.request, last.hop), last.hop)
                } else {
                    publisher.publish(.actionCompleted(ActionCompleted(action: "again", ok: false, summary: "nothing has been sent yet, so there is nothing to send again")))
                }
                publishWaiting(pending, hop: hop)
            case .cancel?, nil:
                throw FlowFailure("cancelled by the user at the pause before the \(hop) hop", step: Self.step(of: hop, in: grant))
            case .action?, .replay?:
                continue
            }
        }
    }

    private func publishWaiting(_ request: HTTPRequestSpec, hop: HopPurpose) {
        publisher.publish(.stepWaiting(StepWaiting(step: Self.step(of: hop, in: grant).key, prompt: Self.prompt(hop: hop, request: request, grant: grant), hop: hop.rawValue, request: HTTPRequestCapture(spec: request, purpose: hop))))
    }

    private func publish(edit: RequestEdit?, hop: HopPurpose, line: String, request: HTTPRequestSpec?, error: String?) {
        var shown = Sensitive(public: line)
        if let edit, Redactor.isSensitive(name: edit.name) || Redactor.sensitiveHeaders.contains(edit.name.lowercased()) {
            let value: String
            switch edit {
            case .set(_, let v), .header(_, let v): value = v
            case .unset: value = ""
            }
            shown = Sensitive(clear: line, redacted: edit.withValue(Secret.redact(value)).description)
        }
        publisher.publish(.requestEdited(RequestEdited(hop: hop.rawValue, edit: shown, ok: error == nil, error: error, request: request.map { HTTPRequestCapture(spec: $0, purpose: hop) })))
    }

    /// The step of the flow a hop belongs to.
    static func step(of hop: HopPurpose, in grant: GrantType = .authorizationCode) -> FlowStep {
        let description = GrantDescription.named(grant.rawValue) ?? .authorizationCode
        // The pushed request is a hop of the authorization code's PAR variant only.
        if grant == .authorizationCode, let s = GrantDescription.authorizationCodePAR.steps.first(where: { $0.purposes.contains(hop) }) { return s }
        return description.step(forPurpose: hop) ?? .tokenExchanged
    }

    /// What is about to happen, in words; the front says which key (or line) sends it.
    static func prompt(hop: HopPurpose, request: HTTPRequestSpec, grant: GrantType = .authorizationCode) -> String {
        let target = request.method + " " + request.url.absoluteString
        if hop == .token, grant != .authorizationCode {
            return "About to send the \(grant.displayName) token request (\(grant.reference)): a back-channel \(target) with grant_type \(grant.wireValue) and the client's credentials"
        }
        switch hop.rawValue {
        case "discovery": return "About to fetch the provider's metadata (discovery): \(target)"
        case "redirect": return "About to send the user's browser to the authorization endpoint with the URL just built"
        case "par": return "About to push the authorization parameters to the provider (RFC 9126): a back-channel \(target) with every parameter and the client's credentials"
        case "token": return "About to exchange the code for tokens: a back-channel \(target) with the code, the code_verifier and the client's credentials"
        case "jwks": return "About to fetch the provider's signing keys (JWKS) to verify the ID token's signature: \(target)"
        case "refresh": return "About to ask for a new access token with the refresh token: \(target)"
        case "userinfo": return "About to ask the userinfo endpoint who the user is, with the access token: \(target)"
        case "introspect": return "About to ask the introspection endpoint whether the access token is active: \(target)"
        case "revoke": return "About to revoke a token at the revocation endpoint: \(target)"
        case "device-authorization": return "About to ask the device authorization endpoint for a device code and a user code: \(target)"
        case "device-poll": return "About to poll the token endpoint with the device code (has the user approved yet?): \(target)"
        case "check-rotation": return "About to send the replaced refresh token again, to see whether rotation retired it: \(target)"
        default: return "About to call \(hop): \(target)"
        }
    }
}

