import FlowEngine
import Foundation
import OAuthCore

/// The detail pane: everything about the selected step (what happened and why, its parameters explained, the
/// raw HTTP, the checks), or one event opened from the log.
struct DetailView {
    var state: FlowState
    var ui: UIState
    var glyphs: Glyphs
    var now: Date

    var step: FlowStep { ui.displayedStep(in: state) }
    var reveal: Bool { ui.isRevealed(step) }

    var title: String {
        if let e = ui.inspectedEvent(in: state) { return "Event #\(e.seq) \(glyphs.separator) \(e.type)" }
        let s = state[step]
        let position = state.grant.index(of: step).map { "\($0 + 1)/\(state.grant.steps.count) " } ?? ""
        return "\(position)\(step.label) \(glyphs.separator) \(s.status.words)"
    }

    func document() -> Document {
        if let e = ui.inspectedEvent(in: state) { return eventDocument(e) }
        var doc = Document()
        header(&doc)
        failure(&doc)
        lessonNotes(&doc)
        if step.completes.contains(.tokenExchanged) {
            lifetimes(&doc)
            followUpSummary(&doc)
        }
        // A step's words say what is about to happen until it has: the token step has happened once the token
        // request left, every other step once it is done (or failed).
        let status = state[step].status
        let happened = status == .done || status == .failed || (step == .tokenExchanged && state.tokenRequest != nil)
        doc.heading(happened ? "What just happened, and why" : "What will happen")
        doc.text(happened ? step.explanation : (Glossary.stepPreview(key: step.id) ?? step.explanation), .text)
        // Each part shows what one event type holds, for whichever step of the grant holds that type.
        if step.events.contains(.urlBuilt) { urlBuilt(&doc) }
        if step.events.contains(.userRedirected) { redirected(&doc) }
        if step.events.contains(.codeReceived) { codeReceived(&doc) }
        if step.events.contains(.tokenExchanged) { tokenExchanged(&doc) }
        substeps(&doc)
        return doc
    }

    // MARK: - Common parts

    func header(_ doc: inout Document) {
        let s = state[step]
        var spans = [Span(glyphs.status(s.status) + " " + s.status.words.capitalizedFirst, s.status.role)]
        switch s.status {
        case .waiting:
            spans.append(Span(" \(glyphs.separator) not started yet", .muted))
        case .inProgress:
            if let t = s.startedAt { spans.append(Span(" \(glyphs.separator) since \(Format.clock(t, zone: ui.timeZone))", .muted)) }
            if let d = s.duration(now: now) { spans.append(Span(" \(glyphs.separator) \(Format.duration(d)) so far", .muted)) }
        case .done, .failed:
            if let t = s.finishedAt ?? s.startedAt { spans.append(Span(" \(glyphs.separator) at \(Format.clock(t, zone: ui.timeZone))", .muted)) }
            if let d = s.duration(now: now) { spans.append(Span(" \(glyphs.separator) took \(Format.duration(d))", .muted)) }
        }
        doc.line(spans)
        if step.carriesSecrets {
            doc.line(Span("Secrets ", .muted), Span(reveal ? "shown in clear" : "hidden", .secret), Span(" \(glyphs.separator) r \(reveal ? "hides" : "reveals") them", .muted))
        }
        if let w = state.waiting, state.grant.step(id: w.step) == step {
            doc.blank()
            doc.line([Span("\(glyphs.paused) Waiting for you: " + StatusLine.continueHint(prompt: w.prompt, keys: ui.keymap.keys(for: .proceed, in: .timeline)), .stepInProgress)], indent: 2)
            if let r = w.request {
                let edit = ui.keymap.keys(for: .edit, in: .timeline).first?.label ?? "e"
                doc.line([Span("The request, exactly as it will be sent (\(edit) edits it):", .muted)], indent: 2)
                doc.line([Span(r.method + " ", .httpMethod), Span(r.url, .text)], indent: 4)
                headers(&doc, r.headers)
                let body = r.body.display(reveal: reveal)
                if !body.isEmpty { doc.line([Span(body, .text)], indent: 4) }
            }
        }
    }

    func failure(_ doc: inout Document) {
        guard case .failed(let f) = state.outcome else { return }
        let failedStep = f.step.flatMap { state.grant.step(id: $0) } ?? state.steps.first(where: { $0.status == .failed })?.step
        guard failedStep == step else { return }
        doc.blank()
        doc.line([Span("\(glyphs.failed) The flow failed here: ", .stepFailed), Span(f.reason, .stepFailed)], indent: 2)
        var rows: [(String, String, ThemeRole)] = []
        if let e = f.error { rows.append(("error", e, .findingError)) }
        if let d = f.errorDescription { rows.append(("error_description", d, .text)) }
        if let h = f.hint { rows.append(("hint", h, .keyHint)) }
        for (name, value, role) in rows {
            doc.line([Span("  " + Text.pad(name, to: 18), .jsonKey), Span(value, role)], indent: 20)
        }
        if let e = f.error, let meaning = Glossary.errorCode(e) {
            doc.line([Span("  \(e): \(meaning.purpose) See \(meaning.ref).", .muted)], indent: 4)
        } else if let e = f.error, let g = Glossary.parameter("error", in: step.events.contains(.tokenResponse) ? .tokenResponse : .callback) {
            doc.line([Span("  \(e) is not a code the specifications define; error codes are listed in \(g.ref).", .muted)], indent: 4)
        }
    }

    /// `demo --lesson`: its introduction while the flow runs, then what happened and why.
    func lessonNotes(_ doc: inout Document) {
        if let r = state.lessonResult {
            doc.heading("Lesson \(r.name): what happened, and why")
            let seen = r.outcome + (r.error.map { ", \($0)" } ?? "")
            doc.line([Span((r.asExpected ? glyphs.ok : glyphs.fail) + " ", r.asExpected ? .stepDone : .stepFailed),
                      Span(r.asExpected ? "\(seen), as the lesson expected" : "\(seen), but the lesson expected \(r.expected)", r.asExpected ? .stepDone : .stepFailed)], indent: 2)
            doc.text(r.explanation, .text)
            doc.line(Span("See \(r.ref).", .muted))
        }
        guard let l = state.lesson else { return }
        doc.heading(state.lessonResult == nil ? "Lesson \(l.name): \(l.title)" : "The lesson: \(l.title)")
        doc.text(l.intro, .text)
        for s in l.staged { doc.line([Span("\(glyphs.info) staged: ", .muted), Span(s, .text)], indent: 10) }
        if state.lessonResult == nil { doc.line(Span("Expected: \(l.expected) (\(l.ref))", .muted)) }
    }

    func substeps(_ doc: inout Document) {
        let subs = state[step].substeps
        guard !subs.isEmpty else { return }
        doc.heading("Sub-steps (\(Format.count(subs.totalAppended)))")
        if subs.dropped > 0 {
            doc.line(Span("\(glyphs.ellipsis) \(Format.count(subs.dropped)) earlier ones are in the event log", .muted))
        }
        for sub in subs {
            doc.line([Span(Format.clock(sub.time, zone: ui.timeZone) + " ", .muted), Span(glyphs.substep(sub.kind) + " ", sub.kind.role), Span(sub.text, sub.kind == .fail ? .findingError : .text)], indent: 15)
        }
    }

    func params(_ value: JSONValue, context: Glossary.Context, secretNames: Bool = true) -> ParamTable {
        let members = value.objectValue ?? []
        return ParamTable(rows: members.map { name, v in
            // The provider's own meaning beats the same name's meaning elsewhere in the flow (Bitbucket's token
            // response `state` is the grant type, not the callback's state).
            let g = Glossary.parameter(name, onlyIn: context) ?? Glossary.providerField(name, preset: presetName) ?? Glossary.parameter(name, in: context)
            let text = Format.inline(v)
            let role: ThemeRole = secretNames && Redactor.isSensitive(name: name) ? .secret : .jsonString
            return ParamTable.Row(name: name, value: [Span(text, role)], purpose: g?.purpose ?? "Not defined by OAuth; sent as given.", ref: g?.ref ?? "")
        })
    }

    /// The flow's preset (`--preset`, or the demo's personality), whose glossary explains the provider's own fields.
    var presetName: String? { state.started?.settings?.first { $0.name == "preset" }?.value }

    func sensitiveSpan(_ s: Sensitive, _ role: ThemeRole = .jsonString) -> Span {
        Span(s.display(reveal: reveal), s.isRedacted ? .secret : role)
    }

    /// A captured request the way it went on the wire: request line, headers, blank line, body.
    func request(_ doc: inout Document, _ r: HTTPRequestCapture, bodyContext: Glossary.Context? = nil) {
        doc.line([Span(r.method, .httpMethod), Span(" "), Span(r.url, .text)])
        headers(&doc, r.headers)
        body(&doc, r.body, formContext: bodyContext)
    }

    func response(_ doc: inout Document, _ r: HTTPResponseCapture) {
        doc.line(Span("HTTP \(r.status)", .httpStatus(r.status)), Span(" \(glyphs.separator) \(r.elapsedMs) ms", .muted))
        headers(&doc, r.headers)
        body(&doc, r.body, formContext: nil)
    }

    func headers(_ doc: inout Document, _ headers: [HeaderField]) {
        for h in headers {
            doc.line([Span(h.name + ": ", .jsonKey), sensitiveSpan(h.value, .text)], indent: 4)
        }
    }

    func body(_ doc: inout Document, _ body: Sensitive, formContext: Glossary.Context?) {
        let text = body.display(reveal: reveal)
        guard !text.isEmpty else { return }
        doc.line([])
        if let json = JSONValue.parse(text) {
            JSONLines.append(json, to: &doc, secretRole: body.isRedacted || reveal)
            // A JSON token request (Atlassian, BitBadges) is explained field by field, like a form one.
            if let context = formContext, let members = json.objectValue, !members.isEmpty {
                doc.blank()
                doc.line(Span("The body's JSON fields:", .muted))
                doc.table(params(json, context: context))
            }
            return
        }
        let role: ThemeRole = body.isRedacted ? .secret : .text
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            doc.line([Span(String(line), role)])
        }
        if let context = formContext, !text.contains(" "), text.contains("=") {
            let fields = FormURLEncoded.decode(text).fields
            doc.blank()
            doc.line(Span("The body's form fields:", .muted))
            doc.table(params(JSONValue.object(fields: fields), context: context))
        }
    }

    // MARK: - Step 1: URL built

    func urlBuilt(_ doc: inout Document) {
        if let s = state.started {
            doc.heading("The flow")
            doc.line([Span("provider      ", .jsonKey), Span(s.provider)], indent: 14)
            doc.line([Span("client_id     ", .jsonKey), Span(s.clientID ?? "(none)")], indent: 14)
            doc.line([Span("redirect_uri  ", .jsonKey), Span(s.redirectURI)], indent: 14)
            doc.line([Span("exchange      ", .jsonKey), Span(s.exchange + (s.stepMode ? ", step mode (each hop waits for c)" : ""))], indent: 14)
            if let settings = s.settings, !settings.isEmpty {
                // Like `git config --show-origin`: which flag, variable, profile, preset or default gave each value.
                doc.heading("Where each setting came from")
                let nameW = min(24, (settings.map(\.name.count).max() ?? 0) + 2)
                let sourceW = 9
                for o in settings {
                    let name = o.name.padding(toLength: max(nameW, o.name.count + 1), withPad: " ", startingAt: 0)
                    let source = o.source.padding(toLength: max(sourceW, o.source.count + 1), withPad: " ", startingAt: 0)
                    doc.line([Span(name, .jsonKey), Span(source, .muted), Span(o.value)], indent: name.count + source.count)
                }
            }
        }
        if let d = state.discovery {
            doc.heading("Discovery (OIDC Discovery §4, RFC 8414 §3)")
            doc.line([Span("The provider's metadata was fetched from ", .muted), Span(d.url), Span(" in \(d.elapsedMs) ms.", .muted)], indent: 2)
            doc.line([Span("issuer                  ", .jsonKey), Span(d.issuer)], indent: 24)
            doc.line([Span("authorization_endpoint  ", .jsonKey), Span(d.authorizationEndpoint)], indent: 24)
            doc.line([Span("token_endpoint          ", .jsonKey), Span(d.tokenEndpoint)], indent: 24)
            if let j = d.jwksURI { doc.line([Span("jwks_uri                ", .jsonKey), Span(j)], indent: 24) }
            if let u = d.userinfoEndpoint { doc.line([Span("userinfo_endpoint       ", .jsonKey), Span(u)], indent: 24) }
        }
        for hop in state.hops where hop.request.purpose == .discovery {
            hopDocument(&doc, hop)
        }
        guard let a = state.authorization else {
            doc.blank()
            doc.line(Span("The authorization URL has not been built yet.", .muted))
            return
        }
        doc.heading("Authorization request")
        doc.line([Span("GET", .httpMethod), Span(" "), Span(a.endpoint)], indent: 2)
        doc.line(Span("The whole URL the browser is sent to:", .muted))
        doc.line([Span(a.url, .jsonString)], indent: 0)
        doc.heading("Its parameters")
        doc.table(params(a.params, context: .authorizationRequest))
        doc.heading("PKCE (RFC 7636)")
        if let p = a.pkce {
            doc.line([Span("code_challenge_method  ", .jsonKey), Span(p.method)], indent: 23)
            doc.line([Span("code_challenge         ", .jsonKey), Span(p.challenge, .jsonString)], indent: 23)
            doc.line([Span("The code_verifier behind this challenge stays on this machine until the token request, where it proves that whoever redeems the code started the flow (RFC 7636 §1, §4.5).", .muted)], indent: 0)
        } else {
            doc.line([Span("\(glyphs.warn) No PKCE: a stolen code could be redeemed by someone else. RFC 9700 §2.1.1 asks every client to use it.", .findingWarn)], indent: 2)
        }
    }

    // MARK: - Step 2: user redirected

    func redirected(_ doc: inout Document) {
        doc.heading("How the user was sent")
        if let r = state.redirect {
            let how: String
            switch r.via {
            case .simulated: how = "oauthscope's built-in browser followed the URL, approved the request as the demo user, and followed the redirect back. A real flow opens your browser instead."
            case .browser: how = "Your browser was launched with the authorization URL."
            case .printed: how = "The URL was shown for you to open in a browser of your choice."
            default: how = "Sent via \(r.via)."
            }
            doc.line([Span("via  ", .jsonKey), Span(r.via.rawValue, .jsonString)], indent: 5)
            if let c = r.command { doc.line([Span("command  ", .jsonKey), Span(c)], indent: 9) }
            doc.line([Span(how, .text)])
        } else {
            doc.line(Span("The user has not been sent yet.", .muted))
        }
        doc.heading("Where the answer will arrive")
        if let s = state.started { doc.line([Span("redirect_uri  ", .jsonKey), Span(s.redirectURI)], indent: 14) }
        if state.listenerAddresses.isEmpty {
            doc.line(Span("No local listener is running.", .muted))
        } else {
            doc.line([Span("listening on  ", .jsonKey), Span(state.listenerAddresses.joined(separator: ", "))], indent: 14)
            doc.line(Span("A loopback listener catches the browser's redirect; this is how native and command-line apps receive the code (RFC 8252 §7.3).", .muted))
        }
    }

    // MARK: - Step 3: code received

    func codeReceived(_ doc: inout Document) {
        let callbacks = state.callbacks
        doc.heading("Requests at the listener (\(Format.count(callbacks.totalAppended)))")
        if callbacks.isEmpty {
            doc.line(Span("Nothing has reached the listener yet.", .muted))
        } else {
            // Exact counts over every request, including those the bounded list below no longer holds.
            let summary = CallbackVerdict.allCases.compactMap { v in state.callbackCounts[v].map { "\(Format.count($0)) \(v.rawValue)" } }.joined(separator: ", ")
            doc.line([Span(summary, .text)] + (callbacks.dropped > 0 ? [Span(" (the newest \(Format.count(callbacks.count)) are kept for inspection; \(Format.count(callbacks.dropped)) older not kept)", .muted)] : []), indent: 2)
        }
        let chosen = callbacks.last(where: { $0.callback.verdict == .accepted })
            ?? callbacks.last(where: { [.stateMismatch, .errorResponse, .malformed].contains($0.callback.verdict) })
            ?? callbacks.last
        if let c = chosen {
            let cb = c.callback
            doc.heading("The callback that counts")
            doc.line([Span(cb.method, .httpMethod), Span(" "), Span(cb.path), Span(" from \(cb.remote) at \(Format.clock(c.time, zone: ui.timeZone))", .muted)], indent: 2)
            var verdict = [Span("verdict  ", .jsonKey), Span(cb.verdict.rawValue, verdictRole(cb.verdict))]
            if let d = cb.detail { verdict.append(Span(" \(glyphs.separator) " + d)) }
            if let s = cb.status { verdict.append(Span(" \(glyphs.separator) answered HTTP \(s)", .muted)) }
            doc.line(verdict, indent: 9)
            doc.table(params(cb.query, context: .callback))
            if let h = cb.headers, let members = h.objectValue, !members.isEmpty {
                doc.line(Span("Request headers:", .muted))
                for (name, v) in members { doc.line([Span(name + ": ", .jsonKey), Span(Format.inline(v))], indent: 4) }
            }
        }
        if let code = state.code {
            doc.heading("The authorization code")
            doc.line([Span("code  ", .jsonKey), sensitiveSpan(code.code)], indent: 6)
            doc.line(Span("Single use and short-lived; worthless without the code_verifier (RFC 6749 §4.1.2, §10.5).", .muted))
            if !code.checks.isEmpty {
                doc.line(Span("Checks:", .title))
                for check in code.checks {
                    doc.line([Span("  " + (check.ok ? glyphs.ok : glyphs.fail) + " ", check.ok ? .stepDone : .findingError), Span(check.name + ": ", .jsonKey), Span(check.detail)], indent: 4)
                }
            }
        }
        let others = callbacks.filter { $0.seq != chosen?.seq }
        if !others.isEmpty {
            doc.heading("Other requests (\(Format.count(callbacks.totalAppended - 1)))")
            let shown = others.suffix(20)
            let earlier = callbacks.totalAppended - 1 - shown.count
            if earlier > 0 { doc.line(Span("\(glyphs.ellipsis) \(Format.count(earlier)) earlier ones are in the event log", .muted)) }
            for c in shown {
                var spans = [Span(Format.clock(c.time, zone: ui.timeZone) + " ", .muted), Span(c.callback.method + " ", .httpMethod), Span(c.callback.path + " "), Span(c.callback.verdict.rawValue, verdictRole(c.callback.verdict))]
                if let d = c.callback.detail { spans.append(Span(" " + d, .muted)) }
                doc.line(spans, indent: 15)
            }
        }
    }

    func verdictRole(_ v: CallbackVerdict) -> ThemeRole {
        switch v {
        case .accepted: return .stepDone
        case .stray, .duplicate: return .findingWarn
        case .stateMismatch, .errorResponse, .malformed: return .findingError
        }
    }

    // MARK: - Step 4: token exchanged

    func tokenExchanged(_ doc: inout Document) {
        if let r = state.tokenRequest {
            // The section of the grant that sent it; the authorization code's is §4.1.3.
            let section = GrantType(rawValue: state.grant.id)?.reference ?? "RFC 6749 §4.1.3"
            doc.heading("Token request (back channel, \(section))")
            request(&doc, r, bodyContext: .tokenRequest)
        }
        if let r = state.tokenResponse {
            doc.heading("Token response (RFC 6749 §5.1, errors §5.2)")
            response(&doc, r)
        }
        if let t = state.tokens {
            doc.heading("Tokens")
            var rows: [ParamTable.Row] = []
            func row(_ name: String, _ value: [Span]) {
                let g = Glossary.parameter(name, in: .tokenResponse)
                rows.append(ParamTable.Row(name: name, value: value, purpose: g?.purpose ?? "", ref: g?.ref ?? ""))
            }
            row("token_type", [Span(t.tokenType, .jsonString)])
            if let e = t.expiresIn {
                var v = [Span("\(e) s", .jsonNumber)]
                if let at = state.tokensAt {
                    let left = at.addingTimeInterval(Double(e)).timeIntervalSince(now)
                    v.append(Span(left > 0 ? " (\(Format.duration(left)) left)" : " (expired)", left > 0 ? .muted : .findingWarn))
                }
                row("expires_in", v)
            }
            if let s = t.scope { row("scope", [Span(s, .jsonString)]) }
            row("access_token", [sensitiveSpan(t.accessToken)])
            if let r = t.refreshToken { row("refresh_token", [sensitiveSpan(r)]) }
            doc.table(ParamTable(rows: rows))
            if let extra = t.extra, let members = extra.objectValue, !members.isEmpty {
                doc.line(Span("Other members of the response:", .muted))
                doc.table(params(extra, context: .tokenResponse))
            }
            if let id = t.idToken {
                doc.heading("ID token (OIDC Core §2, validated per §3.1.3.7)")
                doc.line(Span("Header:", .title))
                doc.table(params(id.header, context: .joseHeader, secretNames: false))
                doc.line(Span("Claims:", .title))
                var claims = params(id.claims, context: .idTokenClaim, secretNames: false)
                for i in claims.rows.indices where ["exp", "iat", "auth_time", "nbf"].contains(claims.rows[i].name) {
                    let name = claims.rows[i].name
                    switch NumericDate.read(id.claims[name]) {
                    case .valid(let date): claims.rows[i].value.append(Span(" = " + Format.epoch(date), .muted))
                    case .invalid(let why): claims.rows[i].value.append(Span(" (\(why), RFC 7519 §2)", .findingWarn))
                    case .absent: break
                    }
                }
                doc.table(claims)
                if !id.checks.isEmpty {
                    doc.line(Span("Checks:", .title))
                    for check in id.checks {
                        doc.line([Span("  " + (check.ok ? glyphs.ok : glyphs.fail) + " ", check.ok ? .stepDone : .findingError), Span(check.name + ": ", .jsonKey), Span(check.detail)], indent: 4)
                    }
                }
            }
        } else if state.tokenRequest == nil {
            doc.blank()
            doc.line(Span("No token request has been sent yet.", .muted))
        }
        followUpDetails(&doc)
        let actions = Set(FlowController.actionNames)
        let other = state.hops.filter { $0.request.purpose != .discovery && !actions.contains($0.request.purpose.rawValue) }
        if !other.isEmpty {
            doc.heading("Other requests (\(other.count))")
            for hop in other { hopDocument(&doc, hop) }
        }
    }

    func hopDocument(_ doc: inout Document, _ hop: HTTPHop) {
        doc.blank()
        doc.line(Span("\(hop.request.purpose) \(glyphs.separator) \(Format.clock(hop.time, zone: ui.timeZone))", .title))
        request(&doc, hop.request)
        if let r = hop.response {
            doc.blank()
            response(&doc, r)
        } else {
            doc.line(Span("(no response yet)", .muted))
        }
    }

    // MARK: - One event

    func eventDocument(_ e: FlowEvent) -> Document {
        var doc = Document()
        let reveal = state.grant.step(of: e).map(ui.isRevealed) ?? ui.revealByDefault
        doc.line(Span("#\(e.seq) ", .muted), Span(e.type, e.role), Span(" at \(Format.clock(e.time, zone: ui.timeZone))", .muted))
        doc.line(Span("As written to the JSONL stream (q goes back; r \(reveal ? "hides" : "reveals") secrets):", .muted))
        doc.blank()
        let line = e.jsonLine(reveal: reveal)
        if let json = JSONValue.parse(line) {
            JSONLines.append(Self.envelopeFirst(json), to: &doc, secretRole: false)
        } else {
            doc.text(line)
        }
        return doc
    }
}

extension DetailView {
    /// The envelope (`v`, `seq`, `time`, `flow`, `type`) first, then every member by name at every depth, so an
    /// event always reads the same way whatever order the encoder chose.
    static func envelopeFirst(_ v: JSONValue) -> JSONValue {
        let envelope = ["v", "seq", "time", "flow", "type"]
        func sorted(_ v: JSONValue) -> JSONValue {
            switch v {
            case .object(let m): return .object(m.sorted { $0.0 < $1.0 }.map { ($0.0, sorted($0.1)) })
            case .array(let a): return .array(a.map(sorted))
            default: return v
            }
        }
        guard case .object(let members) = sorted(v) else { return v }
        let head = envelope.compactMap { k in members.first { $0.0 == k } }
        return .object(head + members.filter { !envelope.contains($0.0) })
    }
}

/// Pretty JSON as coloured lines: keys, strings and numbers each in their role.
enum JSONLines {
    static func append(_ value: JSONValue, to doc: inout Document, secretRole: Bool) {
        var lines: [StyledLine] = []
        emit(value, key: nil, indent: 0, trailingComma: false, into: &lines, secretRole: secretRole)
        for l in lines { doc.line(l.spans, indent: l.indent) }
    }

    static func emit(_ v: JSONValue, key: String?, indent: Int, trailingComma: Bool, into out: inout [StyledLine], secretRole: Bool) {
        let pad = String(repeating: "  ", count: indent)
        var prefix = [Span(pad)]
        if let k = key { prefix += [Span(JSONValue.string(k).serialized(), .jsonKey), Span(": ")] }
        let comma = trailingComma ? [Span(",")] : []
        switch v {
        case .object(let members):
            if members.isEmpty { out.append(StyledLine(prefix + [Span("{}")] + comma, indent: indent * 2 + 2)); return }
            out.append(StyledLine(prefix + [Span("{")], indent: indent * 2 + 2))
            for (i, (k, mv)) in members.enumerated() {
                emit(mv, key: k, indent: indent + 1, trailingComma: i < members.count - 1, into: &out, secretRole: secretRole)
            }
            out.append(StyledLine([Span(pad + "}")] + comma))
        case .array(let items):
            if items.isEmpty { out.append(StyledLine(prefix + [Span("[]")] + comma, indent: indent * 2 + 2)); return }
            out.append(StyledLine(prefix + [Span("[")], indent: indent * 2 + 2))
            for (i, item) in items.enumerated() {
                emit(item, key: nil, indent: indent + 1, trailingComma: i < items.count - 1, into: &out, secretRole: secretRole)
            }
            out.append(StyledLine([Span(pad + "]")] + comma))
        case .string:
            let role: ThemeRole = secretRole && key.map(Redactor.isSensitive(name:)) == true ? .secret : .jsonString
            out.append(StyledLine(prefix + [Span(v.serialized(), role)] + comma, indent: indent * 2 + 4))
        case .number:
            out.append(StyledLine(prefix + [Span(v.serialized(), .jsonNumber)] + comma, indent: indent * 2 + 4))
        case .bool, .null:
            out.append(StyledLine(prefix + [Span(v.serialized(), .httpMethod)] + comma, indent: indent * 2 + 4))
        }
    }
}

extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
