import Foundation
import OAuthCore

/// The doctor's user with a real browser: it opens each authorization URL with `opener` and waits at the callback
/// listener (through `registry`) for the redirect carrying the request's state. Redirects that go anywhere but the
/// listener cannot be seen, so probes that need that skip.
public struct ListeningProbeAgent: ProbeUserAgent {
    let registry: CallbackRegistry
    /// The browser for one request, told what the user should choose.
    let opener: @Sendable (UserChoice) -> any UserAgent
    let flowID: String
    let redirectURI: String
    /// How long to wait for each callback.
    let wait: Duration

    public init(registry: CallbackRegistry, opener: @escaping @Sendable (UserChoice) -> any UserAgent, flowID: String, redirectURI: String, wait: Duration) {
        self.registry = registry
        self.opener = opener
        self.flowID = flowID
        self.redirectURI = redirectURI
        self.wait = wait
    }

    public var kind: String { "browser" }
    public var seesEveryRedirect: Bool { false }

    public func authorize(_ url: URL, choice: UserChoice, state: String, publisher: FlowPublisher) async -> AuthorizationAnswer {
        let callbacks = registry.expect(flowID: flowID, state: state)
        defer { registry.cancel(flowID: flowID) }
        let prompt = choice == .deny
            ? "In the browser, DENY this request (the doctor checks the error redirect)."
            : "In the browser, approve this request."
        publisher.publish(.stepWaiting(StepWaiting(step: FlowStep.userRedirected.key, prompt: prompt)))
        do throws(FlowFailure) {
            try await opener(choice).open(url) { publisher.publish(.userRedirected($0)) }
        } catch {
            return .failed(error.failed.reason)
        }
        let wait = self.wait
        let outcome: CallbackOutcome? = await withTaskGroup(of: CallbackOutcome?.self) { group in
            group.addTask {
                for await o in callbacks { return o }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: wait)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        let base = redirectURI
        func answer(_ p: CallbackParameters) -> AuthorizationAnswer {
            .redirected(location: base + "?" + FormURLEncoded.encode(p.fields), parameters: p)
        }
        switch outcome {
        case .code(_, let p)?: return answer(p)
        case .error(_, _, let p)?: return answer(p)
        case .unverifiedError(_, let p)?: return answer(p)
        case .stateMismatch(let received)?: return answer(CallbackParameters(fields: received.map { [FormField("state", $0)] } ?? []))
        case .malformed(let why)?: return .failed("the callback is malformed: \(why)")
        case nil: return .stayed(status: 0, text: "no callback arrived within \(wait.components.seconds) s")
        }
    }
}
