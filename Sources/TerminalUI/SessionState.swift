import FlowEngine
import Foundation

/// Every flow of one run, each folded on its own: `oauthscope flow --profile a --profile b` runs several flows on
/// one listener, and their events (told apart by `flow`) must not mix in one `FlowState`.
///
/// A flow exists from its `flow.started`. Events for a flow id that never started (none today, but a listener
/// could publish under its own id) are kept in `unowned`; while no flow has started at all, `unowned` is what the
/// screen shows, so a stream without `flow.started` still draws. `apply` is O(1) in the length of the history.
public struct SessionState: Sendable {
    /// The flows in the order they started.
    public private(set) var flows: [FlowState] = []
    /// Events whose flow never started.
    public private(set) var unowned = FlowState()
    /// Every `listener.started` of each flow (a flow's `FlowState.listenerAddresses` keeps only the last), in the
    /// order they came, by the index in `flows`.
    public private(set) var listeners: [[ListenerStarted]] = []
    private var index: [String: Int] = [:]
    /// The flow that is an `oauthscope listen` session, whose exchange flows (`x1`, ...) fold into it.
    private var listening: Int?
    /// `lesson.started` comes before its flow's `flow.started`: kept here until the flow opens (a few at most).
    private var lessonIntros: [String: FlowEvent] = [:]

    /// A session before any event.
    public init() {}

    /// A session of exactly one flow, already folded (what single-flow callers and tests have).
    public init(single state: FlowState) {
        flows = [state]
        index[state.flowID] = 0
        listeners = [[]]
        // listener.started comes first in a flow, so a glance at the start of the log finds every one while the
        // log still holds it; else the state's last addresses are all there is.
        if state.log.dropped == 0 {
            for e in state.log.prefix(64) { if case .listenerStarted(let l) = e.payload { remember(l, at: 0) } }
        }
        if listeners[0].isEmpty, !state.listenerAddresses.isEmpty, let s = state.started {
            listeners[0] = [ListenerStarted(addresses: state.listenerAddresses, redirectURI: s.redirectURI)]
        }
    }

    /// The flow ids, in the order the flows started.
    public var flowIDs: [String] { flows.map(\.flowID) }

    /// What the screen draws: the flows, or the events of no flow while none has started.
    public var displayed: [FlowState] { flows.isEmpty ? [unowned] : flows }

    /// How many events belong to no flow (shown in the title bar once flows exist).
    public var unownedEvents: Int { flows.isEmpty ? 0 : unowned.log.totalAppended }

    /// The flow at `position` in `displayed`, clamped.
    public func flow(at position: Int) -> FlowState {
        let all = displayed
        return all[min(max(0, position), all.count - 1)]
    }

    /// The listener starts of the flow at `position` in `displayed`.
    public func listenerStarts(at position: Int) -> [ListenerStarted] {
        if flows.isEmpty {
            guard !unowned.listenerAddresses.isEmpty else { return [] }
            return [ListenerStarted(addresses: unowned.listenerAddresses, redirectURI: unowned.started?.redirectURI ?? "")]
        }
        return listeners[min(max(0, position), listeners.count - 1)]
    }

    /// Folds one event into its flow (a `flow.started` opens a new one), or into `unowned`. O(1).
    public mutating func apply(_ event: FlowEvent) {
        if let i = index[event.flow] {
            flows[i].apply(event)
            if case .listenerStarted(let l) = event.payload { remember(l, at: i) }
            return
        }
        if case .lessonStarted = event.payload, lessonIntros.count < 16 {
            lessonIntros[event.flow] = event
            return
        }
        if case .flowStarted = event.payload {
            var state = FlowState(flowID: event.flow)
            if let intro = lessonIntros.removeValue(forKey: event.flow) { state.apply(intro) }
            state.apply(event)
            index[event.flow] = flows.count
            if state.listen != nil, listening == nil { listening = flows.count }
            flows.append(state)
            listeners.append([])
            return
        }
        if let l = listening {
            flows[l].apply(event)
            return
        }
        unowned.apply(event)
    }

    private mutating func remember(_ l: ListenerStarted, at i: Int) {
        // Several flows on one listener each announce it; one line per redirect URI is enough.
        if let k = listeners[i].firstIndex(where: { $0.redirectURI == l.redirectURI }) {
            listeners[i][k] = l
        } else if listeners[i].count < 32 {
            listeners[i].append(l)
        }
    }

    /// The flow that decides how the run went: the first that failed, else the first still running, else the
    /// first flow (all completed).
    public var decisive: FlowState {
        let all = displayed
        if let f = all.first(where: { if case .failed = $0.outcome { return true } else { return false } }) { return f }
        if let r = all.first(where: { $0.outcome == .running }) { return r }
        return all[0]
    }

    /// True once every flow has finished.
    public var isFinished: Bool { displayed.allSatisfy(\.isFinished) }
}

extension FlowState {
    /// The short name a flow goes by in the flow switcher: the profile name when the provider label starts with
    /// one ("jira: https://…"), else the provider's label.
    var shortLabel: String {
        if let profile = started?.profile, !profile.isEmpty { return profile }
        guard let p = started?.provider, !p.isEmpty else { return flowID.isEmpty ? "flow" : flowID }
        if let r = p.range(of: ": "), r.lowerBound != p.startIndex {
            let name = p[..<r.lowerBound]
            if !name.contains(" "), !name.contains("/") { return String(name) }
        }
        return p
    }

}
