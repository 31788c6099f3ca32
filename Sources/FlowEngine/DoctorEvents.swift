import Foundation
import OAuthCore

/// The events of `oauthscope doctor` (one payload case, `FlowEvent.Payload.doctor`, whose own type names the
/// wire type). Between `probe.started` and `probe.completed` come the probe's hops as the usual events.
public enum DoctorEvent: Sendable, Hashable {
    /// `doctor.started`: the plan, before anything is sent.
    case started(DoctorStarted)
    /// `probe.started`.
    case probeStarted(ProbeStarted)
    /// `probe.completed`: the verdict.
    case probeCompleted(ProbeCompleted)
    /// `doctor.completed`: the counts.
    case completed(DoctorCompleted)

    /// The event type and its fields, for the registry (EventTypes.swift).
    var parts: (kind: FlowEvent.Payload.Kind, fields: any EventPayload) {
        switch self {
        case .started(let p): return (.doctorStarted, p)
        case .probeStarted(let p): return (.probeStarted, p)
        case .probeCompleted(let p): return (.probeCompleted, p)
        case .completed(let p): return (.doctorCompleted, p)
        }
    }
}

extension DoctorStarted: EventPayload {
    public func summary(reveal: Bool) -> String { DoctorEvent.started(self).summary }
}

extension ProbeStarted: EventPayload {
    public func summary(reveal: Bool) -> String { DoctorEvent.probeStarted(self).summary }
}

extension ProbeCompleted: EventPayload {
    public func summary(reveal: Bool) -> String { DoctorEvent.probeCompleted(self).summary }
}

extension DoctorCompleted: EventPayload {
    public func summary(reveal: Bool) -> String { DoctorEvent.completed(self).summary }
}

/// `doctor.started`: which probes will run, and how many times the user will be asked to approve (or deny) a
/// request at the provider, said before the first one.
public struct DoctorStarted: Sendable, Hashable, Codable {
    public var provider: String
    /// The probe ids, in run order.
    public var probes: [String]
    /// How many authorization requests need the user (approve or deny). With the simulated browser nobody is asked.
    public var approvals: Int
    /// When the count may grow, why (e.g. a provider that spends a code on a wrong verifier needs one more).
    public var approvalsNote: String?
    /// `simulated` (the built-in browser plays the user) or `browser`.
    public var user: String

    public init(provider: String, probes: [String], approvals: Int, approvalsNote: String? = nil, user: String) {
        self.provider = provider
        self.probes = probes
        self.approvals = approvals
        self.approvalsNote = approvalsNote
        self.user = user
    }

    enum CodingKeys: String, CodingKey { case provider, probes, approvals, approvalsNote = "approvals_note", user }
}

/// `probe.started`.
public struct ProbeStarted: Sendable, Hashable, Codable {
    public var probe: String
    /// The question the probe asks.
    public var asks: String
    public var ref: String

    public init(probe: String, asks: String, ref: String) {
        self.probe = probe
        self.asks = asks
        self.ref = ref
    }
}

/// `probe.completed`: the verdict, in one line, with the rule and what to do about a failure.
public struct ProbeCompleted: Sendable, Hashable, Codable {
    public var probe: String
    public var result: ProbeResult
    /// One line: what was sent and what came back (for `skip`, why it was not checked).
    public var detail: String
    public var ref: String
    /// What a fail or warn means and how to fix it; nil for pass and skip.
    public var fix: String?

    public init(probe: String, result: ProbeResult, detail: String, ref: String, fix: String? = nil) {
        self.probe = probe
        self.result = result
        self.detail = detail
        self.ref = ref
        self.fix = fix
    }
}

/// How many probes ended each way.
public struct ProbeCounts: Sendable, Hashable, Codable {
    public var pass = 0
    public var fail = 0
    public var warn = 0
    public var skip = 0

    public init(pass: Int = 0, fail: Int = 0, warn: Int = 0, skip: Int = 0) {
        self.pass = pass
        self.fail = fail
        self.warn = warn
        self.skip = skip
    }

    public mutating func count(_ r: ProbeResult) {
        switch r {
        case .pass: pass += 1
        case .fail: fail += 1
        case .warn: warn += 1
        case .skip: skip += 1
        }
    }
}

/// `doctor.completed`.
public struct DoctorCompleted: Sendable, Hashable, Codable {
    public var counts: ProbeCounts
    public var elapsedMs: Int

    public init(counts: ProbeCounts, elapsedMs: Int) {
        self.counts = counts
        self.elapsedMs = elapsedMs
    }

    /// The exit status: 0 when nothing failed, 1 when a probe failed.
    public var exitCode: Int32 { counts.fail > 0 ? 1 : 0 }

    enum CodingKeys: String, CodingKey { case counts, elapsedMs = "elapsed_ms" }
}
