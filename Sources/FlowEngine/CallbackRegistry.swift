import Foundation
import OAuthCore
import Synchronization

/// One HTTP request that reached a callback listener, as plain values.
public struct IncomingCallback: Sendable, Hashable {
    public var method: String
    /// The path as received (percent-encoded).
    public var path: String
    /// The raw query string without `?` (or the form body of a `response_mode=form_post` POST).
    public var rawQuery: String
    public var remote: String
    public var headers: [FormField]
    /// How the parameters came (query, form_post body, or a fragment posted back by the listener's page).
    public var responseMode: ResponseMode?

    public init(method: String, path: String, rawQuery: String, remote: String, headers: [FormField] = [], responseMode: ResponseMode? = nil) {
        self.method = method
        self.path = path
        self.rawQuery = rawQuery
        self.remote = remote
        self.headers = headers
        self.responseMode = responseMode
    }

    /// The first header of this name (ASCII case-insensitive: header names are ASCII tokens), as received.
    public func header(_ name: String) -> String? {
        headers.first { IncomingCallback.equalIgnoringASCIICase($0.name, name) }?.value
    }

    /// Equal apart from the case of ASCII letters. Every request compares its header names and its `Host` with
    /// this, so it works on the bytes (Foundation's `caseInsensitiveCompare` costs more than the rest of judging);
    /// it also folds nothing outside ASCII, so no Unicode look-alike (the Kelvin sign for `k`) passes as a host.
    static func equalIgnoringASCIICase(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        // On the contiguous bytes (a native string's storage, without a copy): zipping the two UTF-8 views
        // cost more than the rest of the comparison.
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                for i in 0..<x.count where x[i] != y[i] {
                    guard x[i] | 0x20 == y[i] | 0x20, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(x[i] | 0x20) else { return false }
                }
                return true
            }
        }
    }
}

/// A code that arrived in watch mode.
public struct ArrivedCode: Sendable, Hashable {
    public var code: String
    public var state: String?
    public var iss: String?
    /// The flow that redeems it (`x1`, `x2`, ...), also written in its `callback.received` as `exchange`.
    public var exchangeFlowID: String
}

/// What reaches a waiting flow from the listener.
public enum CallbackOutcome: Sendable, Hashable {
    case code(String, params: CallbackParameters)
    case error(OAuthErrorResponse, stateMissing: Bool, params: CallbackParameters)
    /// An error redirect without `state`: it may be the provider's answer or anyone's. The flow keeps waiting for
    /// its own callback and ends with this error only after its grace period (`--unverified-error-grace`).
    case unverifiedError(OAuthErrorResponse, params: CallbackParameters)
    case stateMismatch(received: String?)
    case malformed(String)
}

/// The listener's judgement of one request: the event to publish, the flow it belongs to, and the outcome to
/// hand to that flow (if any). The listener publishes first, then delivers, so `callback.received` always comes
/// before what the flow does about it.
public struct CallbackJudgement: Sendable {
    public var flowID: String
    public var event: CallbackReceived
    /// True when the browser should be told the sign-in worked.
    public var success: Bool
    /// Findings about this request, published right after `event` (e.g. `callback.not_this_flow`).
    public var findings: [Finding] = []
    fileprivate var delivery: (@Sendable () -> Void)?

    /// Hands the outcome to the waiting flow. Call once, after publishing `event`.
    public func deliver() { delivery?() }
}

/// Matches callbacks to the flows waiting for them, by `state`, and remembers finished flows so a second
/// callback is shown as a duplicate and never exchanged twice. Several flows may share one listener.
public final class CallbackRegistry: Sendable {
    private struct Pending {
        var flowID: String
        var state: String
        var continuation: AsyncStream<CallbackOutcome>.Continuation
    }

    private struct State {
        var pending: [Pending] = []
        /// States and codes of flows that already got their callback (bounded).
        var finishedStates: [String: String] = [:]  // state -> flowID
        var finishedOrder: [String] = []
        var finishedOldest = 0
        var seenCodes = Set<String>()
        var seenCodeOrder: [String] = []
        /// Where the oldest remembered code is in `seenCodeOrder`, once it is full.
        var seenCodeOldest = 0
        var lastFlowID: String
    }

    private let state: Mutex<State>
    /// The path the listener serves (percent-encoded, as in the redirect URI).
    public let callbackPath: String
    /// Watch mode (`oauthscope listen`): callbacks arrive for an application's own flows, so a code is
    /// "accepted" when it arrives well-formed, and `state` is compared only with `expectedState` when one is given.
    public let watch: Bool
    public let expectedState: String?
    /// Watch mode: every accepted code, for `listen --exchange`. Bounded, so a flood cannot pile them up.
    public let arrivals: AsyncStream<ArrivedCode>
    private let arrivalsContinuation: AsyncStream<ArrivedCode>.Continuation
    /// Watch mode with `--exchange`: accepted codes are numbered into exchange flows (`x1`, ...) named in their
    /// `callback.received`. Several registries (one per redirect URI) share one counter.
    private let exchangeCounter: ExchangeCounter?
    private static let memory = 10_000

    public init(callbackPath: String, defaultFlowID: String = "listener") {
        self.callbackPath = callbackPath
        watch = false
        expectedState = nil
        state = Mutex(State(lastFlowID: defaultFlowID))
        (arrivals, arrivalsContinuation) = AsyncStream.makeStream(of: ArrivedCode.self, bufferingPolicy: .bufferingNewest(1))
        arrivalsContinuation.finish()
        exchangeCounter = nil
    }

    /// A registry for watching callbacks that belong to another application's flows.
    /// - Parameter exchanges: the counter that numbers exchange flows when accepted codes are redeemed
    ///   (`listen --exchange`); nil when they are only watched.
    public init(watchingPath callbackPath: String, flowID: String, expectedState: String?, exchanges: ExchangeCounter? = nil) {
        self.callbackPath = callbackPath
        watch = true
        self.expectedState = expectedState
        state = Mutex(State(lastFlowID: flowID))
        (arrivals, arrivalsContinuation) = AsyncStream.makeStream(of: ArrivedCode.self, bufferingPolicy: .bufferingNewest(256))
        exchangeCounter = exchanges
    }

    /// Ends `arrivals`.
    public func finishArrivals() { arrivalsContinuation.finish() }

    /// Registers a flow that waits for the callback carrying `state`. Register before sending the user away so
    /// an instant redirect cannot be missed; the stream yields exactly one outcome.
    public func expect(flowID: String, state expected: String) -> AsyncStream<CallbackOutcome> {
        let (stream, continuation) = AsyncStream.makeStream(of: CallbackOutcome.self, bufferingPolicy: .bufferingNewest(1))
        state.withLock { s in
            s.pending.append(Pending(flowID: flowID, state: expected, continuation: continuation))
            s.lastFlowID = flowID
        }
        return stream
    }

    /// Stops waiting for a flow (it timed out or was cancelled).
    public func cancel(flowID: String) {
        let removed = state.withLock { s -> [Pending] in
            let r = s.pending.filter { $0.flowID == flowID }
            s.pending.removeAll { $0.flowID == flowID }
            return r
        }
        for p in removed { p.continuation.finish() }
    }

    public var waitingFlows: Int { state.withLock { $0.pending.count } }

    /// The flow a request that belongs to none is shown with: the only waiting flow, else the latest one.
    public var currentFlowID: String {
        state.withLock { $0.pending.count == 1 ? $0.pending[0].flowID : $0.lastFlowID }
    }

    /// Judges one request. Pure apart from the registry's own bookkeeping; never blocks.
    /// - Parameter expectedHosts: the `Host` values the redirect URI allows (`127.0.0.1:8765`); nil skips the check.
    public func judge(_ request: IncomingCallback, reveal: Bool = false, expectedHosts: [String]? = nil) -> CallbackJudgement {
        let params = CallbackParameters(query: request.rawQuery)
        let query = Redactor.parameters(params.fields, reveal: reveal)
        func event(_ verdict: CallbackVerdict, _ detail: String?, _ status: Int) -> CallbackReceived {
            CallbackReceived(method: request.method, path: request.path, query: query, remote: request.remote, verdict: verdict, detail: detail, status: status,
                             headers: request.headers.isEmpty ? nil : .object(fields: request.headers) { Redactor.header(name: $0.name, value: $0.value).display(reveal: reveal) },
                             responseMode: request.responseMode)
        }

        return state.withLock { s -> CallbackJudgement in
            if let stray = CallbackRegistry.strayReason(request, callbackPath: callbackPath, expectedHosts: expectedHosts) {
                return CallbackJudgement(flowID: s.lastFlowID, event: event(.stray, stray.detail, stray.status), success: false)
            }
            // A callback for a flow that already finished: shown, never exchanged again.
            if let st = params.state, params.repeatedNames.isEmpty, let owner = s.finishedStates.first(where: { constantTimeEquals($0.key, st) })?.value {
                return CallbackJudgement(flowID: owner, event: event(.duplicate, "this flow already received its callback; not exchanged again", 400), success: false)
            }
            if let code = params.code, params.repeatedNames.isEmpty, s.seenCodes.contains(code) {
                return CallbackJudgement(flowID: s.lastFlowID, event: event(.duplicate, "this code was already received; not exchanged again", 400), success: false)
            }
            if watch { return judgeWatched(params, &s, event) }
            let decision = CallbackValidator.decide(params, expectedStates: s.pending.map(\.state))
            // Only the flow whose state the request carries may be ended by it (RFC 6749 §10.12, RFC 9700 §4.7).
            let matched: Pending? = params.state.flatMap { st in s.pending.first { constantTimeEquals($0.state, st) } }
            // Where a request that matched no flow is shown: the only waiting flow, else the latest one.
            let shownAt = matched?.flowID ?? (s.pending.count == 1 ? s.pending[0].flowID : s.lastFlowID)
            let outcome: CallbackOutcome
            let judged: CallbackReceived
            var success = false
            switch decision {
            case .accepted(let code, _):
                outcome = .code(code, params: params)
                judged = event(.accepted, nil, 200)
                success = true
                remember(&s, code: code)
            case .errorResponse(let err, _, true):
                // No state: it cannot be tied to a flow. Every waiting flow hears of it, none is ended by it now.
                let judged = event(.errorResponse, "\(err.error) without state: unverified, it cannot be tied to a flow", 200)
                let targets = s.pending.map(\.continuation)
                let tentative = CallbackOutcome.unverifiedError(err, params: params)
                return CallbackJudgement(flowID: shownAt, event: judged, success: false, delivery: {
                    for c in targets { c.yield(tentative) }
                })
            case .errorResponse(let err, _, false):
                outcome = .error(err, stateMissing: false, params: params)
                judged = event(.errorResponse, "\(err.error)", 200)
            case .stateMismatch(let received):
                let judged = event(.stateMismatch, received == nil ? "no state parameter" : "state does not match the one sent", 400)
                return CallbackJudgement(flowID: shownAt, event: judged, success: false, findings: s.pending.isEmpty ? [] : [Self.notThisFlow(received == nil ? "carries no state" : "carries another state")])
            case .malformed(let why):
                judged = event(.malformed, why, 400)
                guard matched != nil else {
                    return CallbackJudgement(flowID: shownAt, event: judged, success: false, findings: s.pending.isEmpty ? [] : [Self.notThisFlow("is malformed and does not carry its state")])
                }
                outcome = .malformed(why)
            }
            guard let target = matched else {
                // Nobody is waiting for this state: keep it visible, deliver nowhere.
                return CallbackJudgement(flowID: shownAt, event: judged, success: false)
            }
            s.pending.removeAll { $0.flowID == target.flowID }
            s.finishedStates[target.state] = target.flowID
            if s.finishedOrder.count < CallbackRegistry.memory {
                s.finishedOrder.append(target.state)
            } else {
                s.finishedStates.removeValue(forKey: s.finishedOrder[s.finishedOldest])
                s.finishedOrder[s.finishedOldest] = target.state
                s.finishedOldest = (s.finishedOldest + 1) % CallbackRegistry.memory
            }
            let continuation = target.continuation
            return CallbackJudgement(flowID: target.flowID, event: judged, success: success, delivery: {
                continuation.yield(outcome)
                continuation.finish()
            })
        }
    }

    /// The warning shown beside a request that reached the callback without the waiting flow's state.
    static func notThisFlow(_ what: String) -> Finding {
        FindingCatalogue.callbackNotThisFlow.finding(what, step: FlowStep.codeReceived.key)
    }

    /// Why a request is no callback at all, with the status it is answered with: another host (421), another path
    /// (404), another method (405), or a browser's sub-resource load such as an `<img>` (403).
    public static func strayReason(_ request: IncomingCallback, callbackPath: String, expectedHosts: [String]?) -> (status: Int, detail: String)? {
        if let hosts = expectedHosts {
            let host = request.header("Host")
            let allowed = host.map { h in hosts.contains { IncomingCallback.equalIgnoringASCIICase($0, h) } } ?? false
            if !allowed {
                let what = host.map { "Host \($0) is not the redirect URI's \(hosts.first ?? "host")" } ?? "no Host header"
                return (421, what + ": not a request for this callback (misdirected, or DNS rebinding)")
            }
        }
        // Exact match, as the authorization server compares redirect URIs (RFC 6749 §3.1.2, RFC 9700 §4.1.3).
        guard request.path == callbackPath else { return (404, "not the callback path \(callbackPath)") }
        guard request.method == "GET" || request.method == "POST" else {
            return (405, "method \(request.method) is not used for redirects")
        }
        // A fragment posted back by the listener's own page is a same-origin fetch, not a navigation.
        if request.responseMode == .fragment {
            if let site = request.header("Sec-Fetch-Site"), site.lowercased() != "same-origin" {
                return (403, "Sec-Fetch-Site \(site): a fragment post-back comes only from the listener's own page (same-origin); never judged as the callback")
            }
            if let dest = request.header("Sec-Fetch-Dest"), dest.lowercased() != "empty" {
                return (403, "Sec-Fetch-Dest \(dest): a fragment post-back is a fetch from the listener's page; never judged as the callback")
            }
            return nil
        }
        // Fetch Metadata: a browser names what a request is for. A redirect back is a top-level navigation.
        if let dest = request.header("Sec-Fetch-Dest"), dest.lowercased() != "document" {
            return (403, "Sec-Fetch-Dest \(dest): a sub-resource load (an image, script or frame), not the browser coming back; never judged as the callback")
        }
        return nil
    }

    /// Watch mode: judge what arrived without a flow of ours to hand it to.
    private func judgeWatched(_ params: CallbackParameters, _ s: inout State, _ event: (CallbackVerdict, String?, Int) -> CallbackReceived) -> CallbackJudgement {
        // Without an expected state every state "matches": pass the received one as the expectation.
        let expected = expectedState.map { [$0] } ?? [params.state].compactMap { $0 }
        let decision = CallbackValidator.decide(params, expectedStates: expected)
        let judged: CallbackReceived
        var success = false
        switch decision {
        case .accepted(let code, let st):
            remember(&s, code: code)
            success = true
            var judged = event(.accepted, expectedState == nil ? "a code arrived (state not checked: give --expect-state to check it)" : "a code arrived with the expected state", 200)
            guard let counter = exchangeCounter else { return CallbackJudgement(flowID: s.lastFlowID, event: judged, success: true) }
            let arrived = ArrivedCode(code: code, state: st, iss: params.iss, exchangeFlowID: counter.next())
            judged.exchange = arrived.exchangeFlowID
            let continuation = arrivalsContinuation
            return CallbackJudgement(flowID: s.lastFlowID, event: judged, success: true, delivery: { continuation.yield(arrived) })
        case .errorResponse(let err, _, let missing):
            judged = event(.errorResponse, "\(err.error)\(missing ? " (without state: unverified)" : ""): \(err.hint)", 200)
        case .stateMismatch(let received):
            if received == nil, params.code != nil, expectedState == nil {
                if let code = params.code { remember(&s, code: code) }
                success = true
                var stateless = event(.accepted, "a code arrived without state: the application cannot tell it from a forged one (RFC 6749 §10.12)", 200)
                if let counter = exchangeCounter, let code = params.code {
                    // Handed on so the exchange flow can say why it does not redeem it (no state, no verifier).
                    let arrived = ArrivedCode(code: code, state: nil, iss: params.iss, exchangeFlowID: counter.next())
                    stateless.exchange = arrived.exchangeFlowID
                    let continuation = arrivalsContinuation
                    return CallbackJudgement(flowID: s.lastFlowID, event: stateless, success: true, delivery: { continuation.yield(arrived) })
                }
                judged = stateless
            } else {
                judged = event(.stateMismatch, received == nil ? "no state parameter" : "state differs from --expect-state", 400)
            }
        case .malformed(let why):
            judged = event(.malformed, why, 400)
        }
        return CallbackJudgement(flowID: s.lastFlowID, event: judged, success: success)
    }

    private func remember(_ s: inout State, code: String) {
        s.seenCodes.insert(code)
        // The oldest is forgotten in O(1): a ring, so a long flood of fresh codes costs the same per request.
        if s.seenCodeOrder.count < CallbackRegistry.memory {
            s.seenCodeOrder.append(code)
        } else {
            s.seenCodes.remove(s.seenCodeOrder[s.seenCodeOldest])
            s.seenCodeOrder[s.seenCodeOldest] = code
            s.seenCodeOldest = (s.seenCodeOldest + 1) % CallbackRegistry.memory
        }
    }
}

/// Numbers the exchange flows of `listen --exchange` (`x1`, `x2`, ...), across every redirect URI's registry.
public final class ExchangeCounter: Sendable {
    private let count = Mutex(0)

    public init() {}

    /// The next exchange flow's id.
    public func next() -> String {
        let n = count.withLock { n -> Int in
            n += 1
            return n
        }
        return "x\(n)"
    }
}
