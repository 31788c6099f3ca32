import Foundation
import OAuthCore

/// The four canonical steps of an authorization-code flow, in order.
public enum FlowStep: Int, Sendable, Hashable, CaseIterable, Codable {
    case urlBuilt, userRedirected, codeReceived, tokenExchanged

    /// The label the screen shows; these exact words are part of the product.
    public var label: String {
        switch self {
        case .urlBuilt: return "URL built"
        case .userRedirected: return "User redirected"
        case .codeReceived: return "Code received"
        case .tokenExchanged: return "Token exchanged"
        }
    }

    /// The name used in `flow.failed.step` and `step.waiting.step`.
    public var key: String {
        switch self {
        case .urlBuilt: return "url"
        case .userRedirected: return "redirect"
        case .codeReceived: return "callback"
        case .tokenExchanged: return "exchange"
        }
    }

    public init?(key: String) {
        guard let s = FlowStep.allCases.first(where: { $0.key == key }) else { return nil }
        self = s
    }
}

public enum StepStatus: String, Sendable, Hashable, Codable {
    case waiting, inProgress = "in_progress", done, failed
}

/// A line under a step: a discovery hop, a stray callback, a check that passed or failed, a finding.
public struct SubStep: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable { case ok, info, warn, fail }
    public var kind: Kind
    public var text: String
    public var time: Date
    /// The event this line came from, to open it in the log.
    public var seq: Int
}

public struct StepState: Sendable {
    public var step: FlowStep
    public var status: StepStatus = .waiting
    public var startedAt: Date?
    public var finishedAt: Date?
    public var substeps = BoundedLog<SubStep>(capacity: 64)

    public init(step: FlowStep) { self.step = step }

    /// How long the step took (or has taken so far, given `now`).
    public func duration(now: Date) -> TimeInterval? {
        guard let s = startedAt else { return nil }
        return (finishedAt ?? (status == .inProgress ? now : s)).timeIntervalSince(s)
    }
}

/// How the flow stands overall.
public enum FlowOutcome: Sendable, Hashable {
    case running
    case completed(elapsedMs: Int)
    case failed(FlowFailed)
}

/// One request that reached the callback listener.
public struct CallbackRecord: Sendable, Hashable {
    public var seq: Int
    public var time: Date
    public var callback: CallbackReceived
}

/// A side hop (discovery, JWKS, refresh, userinfo, ...) with its request and, once it came, its response.
public struct HTTPHop: Sendable, Hashable {
    public var request: HTTPRequestCapture
    public var response: HTTPResponseCapture?
    public var time: Date
}

/// The state of one flow: a pure fold of its events (`apply`). Every view is drawn from this, so the UI
/// cannot tell a replay from a live flow. Each `apply` is O(1) in the length of the history.
public struct FlowState: Sendable {
    public var flowID: String
    public var started: FlowStarted?
    public var startedAt: Date?
    public var lastEventAt: Date?
    public var steps: [StepState] = FlowStep.allCases.map(StepState.init)
    public var listenerAddresses: [String] = []
    public var discovery: DiscoveryCompleted?
    public var authorization: AuthorizationURLBuilt?
    public var redirect: UserRedirected?
    public var callbacks = BoundedLog<CallbackRecord>(capacity: 2_000)
    /// How many callbacks of each verdict arrived, all of them, including those the bounded log no longer holds.
    public var callbackCounts: [CallbackVerdict: Int] = [:]
    public var code: CodeReceived?
    public var tokenRequest: HTTPRequestCapture?
    public var tokenResponse: HTTPResponseCapture?
    public var tokens: TokenExchanged?
    public var tokensAt: Date?
    public var hops = BoundedLog<HTTPHop>(capacity: 200)
    public var findings = BoundedLog<Finding>(capacity: 500)
    public var waiting: StepWaiting?
    /// Follow-up hops after the exchange, newest last.
    public var actions = BoundedLog<ActionCompleted>(capacity: 200)
    public var outcome: FlowOutcome = .running
    /// Every event of the flow, newest last, bounded.
    public var log = BoundedLog<FlowEvent>(capacity: 5_000)
    /// Events a subscriber's buffer dropped before they reached this fold.
    public var droppedEvents = 0

    public init(flowID: String = "") { self.flowID = flowID }

    public subscript(step: FlowStep) -> StepState {
        get { steps[step.rawValue] }
        set { steps[step.rawValue] = newValue }
    }

    /// The step that is happening now, or the last one that finished.
    public var currentStep: FlowStep {
        if let s = steps.last(where: { $0.status == .inProgress || $0.status == .failed }) { return s.step }
        return steps.last(where: { $0.status == .done })?.step ?? .urlBuilt
    }

    public var isFinished: Bool { outcome != .running }

    public mutating func apply(_ event: FlowEvent) {
        if flowID.isEmpty { flowID = event.flow }
        log.append(event)
        lastEventAt = event.time
        let t = event.time
        switch event.payload {
        case .flowStarted(let s):
            if started != nil {
                // The same flow run again (`a` after it ended): its steps start afresh; the raw hops and the
                // event log keep the earlier run's.
                var fresh = FlowState(flowID: flowID)
                (fresh.log, fresh.hops, fresh.lastEventAt, fresh.listenerAddresses, fresh.droppedEvents) = (log, hops, lastEventAt, listenerAddresses, droppedEvents)
                self = fresh
            }
            started = s
            startedAt = t
            begin(.urlBuilt, at: t)
        case .listenerStarted(let l):
            listenerAddresses = l.addresses
        case .discoveryCompleted(let d):
            discovery = d
            note(.urlBuilt, .ok, "discovery: \(d.issuer) (\(d.elapsedMs) ms)", event)
        case .httpRequest(let r):
            waiting = nil
            hops.append(HTTPHop(request: r, response: nil, time: t))
            let step: FlowStep = (r.purpose == "discovery") ? .urlBuilt : .tokenExchanged
            note(step, .info, "\(r.purpose): \(r.method) \(r.url)", event)
        case .httpResponse(let r):
            hops.updateLast { if $0.request.purpose == r.purpose { $0.response = r } }
            let step: FlowStep = (r.purpose == "discovery") ? .urlBuilt : .tokenExchanged
            note(step, (200..<300).contains(r.status) ? .ok : .fail, "\(r.purpose): HTTP \(r.status) in \(r.elapsedMs) ms", event)
        case .urlBuilt(let u):
            authorization = u
            finish(.urlBuilt, at: t)
            begin(.userRedirected, at: t)
        case .stepWaiting(let w):
            waiting = w
            if let step = FlowStep(key: w.step) {
                begin(step, at: t)
                note(step, .info, w.prompt, event)
            }
        case .userRedirected(let r):
            redirect = r
            waiting = nil
            finish(.userRedirected, at: t)
            begin(.codeReceived, at: t)
        case .callbackReceived(let c):
            callbacks.append(CallbackRecord(seq: event.seq, time: t, callback: c))
            callbackCounts[c.verdict, default: 0] += 1
            let kind: SubStep.Kind
            switch c.verdict {
            case .accepted: kind = .ok
            case .stray, .duplicate: kind = .warn
            case .stateMismatch, .errorResponse, .malformed: kind = .fail
            }
            var text = "callback \(c.method) \(c.path): \(c.verdict.rawValue)"
            if let d = c.detail { text += " — " + d }
            note(.codeReceived, kind, text, event)
        case .codeReceived(let c):
            code = c
            for check in c.checks { note(.codeReceived, check.ok ? .ok : .fail, "\(check.name): \(check.detail)", event) }
            finish(.codeReceived, at: t)
        case .tokenRequest(let r):
            waiting = nil
            tokenRequest = r
            begin(.tokenExchanged, at: t)
            note(.tokenExchanged, .info, "\(r.method) \(r.url)", event)
        case .tokenResponse(let r):
            tokenResponse = r
            note(.tokenExchanged, (200..<300).contains(r.status) ? .ok : .fail, "HTTP \(r.status) in \(r.elapsedMs) ms", event)
        case .tokenExchanged(let x):
            tokens = x
            tokensAt = t
            for check in x.idToken?.checks ?? [] { note(.tokenExchanged, check.ok ? .ok : .fail, "id_token \(check.name): \(check.detail)", event) }
            finish(.tokenExchanged, at: t)
        case .finding(let f):
            findings.append(f)
            let kind: SubStep.Kind = f.severity == .error ? .fail : f.severity == .warn ? .warn : .info
            note(f.step.flatMap(FlowStep.init(key:)) ?? currentStep, kind, f.message + (f.ref.map { " (\($0))" } ?? ""), event)
        case .flowCompleted(let c):
            outcome = .completed(elapsedMs: c.elapsedMs)
            waiting = nil
        case .flowFailed(let f):
            outcome = .failed(f)
            waiting = nil
            let step = f.step.flatMap(FlowStep.init(key:)) ?? currentStep
            self[step].status = .failed
            self[step].finishedAt = t
            if self[step].startedAt == nil { self[step].startedAt = t }
        case .busOverflow(let o):
            droppedEvents += o.dropped
        case .actionCompleted(let a):
            actions.append(a)
            note(.tokenExchanged, a.ok ? .ok : .fail, "\(a.action): \(a.summary)", event)
        case .requestEdited(let e):
            if e.ok, let r = e.request, waiting?.hop == e.hop { waiting?.request = r }
            note(FlowStep(hop: e.hop), e.ok ? .info : .warn, e.ok ? "edited \(e.hop): \(e.edit.display(reveal: false))" : "edit refused: \(e.error ?? "")", event)
        }
    }

    private mutating func begin(_ step: FlowStep, at t: Date) {
        guard self[step].status == .waiting else { return }
        self[step].status = .inProgress
        self[step].startedAt = t
    }

    private mutating func finish(_ step: FlowStep, at t: Date) {
        if self[step].startedAt == nil { self[step].startedAt = t }
        self[step].status = .done
        self[step].finishedAt = t
    }

    private mutating func note(_ step: FlowStep, _ kind: SubStep.Kind, _ text: String, _ event: FlowEvent) {
        self[step].substeps.append(SubStep(kind: kind, text: text, time: event.time, seq: event.seq))
    }
}
