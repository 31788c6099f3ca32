import Foundation
import OAuthCore

/// Writes a session as a Markdown report for a ticket or a forum post (GitHub-flavoured): a summary, the steps of
/// the flow's grant with their status and timing (for `listen`, the redirect URIs watched and what reached them),
/// every finding with its reference, a Mermaid `sequenceDiagram` of the hops, then each hop's request and response
/// in fenced blocks.
///
/// Recorded text never reaches the Markdown as markup: values go in code spans or fenced blocks whose fence is
/// longer than any run of backticks inside, prose is backslash-escaped, and the diagram's text is restricted to
/// letters, digits and a few punctuation marks, anything else written as Mermaid's `#code;` entities. Characters
/// a terminal would act on are escaped as on screen (`TerminalSafeText`), so the report is safe to `cat`.
public struct MarkdownExporter: Sendable {
    public var redaction: ExportRedaction
    /// A report stays readable, and the diagram within what renderers draw, however long the session (a listen
    /// flood): past these, the rest is counted, and left to the HAR.
    public var maxDiagramMessages = 80
    public var maxHopSections = 100

    public init(redaction: ExportRedaction) { self.redaction = redaction }

    public func render(_ session: ExportedSession) -> String {
        var out: [String] = []
        let several = session.flows.count > 1
        if session.flows.isEmpty {
            return "# oauthscope report\n\nThe recording holds no events.\n"
        }
        // The exchanges `listen --exchange` made are flows of their own, each only a token exchange.
        let listenExchanges = Set(session.flows.compactMap(\.state.listen).flatMap(\.exchanges.keys))
        for flow in session.flows {
            out += section(flow, level: several ? 2 : 1, listenExchange: listenExchanges.contains(flow.id))
        }
        return out.joined(separator: "\n") + "\n"
    }

    private func section(_ flow: ExportedFlow, level: Int, listenExchange: Bool) -> [String] {
        let h = String(repeating: "#", count: level)
        let provider = flow.started?.provider ?? "unknown provider"
        var out = ["\(h) oauthscope report: \(Self.text(provider))", ""]
        out += ["| | |", "|---|---|"]
        out.append("| Provider | \(Self.cell(Self.code(provider))) |")
        out.append("| Client | \(Self.cell(flow.started?.clientID.map(Self.code) ?? "(none)")) |")
        if flow.hasRedirect {
            out.append("| Redirect URI | \(Self.cell(flow.started.map { Self.code(redaction.url($0.redirectURI)) } ?? "(unknown)")) |")
        } else if !listenExchange {
            out.append("| Grant | \(Self.cell(Self.code(flow.state.grant.id))) |")
        }
        if let t = flow.state.startedAt ?? flow.firstTime {
            out.append("| Started | \(EventTime.format(t)) (flow \(Self.cell(Self.code(flow.id)))) |")
        }
        switch flow.state.outcome {
        case .running:
            out.append("| Outcome | did not finish (the recording ends before the flow did) |")
        case .completed(let ms):
            out.append("| Outcome | **completed** in \(PlainPrinter.duration(Double(ms) / 1000)) |")
        case .failed(let f):
            let step = f.step.flatMap { flow.state.grant.step(id: $0) }
            out.append("| Outcome | **failed**\(step.map { " at step *\($0.label)*" } ?? "") |")
            out.append("| Why | \(Self.cell(Self.text(f.reason))) |")
            if let e = f.error {
                out.append("| Error | \(Self.cell(Self.code(e)))\(f.errorDescription.map { ": " + Self.cell(Self.text($0)) } ?? "") |")
            }
            if let hint = f.hint { out.append("| What to do | \(Self.cell(Self.text(hint))) |") }
        }
        out.append("")

        if let listen = flow.state.listen {
            out += listening(listen, heading: h)
        } else {
            out += steps(flow, heading: h, listenExchange: listenExchange)
        }

        out += ["\(h)# Findings", ""]
        if flow.findings.isEmpty {
            out.append("No findings.")
        } else {
            for f in flow.findings {
                var line = "- **\(f.severity.rawValue)** \(Self.code(f.code)): \(Self.text(f.message))"
                if let r = f.ref { line += " (\(Self.text(r)))" }
                out.append(line)
            }
        }
        let failedChecks = flow.exchanges.flatMap { x -> [Check] in
            switch x {
            case .client(let c): return c.checks
            case .callback(let c): return c.checks
            }
        }.filter { !$0.ok }
        for c in failedChecks { out.append("- **check failed** \(Self.code(c.name)): \(Self.text(c.detail))") }
        out.append("")

        out += ["\(h)# Sequence", ""]
        out += diagram(flow)
        out.append("")

        out += ["\(h)# Hops", ""]
        var n = 0
        for x in flow.exchanges.prefix(maxHopSections) {
            n += 1
            switch x {
            case .client(let hop): out += hopSection(hop, number: n, level: level + 2)
            case .callback(let c): out += callbackSection(c, flow: flow, number: n, level: level + 2)
            }
        }
        if flow.exchanges.isEmpty { out += ["No HTTP exchanges were recorded.", ""] }
        if flow.exchanges.count > maxHopSections {
            out += ["\(flow.exchanges.count - maxHopSections) more exchanges are not shown here; the HAR export holds them all.", ""]
        }
        return out
    }

    // MARK: - Steps

    /// The steps of the flow's grant, as its `GrantDescription` has them (the TUI and the plain printer show the
    /// same); an exchange `listen --exchange` made has only its token exchange.
    private func steps(_ flow: ExportedFlow, heading h: String, listenExchange: Bool) -> [String] {
        var out = ["\(h)# Steps", ""]
        if listenExchange { out += ["The exchange of a code that arrived while listening: the authorization request was another application's.", ""] }
        out += ["| Step | Status | Time |", "|---|---|---|"]
        let end = flow.state.lastEventAt ?? Date(timeIntervalSince1970: 0)
        for s in flow.state.steps where !listenExchange || s.step == .tokenExchanged {
            let status: String
            switch s.status {
            case .waiting: status = "not reached"
            case .inProgress: status = "in progress when the recording ends"
            case .done: status = "✅ done"
            case .failed: status = "❌ **failed**"
            }
            let time = s.duration(now: end).map { PlainPrinter.duration($0) } ?? "–"
            out.append("| \(s.step.label) | \(status) | \(time) |")
        }
        out.append("")
        return out
    }

    /// What `listen` does instead of steps: each redirect URI watched, where, whether callbacks were forwarded, what
    /// came in, and the codes exchanged.
    private func listening(_ listen: ListenSession, heading h: String) -> [String] {
        var out = ["\(h)# Listening", ""]
        if listen.routes.isEmpty {
            out += ["No redirect URI was being watched when the recording ends.", ""]
        } else {
            out += ["| Redirect URI | Listening on | Forwarded to | Callbacks |", "|---|---|---|---|"]
            for r in listen.routes {
                let counts = CallbackVerdict.allCases.compactMap { v in r.counts[v].map { "\($0) \(v.rawValue)" } }
                out.append("| \(Self.cell(Self.code(redaction.url(r.redirectURI)))) | \(Self.cell(r.addresses.map(Self.code).joined(separator: ", "))) | \(Self.cell(r.forward.map { Self.code(redaction.url($0)) } ?? "not forwarded")) | \(counts.isEmpty ? "none" : Self.cell(Self.text(counts.joined(separator: ", ")))) |")
            }
            out.append("")
        }
        let exchanged = listen.exchanges.values.sorted { $0.flowID < $1.flowID }
        if !exchanged.isEmpty {
            out += ["Codes exchanged (`--exchange`), each a flow of its own below:", ""]
            for x in exchanged { out.append("- " + Self.text(x.summary)) }
            out.append("")
        }
        return out
    }

    // MARK: - Diagram

    private func diagram(_ flow: ExportedFlow) -> [String] {
        var lines = ["sequenceDiagram", "    participant O as oauthscope"]
        // Only a grant that sends the user to the provider and back (or listen) has a browser and a listener in it.
        if flow.hasRedirect { lines += ["    participant B as Browser", "    participant L as Callback listener"] }
        var hosts: [String] = []
        func participant(for url: String) -> String {
            let host = URLComponents(string: url).flatMap { c in c.host.map { h in h + (c.port.map { ":\($0)" } ?? "") } } ?? "provider"
            if let i = hosts.firstIndex(of: host) { return "P\(i + 1)" }
            guard hosts.count < 8 else { return "P8" }
            hosts.append(host)
            return "P\(hosts.count)"
        }
        var body: [String] = []
        for e in flow.events {
            switch e.payload {
            case .urlBuilt(let u):
                let p = participant(for: u.endpoint.isEmpty ? u.url : u.endpoint)
                body.append("    O->>B: \(Self.mermaid("authorization URL built (" + (u.pkce.map { "PKCE " + $0.method } ?? "no PKCE") + ")"))")
                body.append("    B->>\(p): \(Self.mermaid("GET " + Self.path(of: u.endpoint.isEmpty ? u.url : u.endpoint)))")
            case .userRedirected(let r):
                body.append("    Note over B: \(Self.mermaid("user sent there via " + r.via.rawValue))")
            case .callbackReceived(let c):
                body.append("    B->>L: \(Self.mermaid("\(c.method) \(c.path) (\(c.verdict.rawValue))"))")
            case .httpRequest(let r), .tokenRequest(let r):
                body.append("    O->>\(participant(for: r.url)): \(Self.mermaid("\(r.method) \(Self.path(of: r.url)) (\(r.purpose))"))")
            case .httpResponse(let r), .tokenResponse(let r):
                let p = flow.exchanges.reversed().compactMap { x -> String? in
                    if case .client(let h) = x, h.response == r { return h.request.url }
                    return nil
                }.first.map(participant(for:)) ?? "P1"
                body.append("    \(p)-->>O: \(Self.mermaid("HTTP \(r.status) in \(r.elapsedMs) ms"))")
            case .flowCompleted(let c):
                body.append("    Note over O: \(Self.mermaid("flow completed in \(c.elapsedMs) ms"))")
            case .flowFailed(let f):
                body.append("    Note over O: \(Self.mermaid("failed: " + f.reason))")
            default:
                break
            }
        }
        if body.count > maxDiagramMessages {
            let more = body.count - maxDiagramMessages
            body = Array(body.prefix(maxDiagramMessages)) + ["    Note over O: \(more) more messages not drawn"]
        }
        for (i, h) in hosts.enumerated() { lines.append("    participant P\(i + 1) as \(Self.mermaid(h))") }
        let content = (lines + body).joined(separator: "\n")
        return ["```mermaid", content, "```"]
    }

    /// The path and query of a URL, redacted, or the text itself when it is not a URL.
    private static func path(of url: String) -> String {
        let redacted = ExportRedaction.url(url)
        guard let c = URLComponents(string: redacted), c.host != nil else { return redacted }
        return (c.percentEncodedPath.isEmpty ? "/" : c.percentEncodedPath) + (c.percentEncodedQuery.map { "?" + $0 } ?? "")
    }

    /// Text for a Mermaid message, note or participant: letters, digits and `space . , / _ - + ( ) ? = @ * !`
    /// as they are, every other character as a `#code;` entity, at most `limit` characters.
    static func mermaid(_ s: String, limit: Int = 120) -> String {
        var out = ""
        var count = 0
        for u in s.unicodeScalars {
            if count >= limit {
                out += "..."
                break
            }
            count += 1
            let v = u.value
            let plain = (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) || " .,/_-+()?=@*!".unicodeScalars.contains(u)
            out += plain ? String(u) : "#\(v);"
        }
        return out
    }

    // MARK: - Hops

    private func hopSection(_ hop: ClientHop, number: Int, level: Int) -> [String] {
        let r = hop.request
        let h = String(repeating: "#", count: min(level, 6))
        var out = ["\(h) \(number). \(Self.text(r.purpose.rawValue)): \(Self.text(r.method)) \(Self.code(redaction.url(r.url)))", ""]
        var request = "\(r.method) \(redaction.url(r.url))\n"
        for f in r.headers { request += "\(f.name): \(redaction.header(name: f.name, value: f.value))\n" }
        let body = redaction.body(r.body)
        if !body.isEmpty { request += "\n" + Self.pretty(body) + "\n" }
        out += ["Request (\(EventTime.format(hop.time))):", ""] + Self.fenced(request, info: "http") + [""]
        if let resp = hop.response {
            var response = "HTTP \(resp.status) \(HTTPReason.phrase(resp.status))\n"
            for f in resp.headers { response += "\(f.name): \(redaction.header(name: f.name, value: f.value))\n" }
            let text = redaction.body(resp.body)
            if !text.isEmpty { response += "\n" + Self.pretty(text) + "\n" }
            out += ["Response: HTTP \(resp.status) in \(resp.elapsedMs) ms", ""] + Self.fenced(response, info: "http") + [""]
        } else {
            out += ["No response was recorded.", ""]
        }
        if !hop.checks.isEmpty {
            for c in hop.checks { out.append("- \(c.ok ? "✅" : "❌") \(Self.code(c.name)): \(Self.text(c.detail))") }
            out.append("")
        }
        return out
    }

    private func callbackSection(_ hop: CallbackHop, flow: ExportedFlow, number: Int, level: Int) -> [String] {
        let c = hop.callback
        let h = String(repeating: "#", count: min(level, 6))
        let url = CallbackURL.url(for: c, redirectURI: flow.started?.redirectURI, redaction: redaction)
        var out = ["\(h) \(number). callback: \(Self.text(c.method)) \(Self.code(redaction.url(c.path))) (\(c.verdict.rawValue))", ""]
        var request = "\(c.method) \(url)\n"
        for (name, value) in c.headers?.objectValue ?? [] {
            let values = value.arrayValue?.compactMap(\.stringValue) ?? value.stringValue.map { [$0] } ?? []
            for v in values { request += "\(name): \(redaction.reveal ? v : ExportRedaction.header(name: name, value: v))\n" }
        }
        out += ["From \(Self.code(c.remote)) at \(EventTime.format(hop.time)):", ""] + Self.fenced(request, info: "http") + [""]
        var facts: [String] = []
        if let s = c.status { facts.append("the listener answered HTTP \(s)") }
        if let d = c.detail { facts.append(Self.text(d)) }
        if let f = c.forwarded { facts.append("forwarded to " + Self.code(redaction.url(f))) }
        if !facts.isEmpty { out += ["Verdict **\(c.verdict.rawValue)**: " + facts.joined(separator: "; ") + ".", ""] }
        if !hop.checks.isEmpty {
            for k in hop.checks { out.append("- \(k.ok ? "✅" : "❌") \(Self.code(k.name)): \(Self.text(k.detail))") }
            out.append("")
        }
        return out
    }

    // MARK: - Markdown text

    /// JSON bodies indented, anything else as it is.
    static func pretty(_ body: String) -> String {
        guard let v = JSONValue.parse(body), v.objectValue != nil || v.arrayValue != nil else { return body }
        return v.serialized(pretty: true)
    }

    /// A fenced block whose fence is longer than any run of backticks in `content`, so nothing inside closes it.
    static func fenced(_ content: String, info: String) -> [String] {
        let fence = String(repeating: "`", count: max(3, longestBacktickRun(safeLines(content)) + 1))
        // What a terminal would act on is shown escaped, as on screen: a report is read with `cat` too.
        var text = safeLines(content)
        if text.hasSuffix("\n") { text.removeLast() }
        return [fence + info, text, fence]
    }

    /// Each line escaped on its own (tabs too), exactly as the terminal boundary would write it, so a report
    /// on stdout and one written to a file are the same bytes.
    static func safeLines(_ s: String) -> String {
        s.split(separator: "\n", omittingEmptySubsequences: false).map { TerminalSafeText.escape(String($0)) }.joined(separator: "\n")
    }

    static func longestBacktickRun(_ s: String) -> Int {
        var longest = 0
        var run = 0
        for c in s.unicodeScalars {
            if c == "`" {
                run += 1
                longest = max(longest, run)
            } else {
                run = 0
            }
        }
        return longest
    }

    /// An inline code span holding `s` on one line (line breaks and other controls shown escaped).
    static func code(_ s: String) -> String {
        let flat = oneLine(s)
        if flat.isEmpty { return "(empty)" }
        let fence = String(repeating: "`", count: longestBacktickRun(flat) + 1)
        let pad = flat.hasPrefix("`") || flat.hasSuffix("`") || flat.hasPrefix(" ") ? " " : ""
        return fence + pad + flat + pad + fence
    }

    /// Prose from a recording, on one line, with every ASCII punctuation mark backslash-escaped (CommonMark
    /// allows that for all of them), so it cannot open a link, an HTML tag, emphasis or a heading.
    static func text(_ s: String) -> String {
        var out = ""
        for u in oneLine(s).unicodeScalars {
            if u.isASCII, u.properties.isPatternSyntax || "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~".unicodeScalars.contains(u) {
                out += "\\"
            }
            out.unicodeScalars.append(u)
        }
        return out
    }

    /// A table cell: a `|` would end the cell, even inside a code span, so it is escaped.
    static func cell(_ s: String) -> String {
        var out = ""
        var previous: Character = " "
        for c in s {
            if c == "|" && previous != "\\" { out += "\\" }
            out.append(c)
            previous = c
        }
        return out
    }

    /// On one line, with line breaks, escape sequences and invisible characters shown as escapes (`\x0a`).
    private static func oneLine(_ s: String) -> String { TerminalSafeText.escape(s) }
}
