import Foundation
import OAuthCore

/// One step of a grant, as data: what it is called, which event types start and finish it, which belong under
/// it, and what it means. The fold (`FlowState`), the timeline, the detail pane and the plain printer read
/// these fields; none of them has a case per grant.
public struct FlowStep: Sendable, Hashable {
    /// The step's name in `flow.failed.step`, `step.waiting.step` and `finding.step` (e.g. `exchange`).
    public let id: String
    /// What the screen calls it; for the authorization-code grant these exact words are part of the product.
    public let label: String
    /// Event types that start the step (it shows as in progress).
    public let begins: Set<FlowEvent.Payload.Kind>
    /// Event types that finish it (it shows as done). A `flow.failed` naming the step (or, without a step, the
    /// current one) fails it.
    public let completes: Set<FlowEvent.Payload.Kind>
    /// Event types that are part of the step (besides those that finish it): listed under it, revealed with it,
    /// and shown in its detail.
    public let events: Set<FlowEvent.Payload.Kind>
    /// The `purpose` of side hops (`http.request`) shown under this step; hops of any other purpose go under the
    /// grant's last step.
    public let purposes: Set<HopPurpose>
    /// Whether the step's events carry secrets (codes, tokens), so its detail says whether they are revealed.
    public let carriesSecrets: Bool
    /// What the step did and why the protocol does it, with the sections that say so.
    public let explanation: String

    public init(id: String, label: String, begins: Set<FlowEvent.Payload.Kind>, completes: Set<FlowEvent.Payload.Kind>, events: Set<FlowEvent.Payload.Kind>, purposes: Set<HopPurpose> = [], carriesSecrets: Bool = false, explanation: String) {
        self.id = id
        self.label = label
        self.begins = begins
        self.completes = completes
        self.events = events.union(completes)
        self.purposes = purposes
        self.carriesSecrets = carriesSecrets
        self.explanation = explanation
    }

    /// The name used in `flow.failed.step` and `step.waiting.step` (the same as `id`).
    public var key: String { id }

    // A step is known by its id: two descriptions of the same step are the same step.
    public static func == (a: FlowStep, b: FlowStep) -> Bool { a.id == b.id }
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }
}

/// A grant as data: its id (as `flow.started.grant` writes it) and its ordered steps.
public struct GrantDescription: Sendable, Hashable {
    public let id: String
    public let steps: [FlowStep]

    public init(id: String, steps: [FlowStep]) {
        self.id = id
        self.steps = steps
    }

    /// The step named `id` (from `flow.failed.step`, `step.waiting.step`, `finding.step`), if this grant has it.
    public func step(id: String) -> FlowStep? { steps.first { $0.id == id } }

    /// The step's position, 0-based.
    public func index(of step: FlowStep) -> Int? { steps.firstIndex(of: step) }

    /// The step a side hop of this purpose belongs under.
    public func step(forPurpose purpose: HopPurpose) -> FlowStep? {
        steps.first { $0.purposes.contains(purpose) } ?? steps.last
    }

    /// The step an event belongs to, when it belongs to one: the step it names, else the one whose event types
    /// hold it. Findings without a step and bus messages belong to none.
    public func step(of event: FlowEvent) -> FlowStep? {
        switch event.payload {
        case .httpRequest(let r): return step(forPurpose: r.purpose)
        case .httpResponse(let r): return step(forPurpose: r.purpose)
        case .stepWaiting(let w): return step(id: w.step)
        case .requestEdited(let e): return step(forPurpose: HopPurpose(rawValue: e.hop))
        case .flowFailed(let f): return f.step.flatMap { step(id: $0) }
        case .finding(let f): return f.step.flatMap { step(id: $0) }
        default:
            let kind = event.payload.kind
            return steps.first { $0.events.contains(kind) }
        }
    }

    /// The step after `step`, if any.
    public func step(after step: FlowStep) -> FlowStep? {
        guard let i = index(of: step), i + 1 < steps.count else { return nil }
        return steps[i + 1]
    }

    /// Every grant this build knows, by id.
    public static let all: [GrantDescription] = [.authorizationCode, .clientCredentials, .refreshToken, .tokenExchange]

    /// The grant named `id` in `flow.started.grant`; absent (older recordings) means the authorization code.
    public static func named(_ id: String?) -> GrantDescription? {
        guard let id else { return .authorizationCode }
        return all.first { $0.id == id }
    }
}

// MARK: - The authorization-code grant (RFC 6749 §4.1), the design card's four steps

extension FlowStep {
    public static let urlBuilt = FlowStep(
        id: "url", label: "URL built",
        begins: [.flowStarted], completes: [.urlBuilt],
        events: [.flowStarted, .listenerStarted, .discoveryCompleted], purposes: [.discovery],
        explanation: Glossary.stepExplanation(.urlBuilt))

    public static let userRedirected = FlowStep(
        id: "redirect", label: "User redirected",
        begins: [.urlBuilt], completes: [.userRedirected], events: [], purposes: ["redirect"],
        explanation: Glossary.stepExplanation(.userRedirected))

    public static let codeReceived = FlowStep(
        id: "callback", label: "Code received",
        begins: [.userRedirected], completes: [.codeReceived], events: [.callbackReceived],
        carriesSecrets: true,
        explanation: Glossary.stepExplanation(.codeReceived))

    public static let tokenExchanged = FlowStep(
        id: "exchange", label: "Token exchanged",
        begins: [.tokenRequest], completes: [.tokenExchanged], events: [.tokenRequest, .tokenResponse, .flowCompleted, .actionCompleted],
        carriesSecrets: true,
        explanation: Glossary.stepExplanation(.tokenExchanged))
}

extension GrantDescription {
    /// The authorization-code grant with PKCE: the design card's four steps.
    public static let authorizationCode = GrantDescription(id: "authorization_code", steps: [.urlBuilt, .userRedirected, .codeReceived, .tokenExchanged])
}
