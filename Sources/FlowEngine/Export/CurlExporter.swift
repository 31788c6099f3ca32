import Foundation
import OAuthCore

/// Writes the requests a session's client made as a bash script that replays them with curl, in order.
///
/// Every byte that came from the recording reaches the shell only inside single quotes (or as a comment with its
/// control characters replaced), so a crafted recording cannot run commands. curl is started with `-q` (no
/// `.curlrc`), `--globoff` (no `{}`/`[]` expansion), `--proto =http,https` (no `file:`), `--url` (a URL is never an
/// option), `--data-raw` (never `@file`), and a header whose name is not an HTTP token is left out, since curl
/// reads `-H @file`. Secrets are environment variables named at the top (`OAUTHSCOPE_CLIENT_SECRET`,
/// `OAUTHSCOPE_CODE`, ...), written in clear only with `reveal`. URLs under the discovered issuer start with
/// `$OAUTHSCOPE_ISSUER`, so the script can be pointed at another server.
public struct CurlExporter: Sendable {
    public var redaction: ExportRedaction

    public init(redaction: ExportRedaction) { self.redaction = redaction }

    /// A piece of a shell word: text from the recording, or an environment variable.
    enum Piece: Hashable {
        case literal(String)
        case variable(String)
    }

    /// What a variable stands for, for the list at the top of the script.
    private struct Variable {
        var name: String
        var meaning: String
    }

    public func render(_ session: ExportedSession) -> String {
        var body: [String] = []
        var variables: [Variable] = []
        var issuers: [String] = []
        var number = 0
        func need(_ name: String, _ meaning: String) {
            if !variables.contains(where: { $0.name == name }) { variables.append(Variable(name: name, meaning: meaning)) }
        }
        for flow in session.flows {
            let issuer = flow.issuer.flatMap { i -> String? in
                let trimmed = i.hasSuffix("/") ? String(i.dropLast()) : i
                return trimmed.hasPrefix("http://") || trimmed.hasPrefix("https://") ? trimmed : nil
            }
            if let i = issuer, !issuers.contains(i) { issuers.append(i) }
            body.append("")
            body.append(Self.comment("Flow \(flow.id): \(flow.started?.provider ?? "unknown provider"), \(flow.outcomeText)"))
            for x in flow.exchanges {
                switch x {
                case .callback(let c):
                    body.append(Self.comment("(The browser brought the callback \(c.callback.method) \(redaction.url(c.callback.path)) to the listener: \(c.callback.verdict.rawValue). Not replayed: it is the browser's hop.)"))
                case .client(let hop):
                    number += 1
                    body += hopLines(hop, number: number, issuer: substitutedIssuer(issuer, issuers), clientID: flow.started?.clientID, need: need)
                }
            }
        }
        var head = [
            "#!/usr/bin/env bash",
            "# oauthscope export: the HTTP requests the client made, replayed with curl in the order they were sent.",
            "# Each request is preceded by a '>>> N purpose' line; curl prints the status line, headers and body.",
        ]
        if !issuers.isEmpty {
            head.append("# URLs under the issuer start with $OAUTHSCOPE_ISSUER: set it to send the requests to another server.")
        }
        if redaction.reveal {
            head.append("# Exported with --reveal: the secrets of the recording are written below in clear. Keep this file private.")
        } else if !variables.isEmpty {
            head.append("# The secrets are not in this file. Set these environment variables before running it:")
            for v in variables { head.append(Self.comment("  \(v.name)  \(v.meaning)")) }
        }
        head.append("set -u")
        if let first = issuers.first {
            head.append("if [ -z \"${OAUTHSCOPE_ISSUER:-}\" ]; then OAUTHSCOPE_ISSUER=\(Self.quote(first)); fi")
        }
        for v in variables {
            head.append("\(v.name)=\"${\(v.name):-}\"")
            head.append("[ -n \"$\(v.name)\" ] || echo \(Self.quote("warning: \(v.name) is not set (\(v.meaning))")) >&2")
        }
        return (head + body).joined(separator: "\n") + "\n"
    }

    /// Only the first issuer gets the variable; a second flow against another server keeps its URLs as recorded.
    private func substitutedIssuer(_ issuer: String?, _ all: [String]) -> String? {
        guard let i = issuer, i == all.first else { return nil }
        return i
    }

    private func hopLines(_ hop: ClientHop, number: Int, issuer: String?, clientID: String?, need: (String, String) -> Void) -> [String] {
        let r = hop.request
        var lines = [""]
        var summary = "\(number). \(r.purpose): \(r.method) \(redaction.url(r.url))"
        if let resp = hop.response { summary += " (recorded: HTTP \(resp.status) in \(resp.elapsedMs) ms)" } else { summary += " (recorded: no response)" }
        lines.append(Self.comment(summary))
        guard Self.isToken(r.method) else {
            lines.append(Self.comment("Skipped: the method is not an HTTP token."))
            return lines
        }
        // One option and its value per line.
        var args: [String] = ["-q --silent --show-error --include --globoff --proto '=http,https' --max-time 30", "--request " + Self.quote(r.method)]
        // Headers curl computes itself are left to it.
        let computed: Set<String> = ["content-length", "host", "transfer-encoding", "connection"]
        for h in r.headers where !computed.contains(h.name.lowercased()) {
            guard Self.isToken(h.name), !h.value.clear.contains(where: { $0 == "\r" || $0 == "\n" }) else {
                lines.append(Self.comment("Skipped a header whose name or value cannot be sent as it is."))
                continue
            }
            let word = headerWord(h, clientID: clientID, args: &args, need: need)
            if !word.isEmpty { args.append("--header " + word) }
        }
        args += bodyWords(r, need: need)
        args.append("--url " + Self.word(urlPieces(r.url, issuer: issuer, need: need)))
        lines.append("echo \(Self.quote(">>> \(number) \(r.purpose)"))")
        lines.append("curl " + args.joined(separator: " \\\n  "))
        lines.append("echo")
        return lines
    }

    /// The `--header` word for one header. `Authorization: Basic` becomes `--user CLIENT_ID:$OAUTHSCOPE_CLIENT_SECRET`
    /// (appended to `args`, and the header word returned empty so the caller drops it).
    private func headerWord(_ h: HeaderField, clientID: String?, args: inout [String], need: (String, String) -> Void) -> String {
        let lower = h.name.lowercased()
        if redaction.reveal || !Redactor.sensitiveHeaders.contains(lower) {
            let v = h.value.clear
            return Self.quote(v.isEmpty ? h.name + ";" : h.name + ": " + v)
        }
        let value = h.value.redacted
        if lower == "authorization", let space = value.firstIndex(of: " ") {
            let scheme = String(value[..<space])
            switch scheme.lowercased() {
            case "basic":
                need("OAUTHSCOPE_CLIENT_SECRET", "the client secret")
                args.append("--user " + Self.word([.literal((clientID ?? "") + ":"), .variable("OAUTHSCOPE_CLIENT_SECRET")]))
                return ""
            case "bearer", "dpop":
                need("OAUTHSCOPE_ACCESS_TOKEN", "the access token")
                return Self.word([.literal(h.name + ": " + scheme + " "), .variable("OAUTHSCOPE_ACCESS_TOKEN")])
            default:
                break
            }
        }
        let name = Self.variableName(for: "header_" + h.name)
        need(name, "the value of the \(h.name) header")
        return Self.word([.literal(h.name + ": "), .variable(name)])
    }

    private func bodyWords(_ r: HTTPRequestCapture, need: (String, String) -> Void) -> [String] {
        let text = r.body.clear
        guard !text.isEmpty else { return [] }
        if redaction.reveal { return ["--data-raw " + Self.quote(text)] }
        let recorded = r.body.redacted
        let mime = r.headers.value(named: "content-type")?.clear.lowercased() ?? ""
        if let json = JSONValue.parse(recorded), mime.contains("json") || recorded.hasPrefix("{") {
            // Secret members become variables inside the JSON text.
            var secrets: [String] = []
            let marked = Self.markSecrets(json, secrets: &secrets)
            guard !secrets.isEmpty else { return ["--data-raw " + Self.quote(recorded)] }
            var pieces: [Piece] = []
            var rest = Substring(marked.serialized())
            while let start = rest.firstIndex(of: "\u{E000}"), let end = rest[start...].firstIndex(of: "\u{E001}") {
                pieces.append(.literal(String(rest[..<start])))
                let name = String(rest[rest.index(after: start)..<end])
                let v = Self.variableName(for: name)
                need(v, Self.meaning(of: name))
                pieces.append(.variable(v))
                rest = rest[rest.index(after: end)...]
            }
            pieces.append(.literal(String(rest)))
            return ["--data-raw " + Self.word(pieces)]
        }
        if recorded.contains("="), !recorded.contains(" "), !recorded.contains("\n") {
            var words: [String] = []
            for part in recorded.split(separator: "&", omittingEmptySubsequences: true) {
                let eq = part.firstIndex(of: "=")
                let rawName = eq.map { String(part[..<$0]) } ?? String(part)
                let name = FormURLEncoded.decode(rawName + "=").fields.first?.name ?? rawName
                if let eq, Redactor.isSensitive(name: name) {
                    let v = Self.variableName(for: name)
                    need(v, Self.meaning(of: name))
                    // The name as recorded (already encoded, so free of '=' and '&'); curl encodes the value.
                    words.append("--data-urlencode " + Self.word([.literal(String(part[..<eq]) + "="), .variable(v)]))
                } else {
                    words.append("--data-raw " + Self.quote(String(part)))
                }
            }
            return words
        }
        return ["--data-raw " + Self.quote(ExportRedaction.body(recorded))]
    }

    private func urlPieces(_ url: String, issuer: String?, need: (String, String) -> Void) -> [Piece] {
        let recorded = url
        var pieces: [Piece] = []
        var rest = Substring(recorded)
        if let i = issuer, recorded.hasPrefix(i) {
            pieces.append(.variable("OAUTHSCOPE_ISSUER"))
            rest = rest.dropFirst(i.count)
        }
        guard !redaction.reveal, let q = rest.firstIndex(of: "?") else {
            pieces.append(.literal(String(rest)))
            return pieces
        }
        pieces.append(.literal(String(rest[...q])))
        var first = true
        for part in rest[rest.index(after: q)...].split(separator: "&", omittingEmptySubsequences: false) {
            pieces.append(.literal(first ? "" : "&"))
            first = false
            if let eq = part.firstIndex(of: "="), Redactor.isSensitive(name: FormURLEncoded.decode(String(part[..<eq]) + "=").fields.first?.name ?? "") {
                let name = FormURLEncoded.decode(String(part[..<eq]) + "=").fields.first?.name ?? ""
                let v = Self.variableName(for: name)
                need(v, Self.meaning(of: name) + " (URL-encoded)")
                pieces.append(.literal(String(part[...eq])))
                pieces.append(.variable(v))
            } else {
                pieces.append(.literal(String(part)))
            }
        }
        return pieces
    }

    private static func markSecrets(_ v: JSONValue, secrets: inout [String]) -> JSONValue {
        switch v {
        case .object(let members):
            return .object(members.map { k, value in
                if Redactor.isSensitive(name: k), case .string = value {
                    secrets.append(k)
                    return (k, .string("\u{E000}" + k + "\u{E001}"))
                }
                return (k, markSecrets(value, secrets: &secrets))
            })
        case .array(let a): return .array(a.map { markSecrets($0, secrets: &secrets) })
        default: return v
        }
    }

    // MARK: - Shell text

    /// One shell word in single quotes: nothing inside is expanded. Text with characters a terminal would act on
    /// (escape sequences, bidirectional overrides, invisible characters) is written in bash's `$'...'` quoting
    /// with `\x`/`\u` escapes instead, so the script reads safely on a terminal and still sends the same bytes.
    static func quote(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: TerminalSafeText.needsEscape) else {
            return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }
        var out = "$'"
        for u in s.unicodeScalars {
            switch u {
            case "\\": out += "\\\\"
            case "'": out += "\\'"
            default:
                guard TerminalSafeText.needsEscape(u) else {
                    out.unicodeScalars.append(u)
                    continue
                }
                // Exactly as many hex digits as bash reads for each form, so a following digit stays itself.
                let (prefix, digits) = u.value < 0x80 ? ("\\x", 2) : u.value <= 0xFFFF ? ("\\u", 4) : ("\\U", 8)
                let hex = String(u.value, radix: 16)
                out += prefix + String(repeating: "0", count: max(0, digits - hex.count)) + hex
            }
        }
        return out + "'"
    }

    /// One shell word made of quoted literals and `"${VAR}"` expansions.
    static func word(_ pieces: [Piece]) -> String {
        let text = pieces.compactMap { p -> String? in
            switch p {
            case .literal(let s): return s.isEmpty ? nil : quote(s)
            case .variable(let v): return "\"${\(v)}\""
            }
        }.joined()
        return text.isEmpty ? "''" : text
    }

    /// A comment line: control and invisible characters (a newline would end the comment) become `?`.
    static func comment(_ s: String) -> String {
        "# " + String(String.UnicodeScalarView(s.unicodeScalars.map { TerminalSafeText.needsEscape($0) ? "?" : $0 }))
    }

    /// `OAUTHSCOPE_` and the name in capitals, anything but letters and digits as `_`, bounded.
    static func variableName(for name: String) -> String {
        let body = String(name.uppercased().unicodeScalars.prefix(48).map { u -> Character in
            (u.value >= 0x41 && u.value <= 0x5A) || (u.value >= 0x30 && u.value <= 0x39) ? Character(u) : "_"
        })
        return "OAUTHSCOPE_" + body
    }

    static func meaning(of name: String) -> String {
        switch name.lowercased() {
        case "client_secret": return "the client secret"
        case "code": return "the authorization code (single use: run the flow again for a fresh one)"
        case "code_verifier": return "the PKCE code verifier of the same flow as the code"
        case "refresh_token": return "the refresh token"
        case "access_token": return "the access token"
        case "id_token": return "the ID token"
        case "token": return "the token to revoke or introspect"
        case "client_assertion", "assertion": return "a fresh signed assertion (RFC 7523)"
        default: return "the value of \(name)"
        }
    }

    /// RFC 9110 §5.6.2 `token`: what a method or header name may be made of.
    static func isToken(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= 256 && s.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || "!#$%&'*+-.^_`|~".utf8.contains(b)
        }
    }
}
