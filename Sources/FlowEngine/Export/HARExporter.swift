import Foundation
import OAuthCore

/// Writes a session as HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/): one page per flow, one entry
/// per HTTP exchange the client made and per request the callback listener received, in the order they happened.
///
/// oauthscope's own judgements ride along in custom fields, which HAR allows when prefixed with `_`:
/// `_oauthscope_purpose`, `_oauthscope_seq` on every entry; `_oauthscope_verdict`, `_oauthscope_detail`,
/// `_oauthscope_forwarded` on callbacks; `_oauthscope_checks` where checks were made; `_oauthscope_outcome`,
/// `_oauthscope_findings`, `_oauthscope_provider`, `_oauthscope_client_id`, `_oauthscope_redirect_uri` on pages.
///
/// Timings: the exchange engine measures one figure per hop (request sent to response read), written as the
/// entry's `time` and its `wait`; `send` and `receive` are 0. The listener does not time the requests it answers.
public struct HARExporter: Sendable {
    public var redaction: ExportRedaction
    public var toolVersion: String

    public init(redaction: ExportRedaction, toolVersion: String = ExportedSession.unknownVersion) {
        self.redaction = redaction
        self.toolVersion = toolVersion
    }

    public func render(_ session: ExportedSession) -> String {
        var pages: [JSONValue] = []
        var entries: [JSONValue] = []
        for flow in session.flows {
            pages.append(page(flow))
            for x in flow.exchanges {
                switch x {
                case .client(let h): entries.append(entry(h, flow: flow))
                case .callback(let c): entries.append(entry(c, flow: flow))
                }
            }
        }
        let log: JSONValue = .object([
            ("version", .string("1.2")),
            ("creator", .object([("name", .string("oauthscope")), ("version", .string(toolVersion))])),
            ("pages", .array(pages)),
            ("entries", .array(entries)),
        ])
        return JSONValue.object([("log", log)]).serialized(pretty: true) + "\n"
    }

    private func page(_ flow: ExportedFlow) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("startedDateTime", .string(EventTime.format(flow.state.startedAt ?? flow.firstTime ?? Date(timeIntervalSince1970: 0)))),
            ("id", .string(flow.id)),
            ("title", .string("\(flow.started?.provider ?? "flow \(flow.id)"): \(flow.outcomeText)")),
            ("pageTimings", .object([("onContentLoad", .number(-1)), ("onLoad", .number(-1))])),
        ]
        if let s = flow.started {
            members.append(("_oauthscope_provider", .string(s.provider)))
            if let c = s.clientID { members.append(("_oauthscope_client_id", .string(c))) }
            // A grant without a redirect (client credentials, device, ...) never used the redirect URI it was given.
            if flow.hasRedirect { members.append(("_oauthscope_redirect_uri", .string(redaction.url(s.redirectURI)))) }
            members.append(("_oauthscope_grant", .string(flow.state.listen != nil ? ListenSession.mode : flow.state.grant.id)))
        }
        var outcome: [(String, JSONValue)]
        switch flow.state.outcome {
        case .running: outcome = [("result", .string("running"))]
        case .completed(let ms): outcome = [("result", .string("completed")), ("elapsed_ms", .number(Double(ms)))]
        case .failed(let f):
            outcome = [("result", .string("failed")), ("reason", .string(f.reason))]
            if let s = f.step { outcome.append(("step", .string(s))) }
            if let e = f.error { outcome.append(("error", .string(e))) }
            if let d = f.errorDescription { outcome.append(("error_description", .string(d))) }
            if let h = f.hint { outcome.append(("hint", .string(h))) }
        }
        members.append(("_oauthscope_outcome", .object(outcome)))
        members.append(("_oauthscope_findings", .array(flow.findings.map { f in
            var m: [(String, JSONValue)] = [("severity", .string(f.severity.rawValue)), ("code", .string(f.code)), ("message", .string(f.message))]
            if let r = f.ref { m.append(("ref", .string(r))) }
            if let s = f.step { m.append(("step", .string(s))) }
            return .object(m)
        })))
        return .object(members)
    }

    private func headers(_ list: [HeaderField]) -> JSONValue {
        .array(list.map { .object([("name", .string($0.name)), ("value", .string(redaction.header(name: $0.name, value: $0.value)))]) })
    }

    private func queryString(_ url: String) -> JSONValue {
        guard let q = url.firstIndex(of: "?") else { return .array([]) }
        var query = url[url.index(after: q)...]
        if let hash = query.firstIndex(of: "#") { query = query[..<hash] }
        return .array(FormURLEncoded.decode(query).fields.map { .object([("name", .string($0.name)), ("value", .string($0.value))]) })
    }

    private func checks(_ list: [Check]) -> JSONValue {
        .array(list.map { .object([("name", .string($0.name)), ("ok", .bool($0.ok)), ("detail", .string($0.detail))]) })
    }

    private func entry(_ hop: ClientHop, flow: ExportedFlow) -> JSONValue {
        let r = hop.request
        let url = redaction.url(r.url)
        var request: [(String, JSONValue)] = [
            ("method", .string(r.method)), ("url", .string(url)), ("httpVersion", .string("HTTP/1.1")),
            ("cookies", .array([])), ("headers", headers(r.headers)), ("queryString", queryString(url)),
        ]
        let body = redaction.body(r.body)
        if !body.isEmpty {
            let mime = r.headers.value(named: "content-type")?.clear ?? ""
            var post: [(String, JSONValue)] = [("mimeType", .string(mime))]
            if mime.lowercased().hasPrefix("application/x-www-form-urlencoded") {
                post.append(("params", .array(FormURLEncoded.decode(body).fields.map { .object([("name", .string($0.name)), ("value", .string($0.value))]) })))
            }
            post.append(("text", .string(body)))
            request.append(("postData", .object(post)))
        }
        request += [("headersSize", .number(-1)), ("bodySize", .number(Double(body.utf8.count)))]

        let response: JSONValue
        let elapsed: Int
        if let resp = hop.response {
            let text = redaction.body(resp.body)
            elapsed = max(0, resp.elapsedMs)
            response = .object([
                ("status", .number(Double(resp.status))), ("statusText", .string(HTTPReason.phrase(resp.status))),
                ("httpVersion", .string("HTTP/1.1")), ("cookies", .array([])), ("headers", headers(resp.headers)),
                ("content", .object([("size", .number(Double(text.utf8.count))), ("mimeType", .string(resp.headers.value(named: "content-type")?.clear ?? "")), ("text", .string(text))])),
                ("redirectURL", .string(resp.headers.value(named: "location").map { redaction.url(redaction.header(name: "location", value: $0)) } ?? "")),
                ("headersSize", .number(-1)), ("bodySize", .number(Double(text.utf8.count))),
            ])
        } else {
            // No response arrived (a timeout, a refused connection): HAR's way of saying so is status 0.
            elapsed = 0
            response = Self.noResponse
        }
        return .object([
            ("pageref", .string(flow.id)), ("startedDateTime", .string(EventTime.format(hop.time))), ("time", .number(Double(elapsed))),
            ("request", .object(request)), ("response", response), ("cache", .object([])),
            ("timings", .object([("send", .number(0)), ("wait", .number(Double(elapsed))), ("receive", .number(0))])),
            ("_oauthscope_purpose", .string(r.purpose.rawValue)), ("_oauthscope_seq", .number(Double(hop.seq))),
            ("_oauthscope_checks", checks(hop.checks)),
        ])
    }

    private static let noResponse: JSONValue = .object([
        ("status", .number(0)), ("statusText", .string("")), ("httpVersion", .string("")), ("cookies", .array([])),
        ("headers", .array([])), ("content", .object([("size", .number(0)), ("mimeType", .string(""))])),
        ("redirectURL", .string("")), ("headersSize", .number(-1)), ("bodySize", .number(-1)),
    ])

    private func entry(_ hop: CallbackHop, flow: ExportedFlow) -> JSONValue {
        let c = hop.callback
        let url = CallbackURL.url(for: c, redirectURI: flow.started?.redirectURI, redaction: redaction)
        var headerList: [JSONValue] = []
        for (name, value) in c.headers?.objectValue ?? [] {
            let values = value.arrayValue?.compactMap(\.stringValue) ?? value.stringValue.map { [$0] } ?? []
            for v in values { headerList.append(.object([("name", .string(name)), ("value", .string(redaction.reveal ? v : ExportRedaction.header(name: name, value: v)))])) }
        }
        let request: JSONValue = .object([
            ("method", .string(c.method)), ("url", .string(url)), ("httpVersion", .string("HTTP/1.1")), ("cookies", .array([])),
            ("headers", .array(headerList)), ("queryString", queryString(url)), ("headersSize", .number(-1)), ("bodySize", .number(0)),
        ])
        let response: JSONValue
        if let status = c.status {
            response = .object([
                ("status", .number(Double(status))), ("statusText", .string(HTTPReason.phrase(status))), ("httpVersion", .string("HTTP/1.1")),
                ("cookies", .array([])), ("headers", .array([])), ("content", .object([("size", .number(-1)), ("mimeType", .string("text/html"))])),
                ("redirectURL", .string(c.forwarded.map(redaction.url) ?? "")), ("headersSize", .number(-1)), ("bodySize", .number(-1)),
            ])
        } else {
            response = Self.noResponse
        }
        var members: [(String, JSONValue)] = [
            ("pageref", .string(flow.id)), ("startedDateTime", .string(EventTime.format(hop.time))), ("time", .number(0)),
            ("request", request), ("response", response), ("cache", .object([])),
            ("timings", .object([("send", .number(0)), ("wait", .number(0)), ("receive", .number(0))])),
            ("_oauthscope_purpose", .string("callback")), ("_oauthscope_seq", .number(Double(hop.seq))),
            ("_oauthscope_verdict", .string(c.verdict.rawValue)), ("_oauthscope_remote", .string(c.remote)),
        ]
        if let d = c.detail { members.append(("_oauthscope_detail", .string(d))) }
        if let f = c.forwarded { members.append(("_oauthscope_forwarded", .string(redaction.url(f)))) }
        members.append(("_oauthscope_checks", checks(hop.checks)))
        return .object(members)
    }
}

/// The URL a callback request asked for, rebuilt from the redirect URI's origin, its path and its parameters.
enum CallbackURL {
    static func url(for c: CallbackReceived, redirectURI: String?, redaction: ExportRedaction) -> String {
        var origin = ""
        if let r = redirectURI, let u = URLComponents(string: r), let scheme = u.scheme, let host = u.host {
            origin = scheme + "://" + (host.contains(":") ? "[\(host)]" : host) + (u.port.map { ":\($0)" } ?? "")
        }
        let fields = parameters(c.query, redaction: redaction)
        return origin + c.path + (fields.isEmpty ? "" : "?" + FormURLEncoded.encode(fields))
    }

    /// The callback's parameters in order, with the redaction rules applied.
    static func parameters(_ query: JSONValue, redaction: ExportRedaction) -> [FormField] {
        var fields: [FormField] = []
        for (name, value) in redaction.json(query).objectValue ?? [] {
            switch value {
            case .string(let s): fields.append(FormField(name, s))
            case .array(let a): fields += a.map { FormField(name, $0.stringValue ?? $0.serialized()) }
            default: fields.append(FormField(name, value.serialized()))
            }
        }
        return fields
    }
}
