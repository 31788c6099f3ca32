import Foundation
import OAuthCore

/// The `plain` output: one line per step, written for a person, with what happened and how long it took.
/// A pure formatter: feed it events, it returns lines of raw text; `TerminalWriter` escapes them as it writes.
public struct PlainPrinter: Sendable {
    public var reveal: Bool
    /// Show every sub-step (callbacks, findings of info severity, side hops); off shows only what matters.
    public var verbose: Bool
    private var stepStart: [FlowStep: Date] = [:]
    /// Steps whose beginning was seen: an event type that repeats (the device grant's polls) begins its step once.
    private var begun: Set<FlowStep> = []
    /// The grant being printed (`flow.started.grant`): its steps name the step lines.
    private var grant = GrantDescription.authorizationCode
    private var flowStart: Date?
    private var unicode: Bool
    /// `oauthscope listen`: every callback is the news, so each gets a full line.
    private var watching = false
    /// `oauthscope doctor`: the report card is the news; hops show only with `verbose`.
    var doctoring = false
    /// Draw the device grant's QR code (stdout is a terminal; never in a file or a pipe, where nobody scans it).
    public var drawsQRCode = false

    public init(reveal: Bool = false, verbose: Bool = false, unicode: Bool = true) {
        self.reveal = reveal
        self.verbose = verbose
        self.unicode = unicode
    }

    var ok: String { unicode ? "✓" : "ok" }
    var bad: String { unicode ? "✗" : "FAIL" }
    var dot: String { unicode ? "·" : "-" }
    var warnMark: String { unicode ? "!" : "!" }

    /// The step's label in a column as wide as the grant's longest (at least 16), so no label is cut.
    private func label(_ step: FlowStep) -> String {
        let width = max(16, (grant.steps.map(\.label.count).max() ?? 0) + 1)
        return step.label.padding(toLength: width, withPad: " ", startingAt: 0)
    }

    private func took(_ step: FlowStep, _ t: Date) -> String {
        guard let s = stepStart[step] else { return "" }
        return Self.duration(t.timeIntervalSince(s)).padding(toLength: 8, withPad: " ", startingAt: 0)
    }

    /// `38 ms`, `1.2 s`, `3 min 4 s`; any value, even one read from a crafted recording, gives text.
    public static func duration(_ seconds: TimeInterval) -> String {
        if seconds.isNaN { return "an unknown time" }
        if seconds < 1 { return "\(Numbers.saturatingInt((seconds * 1000).rounded())) ms" }
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        let whole = Numbers.saturatingInt(seconds)
        return "\(whole / 60) min \(whole % 60) s"
    }

    /// A pending request as it will be sent: the request line, the headers, the body.
    private func requestLines(_ r: HTTPRequestCapture) -> [String] {
        var out = ["    \(r.method) \(r.url)"]
        for h in r.headers { out.append("    \(h.name): \(h.value.display(reveal: reveal))") }
        let body = r.body.display(reveal: reveal)
        if !body.isEmpty { out.append("    " + body) }
        return out
    }

    /// The lines for one event (often none).
    public mutating func lines(for event: FlowEvent) -> [String] {
        let t = event.time
        if case .doctor(let d) = event.payload { return doctorLines(d) }
        if doctoring, !verbose { return [] }
        if case .flowStarted(let s) = event.payload, let id = s.grant, let g = GrantDescription.named(id) { grant = g }
        // A step's time runs from the end of the step before it, or from the event that starts it.
        let kind = event.payload.kind
        for s in grant.steps where s.isCompleted(by: event) {
            if let next = grant.step(after: s), stepStart[next] == nil || !next.isCompleted(by: event) { stepStart[next] = t }
        }
        if kind == .flowStarted { begun = [] }
        for s in grant.steps where s.begins.contains(kind) && !begun.contains(s) {
            stepStart[s] = t
            begun.insert(s)
        }
        let home = grant.step(of: event) ?? grant.steps.first ?? .urlBuilt
        if case .busOverflow(let o) = event.payload {
            return ["  \(warnMark) the printer fell behind and \(o.dropped) events were dropped"]
        }
        switch event.payload {
        case .flowStarted(let s) where s.mode == "listen":
            watching = true
            return ["oauthscope listen: watching \(s.redirectURI)"]
        case .flowStarted(let s):
            flowStart = t
            var line = "oauthscope \(s.mode): \(s.provider)"
            if let id = s.clientID { line += ", client \(id)" }
            // Only a grant that sends the user back has a redirect URI to speak of.
            if s.grant.flatMap(GrantType.init(rawValue:))?.usesRedirect ?? true { line += ", redirect \(s.redirectURI)" }
            if let g = s.grant { line += ", grant \(g)" }
            return [line]
        case .listenerStarted(let l) where watching:
            var line = "  \(dot) listening on \(l.addresses.joined(separator: ", ")) for \(l.redirectURI)"
            if let s = l.expectState { line += ", expecting state \(s)" }
            if let f = l.forward { line += ", forwarding to \(f)" }
            return [line]
        case .listenerStarted(let l):
            return ["  \(dot) listening on \(l.addresses.joined(separator: ", "))"]
        case .discoveryCompleted(let d):
            return ["  \(dot) discovery: \(d.issuer) (\(d.elapsedMs) ms)"]
        case .httpRequest(let r):
            return verbose ? ["  \(dot) \(r.purpose): \(r.method) \(r.url)"] : []
        case .httpResponse(let r) where r.purpose == .devicePoll && !verbose:
            // Each poll has its own line (device.poll); its 400 is the protocol's "not yet", not a failure.
            return []
        case .httpResponse(let r):
            return verbose || !(200..<300).contains(r.status) ? ["  \(dot) \(r.purpose): HTTP \(r.status) in \(r.elapsedMs) ms"] : []
        case .urlBuilt(let u):
            let pkce = u.pkce.map { "PKCE \($0.method)" } ?? "no PKCE"
            return ["\(ok) \(label(home)) \(took(home, t)) \(pkce); \(u.url)"]
        case .stepWaiting(let w):
            if let step = grant.step(id: w.step) { stepStart[step] = t }
            var out = ["  \(dot) waiting" + (w.hop.map { " before \($0)" } ?? "") + ": \(w.prompt)"]
            if let r = w.request { out += requestLines(r) }
            if w.hop != nil { out.append("    Enter sends it; set NAME=VALUE, header NAME: VALUE or unset NAME edits it; again resends the last hop; q quits") }
            return out
        case .requestEdited(let e):
            guard e.ok else { return ["  \(bad) edit refused (\(e.hop)): \(e.error ?? "")"] }
            return ["  \(dot) edited \(e.hop): \(e.edit.display(reveal: reveal))"] + (e.request.map(requestLines) ?? [])
        case .userRedirected(let r):
            let how: String
            switch r.via {
            case .simulated: how = "the built-in simulated browser followed the URL, acting as the user"
            case .printed: how = "open the URL above in a browser"
            default: how = "opened with " + (r.command ?? "the browser")
            }
            guard home.completes.contains(.userRedirected) else {
                // The device grant: sending the user does not finish the step; the user's answer does.
                let device = r.via == .simulated ? "the built-in simulated user opened the verification page and typed the user code" : how
                return ["  \(dot) \(device)"]
            }
            return ["\(ok) \(label(home)) \(took(home, t)) \(how)"]
        case .callbackReceived(let c) where watching:
            let mark = c.verdict == .accepted ? ok : (c.verdict == .stray || c.verdict == .duplicate) ? dot : bad
            let params = (c.query.objectValue ?? []).map { k, v in "\(k)=\(v.stringValue ?? v.serialized())" }.joined(separator: " ")
            var line = "\(mark) \(EventTime.format(t).dropFirst(11).dropLast()) \(c.remote) \(c.method) \(c.path)"
            if let m = c.responseMode, m != .query { line += " (\(m.rawValue))" }
            line += " \(c.verdict.rawValue)"
            if !params.isEmpty { line += "  " + params }
            var out = [line]
            if let d = c.detail { out.append("    " + d) }
            if let f = c.forwarded { out.append("    forwarded to \(f)") }
            if let x = c.exchange { out.append("    exchanged as \(x)") }
            return out
        case .callbackReceived(let c):
            guard verbose || c.verdict != .accepted else { return [] }
            let detail = c.detail.map { ": " + $0 } ?? ""
            return ["  \(dot) callback \(c.method) \(c.path) from \(c.remote): \(c.verdict.rawValue)\(detail)"]
        case .codeReceived(let c):
            let checks = c.checks.map { "\($0.name) \($0.ok ? "ok" : "FAILED")" }.joined(separator: ", ")
            return ["\(ok) \(label(home)) \(took(home, t)) code \(c.code.display(reveal: reveal)); \(checks)"]
        case .tokenRequest(let r):
            // A grant whose step ends when the token request leaves (the grants without a redirect) gets its line.
            if !watching, let s = grant.steps.first(where: { $0.completes.contains(kind) }) { return ["\(ok) \(label(s)) \(took(s, t)) \(r.method) \(r.url)"] }
            return verbose ? ["  \(dot) \(watching ? event.flow + ": " : "")\(r.method) \(r.url)"] : []
        case .tokenResponse(let r) where watching:
            return ["  \(dot) \(event.flow): token endpoint answered HTTP \(r.status) in \(r.elapsedMs) ms"]
        case .tokenExchanged(let x) where watching:
            // An exchange of `listen --exchange`: one line under the callback it redeems, no flow steps.
            let trusted = x.idToken?.checks.allSatisfy(\.ok) ?? true
            var parts = [x.tokenType, "access_token \(x.accessToken.display(reveal: reveal))"]
            if let e = x.expiresIn { parts.append("expires in \(e) s") }
            var out = ["\(trusted ? ok : warnMark) \(event.flow) exchanged: " + parts.joined(separator: ", ")]
            for c in x.idToken?.checks ?? [] where !c.ok { out.append("    \(bad) id_token \(c.name): \(c.detail)") }
            return out
        case .flowCompleted where watching:
            return []
        case .flowFailed(let f) where watching:
            return ["\(bad) \(event.flow) exchange failed: \(f.reason)"] + (f.hint.map { ["  hint: \($0)"] } ?? [])
        case .clientAssertion(let a):
            // The decoded assertion: what the server will check (the raw JWT stays in the redacted request).
            let claims = (a.claims.objectValue ?? []).map { k, v in "\(k)=\(v.stringValue ?? v.serialized())" }.joined(separator: " ")
            return ["  \(dot) client assertion (\(a.method), \(a.ref)) for \(a.hop): header \(a.header.serialized()); claims \(claims)"]
        case .tokenResponse(let r):
            return ["  \(dot) token endpoint answered HTTP \(r.status) in \(r.elapsedMs) ms"]
        case .tokenExchanged(let x):
            var parts = [x.tokenType]
            if let e = x.expiresIn { parts.append("expires in \(e) s") }
            if let s = x.scope { parts.append("scope \"\(s)\"") }
            parts.append("access_token \(x.accessToken.display(reveal: reveal))")
            if let r = x.refreshToken { parts.append("refresh_token \(r.display(reveal: reveal))") }
            // Tokens that fail their checks were received but must not be trusted: no tick for them.
            let trusted = x.idToken?.checks.allSatisfy(\.ok) ?? true
            var out = ["\(trusted ? ok : warnMark) \(label(home)) \(took(home, t)) " + parts.joined(separator: ", ")]
            if let id = x.idToken {
                let checks = id.checks.map { "\($0.name) \($0.ok ? "ok" : "FAILED")" }.joined(separator: ", ")
                out.append("  \(dot) id_token: \(checks)")
                for c in id.checks where !c.ok { out.append("    \(bad) \(c.name): \(c.detail)") }
            }
            return out
        case .finding(let f):
            guard verbose || f.severity != .info else { return [] }
            let mark = f.severity == .error ? bad : warnMark
            let whose = watching && event.flow.hasPrefix("x") ? "\(event.flow) " : ""
            return ["  \(mark) \(whose)\(f.severity.rawValue): \(f.message)" + (f.ref.map { " (\($0))" } ?? "")]
        case .flowCompleted(let c):
            return ["\(ok) flow completed in \(Self.duration(Double(c.elapsedMs) / 1000))"]
        case .flowFailed(let f):
            let step = f.step.flatMap { grant.step(id: $0) }
            var out = ["\(bad) \(step.map { label($0) + " " } ?? "")\(f.reason)"]
            if let h = f.hint { out.append("  hint: \(h)") }
            out.append("\(bad) flow failed")
            return out
        case .deviceAuthorization(let d):
            var out = ["\(ok) \(label(home)) \(took(home, t)) user code \(d.userCode), expires in \(d.expiresIn) s, polling every \(d.interval) s",
                       "    On any device, open \(d.verificationURI) and enter the code \(d.userCode)"]
            if let complete = d.verificationURIComplete {
                out.append("    or open \(complete)" + (drawsQRCode ? ", or scan:" : ""))
                if drawsQRCode, let qr = d.qrCode { out += QRCodeText.lines(qr, ascii: !unicode).map { "    " + $0 } }
            }
            return out
        case .devicePoll(let p):
            guard p.status == .approved else {
                let mark = p.status.pollsAgain ? dot : bad
                return ["  \(mark) poll \(p.attempt): \(p.status.rawValue)" + (p.error.flatMap { $0 == p.status.rawValue ? nil : " (\($0))" } ?? "") + (p.status.pollsAgain ? ", next in \(p.interval) s" : "")]
            }
            let verify = grant.steps.first { $0.isCompleted(by: event) && $0 != home }
            return (verify.map { ["\(ok) \(label($0)) \(took($0, t)) the user approved"] } ?? [])
                + ["\(ok) \(label(home)) \(took(home, t)) \(p.attempt) polls; the last one returned the tokens"]
        case .actionCompleted(let a):
            return ["\(a.ok ? ok : bad) \((a.action.count < 16 ? a.action.padding(toLength: 16, withPad: " ", startingAt: 0) : a.action)) \(a.summary)"]
        case .doctor:
            return []
        case .lessonStarted(let l):
            var out = ["Lesson \(l.name): \(l.title)", "  \(l.intro)"]
            for s in l.staged { out.append("  \(dot) staged: \(s)") }
            out.append("  \(dot) expected: \(l.expected) (\(l.ref))")
            return out
        case .lessonCompleted(let l):
            let seen = l.error.map { "\(l.outcome), \($0)" } ?? l.outcome
            return ["\(l.asExpected ? ok : bad) lesson \(l.name): \(seen)" + (l.asExpected ? ", as expected" : ", but the lesson expected \(l.expected)"),
                    "  What happened, and why: \(l.explanation) (\(l.ref))"]
        default:
            // An event type without a line of its own: a step line when it finishes a step, else its summary.
            let summary = event.payload.parts.fields.summary(reveal: reveal)
            if let s = grant.steps.first(where: { $0.isCompleted(by: event) }) { return ["\(ok) \(label(s)) \(took(s, t)) \(summary)"] }
            return verbose ? ["  \(dot) \(event.type): \(summary)"] : []
        }
    }
}
