import Foundation
import OAuthCore

/// What an export can be written in.
public enum ExportFormat: String, Sendable, Hashable, CaseIterable {
    case har, curl, markdown

    /// The file name extension an export in this format gets.
    public var fileExtension: String {
        switch self {
        case .har: return "har"
        case .curl: return "sh"
        case .markdown: return "md"
        }
    }

    /// Renders `events` (a recording, or a live session's events) in this format.
    public func render(_ events: [FlowEvent], reveal: Bool, toolVersion: String = ExportedSession.unknownVersion) -> String {
        let session = ExportedSession(events: events)
        switch self {
        case .har: return HARExporter(redaction: ExportRedaction(reveal: reveal), toolVersion: toolVersion).render(session)
        case .curl: return CurlExporter(redaction: ExportRedaction(reveal: reveal)).render(session)
        case .markdown: return MarkdownExporter(redaction: ExportRedaction(reveal: reveal)).render(session)
        }
    }
}

/// A session's events regrouped for the exporters: one `ExportedFlow` per flow, in the order the flows started,
/// each with its HTTP exchanges paired up in the order they happened.
public struct ExportedSession: Sendable {
    public static let unknownVersion = "unknown"
    public var flows: [ExportedFlow]

    public init(events: [FlowEvent]) {
        var flows: [ExportedFlow] = []
        var index: [String: Int] = [:]
        for e in events {
            let i: Int
            if let known = index[e.flow] {
                i = known
            } else {
                i = flows.count
                index[e.flow] = i
                flows.append(ExportedFlow(id: e.flow))
            }
            flows[i].apply(e)
        }
        self.flows = flows
    }
}

/// One HTTP exchange of a flow: a request the client made (and its response, when one came), or a request that
/// reached the callback listener.
public enum ExportedExchange: Sendable {
    case client(ClientHop)
    case callback(CallbackHop)

    public var time: Date {
        switch self {
        case .client(let h): return h.time
        case .callback(let c): return c.time
        }
    }
}

/// A request oauthscope sent (`http.request` or `token.request`) and its response.
public struct ClientHop: Sendable {
    public var seq: Int
    public var time: Date
    public var request: HTTPRequestCapture
    public var response: HTTPResponseCapture?
    /// Checks made on what came back (the ID token's, for the token hop).
    public var checks: [Check] = []
}

/// A request the callback listener received, with its verdict and, for the accepted one, the code's checks.
public struct CallbackHop: Sendable {
    public var seq: Int
    public var time: Date
    public var callback: CallbackReceived
    public var checks: [Check] = []
}

/// One flow's events, folded for exporting.
public struct ExportedFlow: Sendable {
    public var id: String
    public var state: FlowState
    public var exchanges: [ExportedExchange] = []
    public var events: [FlowEvent] = []
    /// Every finding, in order (the fold keeps a bounded log; an export wants them all).
    public var findings: [Finding] = []

    init(id: String) {
        self.id = id
        state = FlowState(flowID: id)
    }

    public var started: FlowStarted? { state.started }
    /// Whether a browser, a redirect URI and the callback listener take part: a grant whose steps (its
    /// `GrantDescription`) send the user to the provider and back, or `listen`, which watches a redirect URI.
    public var hasRedirect: Bool { state.listen != nil || state.grant.step(id: FlowStep.userRedirected.id) != nil }
    public var issuer: String? { state.discovery?.issuer }
    public var firstTime: Date? { events.first?.time }

    mutating func apply(_ e: FlowEvent) {
        state.apply(e)
        events.append(e)
        switch e.payload {
        case .httpRequest(let r), .tokenRequest(let r):
            exchanges.append(.client(ClientHop(seq: e.seq, time: e.time, request: r)))
        case .httpResponse(let r), .tokenResponse(let r):
            // The response belongs to the newest request of the same purpose still waiting for one.
            if let i = exchanges.lastIndex(where: { if case .client(let h) = $0 { return h.response == nil && h.request.purpose == r.purpose } else { return false } }),
               case .client(var h) = exchanges[i] {
                h.response = r
                exchanges[i] = .client(h)
            }
        case .callbackReceived(let c):
            exchanges.append(.callback(CallbackHop(seq: e.seq, time: e.time, callback: c)))
        case .codeReceived(let c):
            if let i = exchanges.lastIndex(where: { if case .callback(let h) = $0 { return h.callback.verdict == .accepted } else { return false } }),
               case .callback(var h) = exchanges[i] {
                h.checks = c.checks
                exchanges[i] = .callback(h)
            }
        case .tokenExchanged(let x):
            let checks = (x.idToken?.checks ?? []) + (x.accessTokenJWT?.checks.map { Check("access_token " + $0.name, ok: $0.ok, $0.detail) } ?? [])
            if let i = exchanges.lastIndex(where: { if case .client(let h) = $0 { return h.request.purpose == .token } else { return false } }),
               case .client(var h) = exchanges[i] {
                h.checks = checks
                exchanges[i] = .client(h)
            }
        case .finding(let f):
            findings.append(f)
        default:
            break
        }
    }

    /// The flow's outcome in words: "completed in 40 ms", "failed at Code received: state mismatch".
    public var outcomeText: String {
        switch state.outcome {
        case .running: return "did not finish (the recording ends before the flow did)"
        case .completed(let ms): return "completed in \(PlainPrinter.duration(Double(ms) / 1000))"
        case .failed(let f):
            let step = f.step.flatMap { state.grant.step(id: $0) }.map { " at \($0.label)" } ?? ""
            return "failed\(step): \(f.reason)"
        }
    }
}

/// Reason phrases for the status codes an OAuth exchange meets (RFC 9110 §15); others have none.
enum HTTPReason {
    static func phrase(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 201: return "Created"
        case 204: return "No Content"
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 303: return "See Other"
        case 307: return "Temporary Redirect"
        case 308: return "Permanent Redirect"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 406: return "Not Acceptable"
        case 409: return "Conflict"
        case 413: return "Content Too Large"
        case 415: return "Unsupported Media Type"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        default: return ""
        }
    }
}

extension [HeaderField] {
    /// The first value of a header, by name in any case.
    func value(named name: String) -> Sensitive? {
        first { $0.name.lowercased() == name.lowercased() }?.value
    }
}
