import FlowEngine
import Foundation
import OAuthCore

/// When each token stops working: the access token from `expires_in` counted from the exchange, or from the
/// newest successful refresh; the ID token from its `exp` claim.
struct TokenLifetimes {
    struct Entry {
        var name: String
        var expiresAt: Date
        /// Where the time comes from, e.g. "expires_in 3600 s from the exchange".
        var source: String
    }

    var entries: [Entry] = []
    /// Set when the newest refresh gave no `expires_in`, so the access token's lifetime is unknown.
    var refreshedWithoutExpiry: Date?

    init(state: FlowState) {
        guard let t = state.tokens else { return }
        var refreshed: (ActionCompleted, Date)?
        for e in state.log.reversed() {
            if case .actionCompleted(let a) = e.payload, a.action == TokenAction.refresh.rawValue, a.ok {
                refreshed = (a, e.time)
                break
            }
        }
        if let (a, time) = refreshed {
            if let e = a.expiresIn {
                entries.append(Entry(name: "access_token", expiresAt: time.addingTimeInterval(Double(e)), source: "expires_in of the refresh"))
            } else {
                refreshedWithoutExpiry = time
            }
        } else if let e = t.expiresIn, let at = state.tokensAt {
            entries.append(Entry(name: "access_token", expiresAt: at.addingTimeInterval(Double(e)), source: "expires_in"))
        }
        if let exp = NumericDate.read(t.idToken?.claims["exp"]).date {
            entries.append(Entry(name: "id_token", expiresAt: exp.date, source: "exp claim"))
        }
    }
}

/// One follow-up hop as the log tells it: the request, its response, and the `action.completed` that closed it
/// (some actions end without a request, e.g. when no endpoint is known).
struct FollowUp {
    var action: String
    var time: Date
    var request: HTTPRequestCapture?
    var response: HTTPResponseCapture?
    var completed: ActionCompleted?
    /// The DPoP proof sent with the request (`--dpop`).
    var proof: DPoPProofShown?
    /// Answered, then sent again (a DPoP nonce demand): its result is the next block's.
    var retried = false

    static func all(in state: FlowState) -> [FollowUp] {
        var blocks: [FollowUp] = []
        var open: [String: Int] = [:]
        // The built-in hops, the preset's own calls, and API calls (purpose `api`, action `call:METHOD:URL`).
        let names = Set(FlowController.actionNames + (state.started?.followUps ?? []) + [HopPurpose.api.rawValue])
        func key(_ action: String) -> String { APICallRequest.isCall(action) ? HopPurpose.api.rawValue : action }
        var pendingProof: DPoPProofShown?
        for e in state.log {
            switch e.payload {
            case .dpopProof(let p) where names.contains(p.hop):
                pendingProof = p
            case .httpRequest(let r) where names.contains(r.purpose.rawValue):
                if let i = open[r.purpose.rawValue], blocks[i].response != nil, blocks[i].completed == nil { blocks[i].retried = true }
                blocks.append(FollowUp(action: r.purpose.rawValue, time: e.time, request: r, proof: pendingProof))
                pendingProof = nil
                open[r.purpose.rawValue] = blocks.count - 1
            case .httpResponse(let r) where names.contains(r.purpose.rawValue):
                if let i = open[r.purpose.rawValue] { blocks[i].response = r }
            case .actionCompleted(let a):
                if let i = open[key(a.action)] {
                    open[key(a.action)] = nil
                    blocks[i].action = a.action
                    blocks[i].completed = a
                } else {
                    blocks.append(FollowUp(action: a.action, time: e.time, completed: a))
                }
            default:
                break
            }
        }
        return blocks
    }
}

extension DetailView {
    /// The countdown of each token, marked when it has expired.
    func lifetimes(_ doc: inout Document) {
        let l = TokenLifetimes(state: state)
        guard !l.entries.isEmpty || l.refreshedWithoutExpiry != nil else { return }
        doc.heading("Token lifetimes")
        for e in l.entries {
            let left = e.expiresAt.timeIntervalSince(now)
            let at = Format.clock(e.expiresAt, zone: ui.timeZone, millis: false)
            var spans = [Span("  " + Text.pad(e.name, to: 14), .jsonKey)]
            if left > 0 {
                spans += [Span("expires in \(Format.duration(left))", .stepDone), Span(" \(glyphs.separator) at \(at) \(glyphs.separator) \(e.source)", .muted)]
            } else {
                spans += [Span("\(glyphs.warn) expired", .findingWarn), Span(" \(glyphs.separator) at \(at) \(glyphs.separator) \(e.source)", .muted)]
            }
            doc.line(spans, indent: 16)
        }
        if let t = l.refreshedWithoutExpiry {
            doc.line([Span("  " + Text.pad("access_token", to: 14), .jsonKey), Span("refreshed at \(Format.clock(t, zone: ui.timeZone, millis: false)) without expires_in: lifetime unknown", .muted)], indent: 16)
        }
    }

    /// The keys of the follow-up hops and one line per hop done so far.
    func followUpSummary(_ doc: inout Document) {
        guard state.tokens != nil else { return }
        let blocks = FollowUp.all(in: state)
        let available: Bool
        if case .completed = state.outcome { available = true } else { available = false }
        guard available || !blocks.isEmpty else { return }
        doc.heading("Follow-up requests")
        if available {
            let commands: [(UICommand, String)] = [(.refresh, "refresh"), (.userinfo, "userinfo"), (.introspect, "introspect"), (.revoke, "revoke"), (.checkRotation, "check rotation"), (.call, "call API")]
            var spans: [Span] = [Span("  ")]
            for (i, (c, words)) in commands.enumerated() {
                guard let key = ui.keymap.keys(for: c, in: .timeline).first else { continue }
                if i > 0 { spans.append(Span(" \(glyphs.separator) ", .muted)) }
                spans += [Span(key.label, .keyHint), Span(" " + words)]
            }
            doc.line(spans, indent: 2)
        }
        for b in blocks {
            var spans = [Span("  " + Format.clock(b.time, zone: ui.timeZone) + " ", .muted)]
            if let c = b.completed {
                spans += [Span((c.ok ? glyphs.ok : glyphs.fail) + " ", c.ok ? .stepDone : .findingError), Span(c.action + ": ", .jsonKey), Span(c.summary, c.ok ? .text : .findingError)]
            } else if b.retried {
                spans += [Span(glyphs.inProgress + " ", .muted), Span(b.action + ": ", .jsonKey), Span("HTTP \(b.response?.status ?? 0), sent again", .muted)]
            } else {
                spans += [Span(glyphs.inProgress + " ", .stepInProgress), Span(b.action + ": ", .jsonKey), Span("waiting for the answer", .muted)]
            }
            doc.line(spans, indent: 17)
        }
    }

    /// Each follow-up hop in full: its raw request and response, and what came of it.
    func followUpDetails(_ doc: inout Document) {
        for b in FollowUp.all(in: state) {
            let status = b.completed.map { $0.ok ? " \(glyphs.separator) done" : " \(glyphs.separator) failed" } ?? (b.retried ? " \(glyphs.separator) sent again" : " \(glyphs.separator) in progress")
            doc.heading("\(b.action) \(glyphs.separator) \(Format.clock(b.time, zone: ui.timeZone))" + status)
            if let p = b.proof {
                doc.line([Span("DPoP proof", .title), Span(" (RFC 9449 §4), key thumbprint \(p.thumbprint)", .muted)], indent: 0)
                JSONLines.append(.object([("header", p.header), ("claims", p.claims)]), to: &doc, secretRole: false)
                for line in p.explanation { doc.line(Span("  " + line, .muted), indent: 2) }
                doc.blank()
            }
            if let r = b.request {
                request(&doc, r)
                doc.blank()
                if let resp = b.response { response(&doc, resp) } else { doc.line(Span("(no response yet)", .muted)) }
            }
            guard let c = b.completed else { continue }
            doc.blank()
            doc.line([Span("Result: ", .title), Span(c.summary, c.ok ? .text : .findingError)], indent: 8)
            if let rotated = c.rotated {
                doc.line([Span("rotated  ", .jsonKey), Span(rotated ? "yes, a new refresh token replaced the old one" : "no, the same refresh token stays valid", rotated ? .stepDone : .findingWarn)], indent: 9)
            }
            if let a = c.accessToken { doc.line([Span("access_token  ", .jsonKey), sensitiveSpan(a)], indent: 14) }
            if let r = c.refreshToken { doc.line([Span("refresh_token  ", .jsonKey), sensitiveSpan(r)], indent: 15) }
            if let e = c.expiresIn { doc.line([Span("expires_in  ", .jsonKey), Span("\(e) s", .jsonNumber)], indent: 12) }
            if let result = c.result {
                JSONLines.append(result, to: &doc, secretRole: true)
            }
        }
    }
}
