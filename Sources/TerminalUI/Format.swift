import FlowEngine
import Foundation
import OAuthCore

/// Small, deterministic formatting helpers (no locale-dependent formatters, so snapshots are stable).
enum Format {
    /// `12:04:05.123` (or `12:04:05` without milliseconds) in `zone`. Any date gives a time of day, even one
    /// computed from a hostile number (it is clamped to ±250 000 years first).
    static func clock(_ date: Date, zone: TimeZone, millis: Bool = true) -> String {
        let t = date.timeIntervalSince1970 + Double(zone.secondsFromGMT(for: date))
        let totalMs = Int64(Numbers.saturatingInt((min(max(t, -maxSeconds), maxSeconds) * 1000).rounded(.down)))
        let ms = Int(((totalMs % 1000) + 1000) % 1000)
        let secsOfDay = Int((((totalMs - Int64(ms)) / 1000) % 86_400 + 86_400) % 86_400)
        let base = two(secsOfDay / 3600) + ":" + two(secsOfDay / 60 % 60) + ":" + two(secsOfDay % 60)
        return millis ? base + "." + three(ms) : base
    }

    /// Seconds beyond which times are clamped before any integer arithmetic (about 250 000 years).
    static let maxSeconds: Double = 8e12

    /// At most five columns: `38ms`, `1.2s`, `12s`, `3m04s`, `1h02m`, `12d`, and `>27y` beyond 9999 days.
    static func duration(_ seconds: TimeInterval) -> String {
        let s = seconds.isNaN ? 0 : min(max(0, seconds), maxSeconds)
        if s < 1 { return "\(Numbers.saturatingInt((s * 1000).rounded()))ms" }
        if s < 10 { return String(format: "%.1fs", s) }
        let whole = Numbers.saturatingInt(s)
        if s < 60 { return "\(whole)s" }
        if s < 3600 { return "\(whole / 60)m" + two(whole % 60) + "s" }
        if s < 100 * 3600 { return "\(whole / 3600)h" + two(whole / 60 % 60) + "m" }
        if s < 10_000 * 86_400 { return "\(whole / 86_400)d" }
        return ">27y"
    }

    /// An elapsed clock for the status line, ticking once a second: `00:12`, `03:04`, `1:02:03`.
    static func elapsed(_ seconds: TimeInterval) -> String {
        let whole = Numbers.saturatingInt(seconds.isNaN ? 0 : min(max(0, seconds), maxSeconds))
        if whole < 3600 { return two(whole / 60) + ":" + two(whole % 60) }
        return "\(whole / 3600):" + two(whole / 60 % 60) + ":" + two(whole % 60)
    }

    /// A count with thin grouping for reading big numbers: `10 000`.
    static func count(_ n: Int) -> String {
        let digits = String(n)
        guard n >= 1_000 else { return digits }
        var out = ""
        for (i, ch) in digits.reversed().enumerated() {
            if i > 0, i % 3 == 0 { out.append(" ") }
            out.append(ch)
        }
        return String(out.reversed())
    }

    static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
    static func three(_ n: Int) -> String { n < 10 ? "00\(n)" : n < 100 ? "0\(n)" : "\(n)" }

    /// A JSON value as one line of text (strings bare, the rest as JSON).
    static func inline(_ v: JSONValue) -> String {
        if case .string(let s) = v { return s }
        return v.serialized()
    }

    /// A claim's NumericDate (`exp`, `iat`) as a UTC date.
    static func epoch(_ date: NumericDate) -> String {
        let seconds = date.secondsSince1970
        let day = Numbers.saturatingInt((seconds / 86_400).rounded(.down))
        let (y, m, dd) = civil(fromDays: day)
        return "\(y)-\(two(m))-\(two(dd)) \(clock(date.date, zone: TimeZone(secondsFromGMT: 0) ?? .current, millis: false)) UTC"
    }

    /// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func civil(fromDays z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}

extension FlowEvent {
    /// One line saying what the event was, for the event log.
    func summary(reveal: Bool) -> String {
        switch payload {
        // The token endpoint's hop is the step itself, so its purpose goes without saying.
        case .tokenRequest(let r):
            return "\(r.method) \(r.url)"
        case .tokenResponse(let r):
            return "HTTP \(r.status) in \(r.elapsedMs) ms"
        default:
            return payload.parts.fields.summary(reveal: reveal)
        }
    }

    /// The role the event's type is shown in.
    var role: ThemeRole {
        switch payload {
        case .flowFailed: return .stepFailed
        case .flowCompleted, .tokenExchanged: return .stepDone
        case .finding(let f): return f.severity == .error ? .findingError : f.severity == .warn ? .findingWarn : .findingInfo
        case .callbackReceived(let c):
            switch c.verdict {
            case .accepted: return .stepDone
            case .stray, .duplicate: return .findingWarn
            case .stateMismatch, .errorResponse, .malformed: return .findingError
            }
        case .tokenResponse(let r), .httpResponse(let r): return .httpStatus(r.status)
        case .stepWaiting: return .stepInProgress
        case .busOverflow: return .findingWarn
        case .actionCompleted(let a): return a.ok ? .stepDone : .stepFailed
        case .doctor(.probeCompleted(let p)): return p.result == .fail ? .findingError : p.result == .warn ? .findingWarn : p.result == .pass ? .stepDone : .text
        case .lessonCompleted(let l): return l.asExpected ? .stepDone : .stepFailed
        default: return .text
        }
    }
}
