import Foundation
import OAuthCore

extension DoctorEvent {
    /// One line saying what the event was, for event logs.
    public var summary: String {
        switch self {
        case .started(let s):
            return "\(s.probes.count) probes against \(s.provider), \(s.approvals) approval\(s.approvals == 1 ? "" : "s") (\(s.user))"
        case .probeStarted(let p):
            return "\(p.probe): \(p.asks)"
        case .probeCompleted(let p):
            return "\(p.probe) \(p.result.rawValue): \(p.detail)"
        case .completed(let c):
            return DoctorCompleted.countsLine(c.counts)
        }
    }
}

extension DoctorCompleted {
    /// `13 probes: 11 pass, 1 fail, 1 warn, 0 skip`.
    public static func countsLine(_ c: ProbeCounts) -> String {
        "\(c.pass + c.fail + c.warn + c.skip) probes: \(c.pass) pass, \(c.fail) fail, \(c.warn) warn, \(c.skip) skip"
    }
}

extension PlainPrinter {
    /// The report card as text, one line per probe, meant to be pasted into a ticket: the mark, the probe id, the
    /// verdict in one line with its rule, and for a fail or warn what it means and how to fix it.
    mutating func doctorLines(_ event: DoctorEvent) -> [String] {
        switch event {
        case .started(let s):
            doctoring = true
            var out = ["oauthscope doctor: \(s.provider)"]
            let who = s.user == "simulated" ? "the built-in simulated browser plays the user" : "you will be asked in the browser"
            var plan = "  \(dot) \(s.probes.count) probes; \(s.approvals) authorization request\(s.approvals == 1 ? "" : "s") to approve or deny (\(who))"
            if let note = s.approvalsNote { plan += "; " + note }
            out.append(plan)
            return out
        case .probeStarted(let p):
            return verbose ? ["  \(dot) \(p.probe): \(p.asks)"] : []
        case .probeCompleted(let p):
            let mark: String
            switch p.result {
            case .pass: mark = ok
            case .fail: mark = bad
            case .warn: mark = warnMark
            case .skip: mark = dot
            }
            var out = ["\(mark) \(p.result.rawValue.uppercased().padding(toLength: 4, withPad: " ", startingAt: 0)) \(p.probe.padding(toLength: 22, withPad: " ", startingAt: 0)) \(p.detail) (\(p.ref))"]
            if let fix = p.fix, p.result == .fail || p.result == .warn { out.append("       what it means, how to fix it: \(fix)") }
            return out
        case .completed(let c):
            return ["\(c.counts.fail > 0 ? bad : ok) \(DoctorCompleted.countsLine(c.counts)), in \(Self.duration(Double(c.elapsedMs) / 1000))"]
        }
    }
}
