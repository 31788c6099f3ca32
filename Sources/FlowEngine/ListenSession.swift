import Foundation
import OAuthCore

/// `oauthscope listen` as its own model: the redirect URIs watched (each with its forward target and expected
/// state, and counts per verdict), and the exchanges `listen --exchange` made. A pure fold of the session's events,
/// like `FlowState` for a flow, but with no flow steps: listening has none.
///
/// It opens with `flow.started` of mode `listen` (what `oauthscope listen` has always written, so older recordings
/// fold the same); the exchange flows (`x1`, `x2`, ...) fold in here too, each as the result of the callback whose
/// `exchange` names it.
public struct ListenSession: Sendable {
    /// The `flow.started.mode` that opens a listen session.
    public static let mode = "listen"

    /// One redirect URI being watched.
    public struct Route: Sendable, Hashable {
        public var redirectURI: String
        public var addresses: [String]
        public var forward: String?
        public var expectState: String?
        /// Callbacks of each verdict that reached it (exact, including those the kept list no longer holds).
        public var counts: [CallbackVerdict: Int] = [:]
        /// The redirect URI's path (percent-encoded), to place callbacks of recordings without `redirect_uri`.
        var path: String

        public var total: Int { counts.values.reduce(0, +) }
    }

    /// What became of one callback's code under `listen --exchange`.
    public struct Exchange: Sendable, Hashable {
        public enum Status: Sendable, Hashable {
            case running
            case completed
            case failed(reason: String, error: String?)
            /// Not sent to the token endpoint at all; the finding's words say why.
            case notExchanged(String)
        }
        public var flowID: String
        public var status: Status = .running
        /// The token endpoint's HTTP status, once it answered.
        public var httpStatus: Int?
        public var tokenType: String?
        public var expiresIn: Int?
        /// ID-token checks that failed.
        public var failedChecks: [String] = []
        /// Findings of this exchange (no verifier, not exchanged, ...), newest last, at most a few.
        public var findings: [Finding] = []

        /// A few words for the callback list.
        public var summary: String {
            switch status {
            case .running: return "\(flowID) exchanging…"
            case .completed:
                let checks = failedChecks.isEmpty ? "" : ", \(failedChecks.count) id_token check\(failedChecks.count == 1 ? "" : "s") failed"
                return "\(flowID) tokens (\(tokenType ?? "?"))\(checks)"
            case .failed(_, let error): return "\(flowID) failed" + (error.map { ": \($0)" } ?? (httpStatus.map { ": HTTP \($0)" } ?? ""))
            case .notExchanged: return "\(flowID) not exchanged"
            }
        }
    }

    public var started: FlowStarted?
    public private(set) var routes: [Route] = []
    /// Exchanges by flow id, the oldest forgotten past `maxExchanges`.
    public private(set) var exchanges: [String: Exchange] = [:]
    private var exchangeOrder: [String] = []
    static let maxExchanges = 2_000

    public init(started: FlowStarted? = nil) {
        self.started = started
    }

    /// The `--forward` target of a recording made before `listener.started` carried `forward`: its `flow.started`
    /// said "forwarding to URL".
    public var legacyForward: String? {
        guard let p = started?.provider, p.hasPrefix("forwarding to ") else { return nil }
        return String(p.dropFirst("forwarding to ".count))
    }

    /// The route a callback reached: by its `redirect_uri`, else (older recordings) by its path, else the only one.
    public func routeIndex(of c: CallbackReceived) -> Int? {
        if let uri = c.redirectURI, let i = routes.firstIndex(where: { $0.redirectURI == uri }) { return i }
        if let i = routes.firstIndex(where: { $0.path == c.path }) { return i }
        return routes.count == 1 ? 0 : nil
    }

    /// Where a callback was (or would have been) forwarded: its own `forwarded`, else its route's target.
    public func forwardTarget(of c: CallbackReceived) -> String? {
        if let f = c.forwarded { return f }
        return routeIndex(of: c).flatMap { routes[$0].forward } ?? legacyForward
    }

    /// Folds one event of the session (its own, or an exchange flow's). O(1) apart from forgetting old exchanges.
    public mutating func apply(_ event: FlowEvent, own: Bool) {
        if own {
            switch event.payload {
            case .flowStarted(let s): started = s
            case .listenerStarted(let l): addRoute(l)
            case .callbackReceived(let c):
                if let i = routeIndex(of: c) { routes[i].counts[c.verdict, default: 0] += 1 }
            default: break
            }
            return
        }
        let id = event.flow
        if exchanges[id] == nil {
            exchanges[id] = Exchange(flowID: id)
            exchangeOrder.append(id)
            if exchangeOrder.count > Self.maxExchanges { exchanges.removeValue(forKey: exchangeOrder.removeFirst()) }
        }
        exchanges[id]?.fold(event)
    }

    private mutating func addRoute(_ l: ListenerStarted) {
        let path = (try? RedirectURI.parse(l.redirectURI).path) ?? ""
        var route = Route(redirectURI: l.redirectURI, addresses: l.addresses, forward: l.forward ?? legacyForward, expectState: l.expectState, path: path)
        if let i = routes.firstIndex(where: { $0.redirectURI == l.redirectURI }) {
            route.counts = routes[i].counts
            routes[i] = route
        } else if routes.count < 64 {
            routes.append(route)
        }
    }
}

extension ListenSession.Exchange {
    mutating func fold(_ event: FlowEvent) {
        switch event.payload {
        case .tokenResponse(let r): httpStatus = r.status
        case .tokenExchanged(let x):
            tokenType = x.tokenType
            expiresIn = x.expiresIn
            failedChecks = (x.idToken?.checks ?? []).filter { !$0.ok }.map(\.name)
        case .flowCompleted: status = .completed
        case .flowFailed(let f): status = .failed(reason: f.reason, error: f.error)
        case .finding(let f):
            if findings.count < 8 { findings.append(f) }
            if f.code == FindingCatalogue.listenNotExchanged.code { status = .notExchanged(f.message) }
        default: break
        }
    }
}
