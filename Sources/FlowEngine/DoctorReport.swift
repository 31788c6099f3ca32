import Foundation
import OAuthCore

/// The doctor's report card as a pure fold of events: one row per probe with its verdict, and the events that
/// happened while it ran (its hops), so a front can show a probe's evidence.
public struct DoctorReport: Sendable, Hashable {
    public struct Row: Sendable, Hashable {
        public var probe: String
        public var asks: String
        public var ref: String
        /// Nil while the probe runs.
        public var result: ProbeResult?
        public var detail: String = ""
        public var fix: String?
        /// The events between `probe.started` and `probe.completed`, the newest `maxEvidence` of them.
        public var evidence: [FlowEvent] = []
    }

    /// How many events of one probe are kept; a hostile recording cannot grow a row without bound.
    public static let maxEvidence = 64
    /// How many rows are kept (the catalogue has 13).
    public static let maxRows = 64

    public var plan: DoctorStarted?
    public var rows: [Row] = []
    public var completed: DoctorCompleted?

    public init() {}

    /// The probe running now, if any.
    public var running: Int? { rows.lastIndex { $0.result == nil } }

    /// The probe to show by default: the running one, else the first that failed, else the first that warned,
    /// else the last.
    public var defaultSelection: Int? {
        if let r = running { return r }
        return rows.firstIndex { $0.result == .fail } ?? rows.firstIndex { $0.result == .warn } ?? (rows.isEmpty ? nil : rows.count - 1)
    }

    public mutating func apply(_ event: FlowEvent) {
        switch event.payload {
        case .doctor(.started(let s)):
            plan = s
        case .doctor(.probeStarted(let p)):
            guard rows.count < Self.maxRows else { return }
            rows.append(Row(probe: p.probe, asks: p.asks, ref: p.ref))
        case .doctor(.probeCompleted(let p)):
            if let i = rows.lastIndex(where: { $0.probe == p.probe && $0.result == nil }) {
                rows[i].result = p.result
                rows[i].detail = p.detail
                rows[i].fix = p.fix
            } else if rows.count < Self.maxRows {
                rows.append(Row(probe: p.probe, asks: "", ref: p.ref, result: p.result, detail: p.detail, fix: p.fix))
            }
        case .doctor(.completed(let c)):
            completed = c
        default:
            guard let i = running else { return }
            rows[i].evidence.append(event)
            if rows[i].evidence.count > Self.maxEvidence { rows[i].evidence.removeFirst(rows[i].evidence.count - Self.maxEvidence) }
        }
    }
}
