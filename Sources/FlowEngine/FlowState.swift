import Foundation
import OAuthCore

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
    /// The grant this flow runs (`flow.started.grant`), whose steps `steps` follows.
    public var grant: GrantDescription = .authorizationCode
    public var steps: [StepState] = GrantDescription.authorizationCode.steps.map(StepState.init)
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
    /// The lesson this flow teaches (`demo --lesson NAME`), and once the flow ended, what it showed.
    public var lesson: LessonStarted?
    public var lessonResult: LessonCompleted?

    /// A fold for `grant`; a `flow.started` naming another grant this build knows switches to it.
    public init(flowID: String = "", grant: GrantDescription = .authorizationCode) {
        self.flowID = flowID
        self.grant = grant
        steps = grant.steps.map(StepState.init)
    }

    /// The state of `step`; a step this grant does not have reads as waiting and ignores writes.
    public subscript(step: FlowStep) -> StepState {
        get { steps.first { $0.step == step } ?? StepState(step: step) }
        set {
            guard let i = steps.firstIndex(where: { $0.step == step }) else { return }
            steps[i] = newValue
        }
    }

    /// The step that is happening now, or the last one that finished.
    public var currentStep: FlowStep {
        if let s = steps.last(where: { $0.status == .inProgress || $0.status == .failed }) { return s.step }
        return steps.last(where: { $0.status == .done })?.step ?? steps.first?.step ?? FlowStep.urlBuilt
    }

    public var isFinished: Bool { outcome != .running }

    /// `oauthscope doctor`: the report card, from `doctor.started` on.
    public var doctor: DoctorReport?
    /// `oauthscope listen`: the redirect URIs watched and the exchanges made, from `flow.started` of mode `listen`
    /// on. A listen session has no flow steps (`steps` is empty); its callbacks, findings and log are kept here.
    public var listen: ListenSession?

    public mutating func apply(_ event: FlowEvent) {
        if case .doctor(.started) = event.payload { doctor = DoctorReport() }
        doctor?.apply(event)
        if flowID.isEmpty { flowID = event.flow }
        log.append(event)
        lastEventAt = event.time
        if case .flowStarted(let s) = event.payload, s.mode == ListenSession.mode, started == nil, event.flow == flowID {
            listen = ListenSession()
            steps = []
        }
        if listen != nil {
            // Exchange flows (`x1`, ...) of `listen --exchange` fold into the session, never into its own outcome.
            let own = event.flow == flowID
            listen?.apply(event, own: own)
            guard own else { return }
        }
        let t = event.time
        // Absent, the grant is the one this fold was made for (the authorization code unless told otherwise).
        if case .flowStarted(let s) = event.payload, startedAt == nil, let id = s.grant, let g = GrantDescription.named(id), g != grant {
            grant = g
            steps = g.steps.map(StepState.init)
        }
        // Step progress comes from the grant's description: which event types start and finish each step.
        let kind = event.payload.kind
        for s in grant.steps where s.completes.contains(kind) { finish(s, at: t) }
        for s in grant.steps where s.begins.contains(kind) { begin(s, at: t) }
        let home = grant.step(of: event) ?? currentStep
        // A bus message, not part of the flow: counted, never placed in a step.
        if case .busOverflow(let o) = event.payload { droppedEvents += o.dropped }
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
        case .listenerStarted(let l):
            listenerAddresses = l.addresses
        case .discoveryCompleted(let d):
            discovery = d
            note(home, .ok, "discovery: \(d.issuer) (\(d.elapsedMs) ms)", event)
        case .httpRequest(let r):
            waiting = nil
            hops.append(HTTPHop(request: r, response: nil, time: t))
            note(home, .info, "\(r.purpose): \(r.method) \(r.url)", event)
        case .httpResponse(let r):
            hops.updateLast { if $0.request.purpose == r.purpose { $0.response = r } }
            note(home, (200..<300).contains(r.status) ? .ok : .fail, "\(r.purpose): HTTP \(r.status) in \(r.elapsedMs) ms", event)
        case .urlBuilt(let u):
            authorization = u
        case .stepWaiting(let w):
            waiting = w
            if let step = grant.step(id: w.step) {
                begin(step, at: t)
                note(step, .info, w.prompt, event)
            }
        case .userRedirected(let r):
            redirect = r
            waiting = nil
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
            note(home, kind, text, event)
        case .codeReceived(let c):
            code = c
            for check in c.checks { note(home, check.ok ? .ok : .fail, "\(check.name): \(check.detail)", event) }
        case .tokenRequest(let r):
            waiting = nil
            tokenRequest = r
            note(home, .info, "\(r.method) \(r.url)", event)
        case .tokenResponse(let r):
            tokenResponse = r
            note(home, (200..<300).contains(r.status) ? .ok : .fail, "HTTP \(r.status) in \(r.elapsedMs) ms", event)
        case .tokenExchanged(let x):
            tokens = x
            tokensAt = t
            for check in x.idToken?.checks ?? [] { note(home, check.ok ? .ok : .fail, "id_token \(check.name): \(check.detail)", event) }
        case .finding(let f):
            findings.append(f)
            let kind: SubStep.Kind = f.severity == .error ? .fail : f.severity == .warn ? .warn : .info
            note(home, kind, f.message + (f.ref.map { " (\($0))" } ?? ""), event)
        case .flowCompleted(let c):
            outcome = .completed(elapsedMs: c.elapsedMs)
            waiting = nil
        case .flowFailed(let f):
            outcome = .failed(f)
            waiting = nil
            self[home].status = .failed
            self[home].finishedAt = t
            if self[home].startedAt == nil { self[home].startedAt = t }
        case .actionCompleted(let a):
            actions.append(a)
            note(home, a.ok ? .ok : .fail, "\(a.action): \(a.summary)", event)
        case .requestEdited(let e):
            if e.ok, let r = e.request, waiting?.hop == e.hop { waiting?.request = r }
            note(home, e.ok ? .info : .warn, e.ok ? "edited \(e.hop): \(e.edit.display(reveal: false))" : "edit refused: \(e.error ?? "")", event)
        case .lessonStarted(let l):
            lesson = l
        case .lessonCompleted(let l):
            lessonResult = l
        default:
            // An event type with no fold of its own is listed under the step its grant places it in.
            if let step = grant.step(of: event) { note(step, .info, event.payload.parts.fields.summary(reveal: false), event) }
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
