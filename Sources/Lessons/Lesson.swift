import FlowEngine
import Foundation
import MockProvider
import OAuthCore

/// One lesson of `oauthscope demo --lesson NAME`: a classic failure (or the happy path), staged on purpose by the
/// embedded provider or the simulated browser, with what to read before and what it showed after.
public struct Lesson: Sendable, Hashable {
    /// The name `--lesson` takes, kebab-case.
    public var name: String
    /// One line for `oauthscope lessons`.
    public var summary: String
    /// A short introduction: what the lesson shows and what to watch for.
    public var intro: String
    /// What is staged on purpose.
    public var staging: LessonStaging
    /// How the flow must end for the lesson to have shown what it teaches.
    public var expectation: LessonExpectation
    /// What happened, and why: shown at the end.
    public var explanation: String
    /// Where the rule is written.
    public var ref: String

    /// `lesson.started`.
    public var started: LessonStarted {
        LessonStarted(name: name, title: summary, intro: intro, staged: staging.descriptions, expected: expectation.label, ref: ref)
    }

    /// `lesson.completed` for a flow that has ended; nil while it runs.
    public func completed(_ state: FlowState) -> LessonCompleted? {
        let verdict: (outcome: String, error: String?, asExpected: Bool)
        switch state.outcome {
        case .running:
            return nil
        case .failed(let f):
            let check = (state.tokens?.idToken?.checks ?? []).first(where: { !$0.ok })?.name ?? (state.code?.checks ?? []).first(where: { !$0.ok })?.name
            let shown = f.error ?? check
            let matches: Bool
            switch expectation {
            case .failsWith(let error): matches = f.error == error
            case .failsCheck(let name): matches = f.error == nil && check == name
            case .failsAt(let step): matches = f.error == nil && check == nil && f.step == step.key
            case .completes, .refusesCallback, .refusesAction: matches = false
            }
            verdict = ("failed", shown, matches)
        case .completed:
            switch expectation {
            case .completes:
                verdict = ("completed", nil, true)
            case .refusesCallback(let wanted):
                let refused = state.callbacks.map(\.callback.verdict).filter { $0 != .accepted }
                verdict = ("completed", refused.first?.rawValue, refused.contains(wanted))
            case .refusesAction(let action, let error):
                let done = state.actions.last(where: { $0.action == action })
                verdict = ("completed", done?.error, done?.ok == true && done?.error == error)
            case .failsWith, .failsCheck, .failsAt:
                verdict = ("completed", nil, false)
            }
        }
        let explanation: String
        if verdict.asExpected {
            explanation = self.explanation
        } else {
            var why = "The lesson expected \(expectation.label), but the flow \(verdict.outcome)"
            if let e = verdict.error { why += " with \(e)" }
            if case .failed(let f) = state.outcome { why += ": \(f.reason)" }
            explanation = why + ". Read the event log to see where it went otherwise."
        }
        return LessonCompleted(name: name, outcome: verdict.outcome, error: verdict.error, expected: expectation.label,
                               asExpected: verdict.asExpected, explanation: explanation, ref: ref)
    }
}

/// How a lesson's flow must end.
public enum LessonExpectation: Sendable, Hashable {
    /// `flow.completed`.
    case completes
    /// `flow.completed`, after a callback with this verdict was refused on the way.
    case refusesCallback(CallbackVerdict)
    /// `flow.completed`, and the follow-up hop `action` showed the provider refusing with `error` (which is right).
    case refusesAction(String, error: String)
    /// `flow.failed` with this OAuth error code.
    case failsWith(String)
    /// `flow.failed` because the client's check of this name failed (no OAuth error code).
    case failsCheck(String)
    /// `flow.failed` at this step with no OAuth error code and no failed check: the provider never redirected back.
    case failsAt(FlowStep)

    /// The expected end in one word or two, as `lesson.started` and `lesson.completed` carry it.
    public var label: String {
        switch self {
        case .completes: return "flow.completed"
        case .refusesCallback(let v): return v.rawValue
        case .refusesAction(_, let error): return error
        case .failsWith(let error): return error
        case .failsCheck(let name): return "\(name) check"
        case .failsAt(let step): return "failed at \(step.key)"
        }
    }
}

/// What a lesson does on purpose, on the provider's side and the client's.
public struct LessonStaging: Sendable, Hashable {
    /// Faults the embedded provider injects.
    public var faults: Set<MockFault> = []
    /// The simulated user clicks Deny on the consent page.
    public var userDenies = false
    /// Before the provider's redirect, the simulated browser loads the callback with an attacker's code and state.
    public var forgedCallback = false
    /// Extra authorization request parameters, as `--param` gives them.
    public var authorizationParameters: [FormField] = []
    /// Token request fields that replace the client's own, as `--token-param` gives them.
    public var tokenParameters: [FormField] = []
    /// The scope asked for, instead of the demo's.
    public var scope: String?
    /// Follow-up hops after the exchange, as `--then` gives them.
    public var thenActions: [String] = []
    /// How long the provider's codes live.
    public var codeLifetime: Duration?
    /// The client is registered with this callback path instead of the one the flow listens on.
    public var registeredCallbackPath: String?

    public init(faults: Set<MockFault> = [], userDenies: Bool = false, forgedCallback: Bool = false, authorizationParameters: [FormField] = [],
                tokenParameters: [FormField] = [], scope: String? = nil, thenActions: [String] = [], codeLifetime: Duration? = nil,
                registeredCallbackPath: String? = nil) {
        self.faults = faults
        self.userDenies = userDenies
        self.forgedCallback = forgedCallback
        self.authorizationParameters = authorizationParameters
        self.tokenParameters = tokenParameters
        self.scope = scope
        self.thenActions = thenActions
        self.codeLifetime = codeLifetime
        self.registeredCallbackPath = registeredCallbackPath
    }

    /// The simulated user's choice on the consent page, as `SimulatedBrowser` takes it.
    public var decision: String { userDenies ? "deny" : "approve" }

    /// One line per staged thing, for `lesson.started`.
    public var descriptions: [String] {
        var out: [String] = []
        for f in faults.sorted(by: { $0.rawValue < $1.rawValue }) { out.append("the embedded provider: \(f.summary)") }
        if let path = registeredCallbackPath { out.append("the client is registered with the callback path \(path), not the one the flow sends") }
        if let s = codeLifetime { out.append("the embedded provider's codes live \(s.components.seconds) s") }
        if let scope { out.append("the client asks for scope \"\(scope)\"") }
        for p in authorizationParameters { out.append("the authorization request carries \(p.name)=\(p.value)") }
        if userDenies { out.append("the simulated user clicks Deny on the consent page") }
        if forgedCallback { out.append("before the provider's redirect, an attacker's page makes the browser load the callback with the attacker's own code and state") }
        for p in tokenParameters {
            out.append(Redactor.isSensitive(name: p.name) ? "the token request sends a \(p.name) of its own instead of the flow's" : "the token request sends \(p.name)=\(p.value)")
        }
        if !thenActions.isEmpty { out.append("after the exchange: \(thenActions.joined(separator: ", "))") }
        return out
    }

    /// The embedded provider's side: faults, code lifetime, and the client's registered redirect URIs.
    public func apply(to configuration: inout MockProviderConfiguration) {
        configuration.faults.formUnion(faults)
        if let codeLifetime { configuration.codeLifetime = codeLifetime }
        if let path = registeredCallbackPath {
            configuration.clients = configuration.clients.map { client in
                var c = client
                c.redirectURIs = c.redirectURIs.map { Self.replacingPath(of: $0, with: path) }
                return c
            }
        }
    }

    /// The client's side: the scope, the extra parameters (a staged one replaces one of the same name) and the
    /// follow-up hops.
    public func apply(to configuration: inout FlowConfiguration) {
        if let scope { configuration.scope = scope }
        configuration.authorizationParameters = Self.merged(configuration.authorizationParameters, authorizationParameters)
        configuration.tokenParameters = Self.merged(configuration.tokenParameters, tokenParameters)
        if !thenActions.isEmpty { configuration.thenActions = thenActions }
    }

    static func merged(_ base: [FormField], _ staged: [FormField]) -> [FormField] {
        var out = base.filter { b in !staged.contains { $0.name == b.name } }
        out += staged
        return out
    }

    static func replacingPath(of uri: String, with path: String) -> String {
        guard var parts = URLComponents(string: uri) else { return uri }
        parts.percentEncodedPath = path
        return parts.string ?? uri
    }
}
