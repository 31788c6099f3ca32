import AsyncHTTPClient
import FlowEngine
import Foundation
import NIOCore
import NIOHTTP1
import OAuthCore

/// The built-in browser of `oauthscope demo`: it loads the authorization URL, approves the consent page the way a
/// user would (submitting its form with `decision=approve`), and follows the redirect back to the callback
/// listener. It only ever talks to loopback hosts, so it cannot wander onto the internet.
public final class SimulatedBrowser: UserAgent {
    private let http: HTTPClient
    /// `approve` or `deny`: what the simulated user chooses on a consent page.
    public let decision: String
    /// The redirect URI: reaching it ends the browser's part, since the listener now has the callback.
    public let redirectURI: String
    /// Before following the provider's redirect back, load the callback with a code and a state of someone
    /// else's, as an attacker's page can make a browser do (login CSRF, RFC 6749 §10.12).
    public let forgesCallbackFirst: Bool
    private let maxHops = 10

    public init(redirectURI: String, decision: String = "approve", forgesCallbackFirst: Bool = false) {
        self.redirectURI = redirectURI
        self.decision = decision
        self.forgesCallbackFirst = forgesCallbackFirst
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: .seconds(15))))
    }

    public func shutdown() async { try? await http.shutdown() }

    public func open(_ url: URL, redirected: @Sendable (UserRedirected) -> Void) async throws(FlowFailure) {
        redirected(UserRedirected(via: .simulated, command: nil))
        // Follow redirects and consent forms the way a browser with a patient user would.
        var current = url
        var method = "GET"
        var body = ""
        for _ in 0..<maxHops {
            let loaded: LoadedPage
            do throws(PageLoadError) {
                loaded = try await load(current, method: method, body: body)
            } catch {
                throw FlowFailure(error.description, hint: error.hint, step: .userRedirected)
            }
            let (status, location, page) = (loaded.status, loaded.location, loaded.page)
            if (300..<400).contains(status), let location, let next = URL(string: location, relativeTo: current)?.absoluteURL {
                current = next
                method = "GET"
                body = ""
                if isCallback(next) {
                    if forgesCallbackFirst, let forged = Self.forgedCallback(redirectURI) {
                        _ = try? await http.execute(HTTPClientRequest(url: forged), timeout: .seconds(15))
                    }
                    _ = try? await http.execute(HTTPClientRequest(url: next.absoluteString), timeout: .seconds(15))
                    return
                }
                continue
            }
            if status == 200, let form = ConsentForm.parse(html: page, base: current) {
                current = form.action
                method = "POST"
                body = FormURLEncoded.encode(form.fields + [FormField("decision", decision)])
                continue
            }
            let said = Self.visibleText(page)
            throw FlowFailure("the authorization server answered HTTP \(status) and did not redirect back" + (said.isEmpty ? "" : "; its page says: \(said)"),
                              hint: "It refused the request before redirecting, so it never reached the callback: a provider shows such a page for an unknown client or a redirect_uri it does not accept (RFC 6749 §4.1.2.1 forbids redirecting to an unverified URI).", step: .userRedirected)
        }
        throw FlowFailure("the simulated browser followed \(maxHops) hops without reaching the callback", step: .userRedirected)
    }

    /// One page load: a GET, or a form POSTed, to a loopback host only, with one deadline; `sending` sees the
    /// headers just before the request leaves. Both the flow's `open` and the doctor's `authorize` load pages here.
    func load(_ url: URL, method: String, body: String, sending: (_ headers: [FormField]) -> Void = { _ in }) async throws(PageLoadError) -> LoadedPage {
        guard let host = url.host, RedirectURI.isLoopback(host: host) else { throw .notLoopback(url.host ?? url.absoluteString) }
        var req = HTTPClientRequest(url: url.absoluteString)
        req.method = HTTPMethod(rawValue: method)
        var headers = [FormField("User-Agent", "oauthscope-simulated-browser")]
        if method == "POST" {
            headers.append(FormField("Content-Type", "application/x-www-form-urlencoded"))
            req.body = .bytes(ByteBuffer(string: body))
        }
        for h in headers { req.headers.add(name: h.name, value: h.value) }
        sending(headers)
        let started = ContinuousClock.now
        do {
            let response = try await http.execute(req, timeout: .seconds(15))
            let page = String(buffer: try await response.body.collect(upTo: 1 << 20))
            let elapsed = started.duration(to: .now).components
            return LoadedPage(status: Int(response.status.code), location: response.headers.first(name: "location"), page: page,
                              headers: response.headers.map { ($0.name, $0.value) }, elapsedMs: Int(elapsed.seconds * 1000 + elapsed.attoseconds / 1_000_000_000_000_000))
        } catch {
            throw .unreachable(url.absoluteString, String(describing: error))
        }
    }

    /// The redirect URI with an attacker's code and state: fresh random values that no flow sent.
    static func forgedCallback(_ redirectURI: String) -> String? {
        guard var parts = URLComponents(string: redirectURI) else { return nil }
        parts.queryItems = (parts.queryItems ?? []) + [URLQueryItem(name: "code", value: "attacker-" + SecureRandom.token(bytes: 12)),
                                                        URLQueryItem(name: "state", value: "attacker-" + SecureRandom.token(bytes: 12))]
        return parts.url?.absoluteString
    }

    /// The words of an HTML page without its markup, cut to a readable length (each front escapes them).
    static func visibleText(_ html: String, limit: Int = 600) -> String {
        var text = html
        for block in ["script", "style", "head"] {
            while let open = text.range(of: "<\(block)", options: .caseInsensitive),
                  let close = text.range(of: "</\(block)>", options: .caseInsensitive, range: open.upperBound..<text.endIndex) {
                text.removeSubrange(open.lowerBound..<close.upperBound)
            }
        }
        var out = "", inTag = false
        for ch in text {
            if ch == "<" { inTag = true; out.append(" ") } else if ch == ">" { inTag = false } else if !inTag { out.append(ch) }
        }
        let words = ConsentForm.unescape(out).split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return words.count > limit ? String(words.prefix(limit)) + "…" : words
    }

    /// True for a URL on the redirect URI (same scheme, host, port and path; any query).
    func isCallback(_ url: URL) -> Bool {
        guard let want = URLComponents(string: redirectURI), let got = URLComponents(url: url, resolvingAgainstBaseURL: true) else { return false }
        return want.scheme?.lowercased() == got.scheme?.lowercased() && want.host?.lowercased() == got.host?.lowercased()
            && (want.port ?? 80) == (got.port ?? 80) && want.percentEncodedPath == got.percentEncodedPath
    }
}

/// What one page load of the simulated browser got back.
struct LoadedPage: Sendable {
    var status: Int
    var location: String?
    /// The body, at most 1 MiB.
    var page: String
    var headers: [(name: String, value: String)]
    var elapsedMs: Int
}

/// Why the simulated browser loaded no page.
enum PageLoadError: Error, CustomStringConvertible {
    /// It visits loopback hosts only.
    case notLoopback(String)
    /// No answer within the deadline, or none at all.
    case unreachable(String, String)

    var description: String {
        switch self {
        case .notLoopback(let host): return "the simulated browser only visits loopback hosts; \(host) is not one"
        case .unreachable(let url, let error): return "the simulated browser could not load \(url): \(error)"
        }
    }

    var hint: String {
        switch self {
        case .notLoopback: return "Use --browser or --no-browser for a real provider."
        case .unreachable: return "Is the provider running?"
        }
    }
}

/// The form on a consent page: its action and hidden fields.
struct ConsentForm {
    var action: URL
    var fields: [FormField]

    static func parse(html: String, base: URL) -> ConsentForm? {
        guard let formStart = html.range(of: "<form", options: .caseInsensitive) else { return nil }
        let formTag = html[formStart.lowerBound...].prefix { $0 != ">" }
        let action = attribute("action", in: String(formTag)).flatMap { URL(string: unescape($0), relativeTo: base)?.absoluteURL } ?? base
        var fields: [FormField] = []
        var rest = html[formStart.upperBound...]
        while let r = rest.range(of: "<input", options: .caseInsensitive) {
            let tag = String(rest[r.lowerBound...].prefix { $0 != ">" })
            rest = rest[r.upperBound...]
            let type = attribute("type", in: tag)?.lowercased() ?? "text"
            guard type == "hidden", let name = attribute("name", in: tag) else { continue }
            fields.append(FormField(unescape(name), unescape(attribute("value", in: tag) ?? "")))
        }
        return ConsentForm(action: action, fields: fields)
    }

    static func attribute(_ name: String, in tag: String) -> String? {
        for quote in ["\"", "'"] {
            if let r = tag.range(of: " \(name)=\(quote)", options: .caseInsensitive) {
                let after = tag[r.upperBound...]
                if let end = after.firstIndex(of: Character(quote)) { return String(after[..<end]) }
            }
        }
        return nil
    }

    static func unescape(_ s: String) -> String {
        guard s.contains("&") else { return s }
        var out = s
        for (entity, char) in [("&quot;", "\""), ("&#39;", "'"), ("&#x27;", "'"), ("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&")] {
            out = out.replacingOccurrences(of: entity, with: char)
        }
        return out
    }
}

extension SimulatedBrowser: ProbeUserAgent {
    public var kind: String { "simulated" }
    public var seesEveryRedirect: Bool { true }

    /// For the doctor: loads the authorization URL, answers the consent page with `choice`, and stops at the first
    /// redirect that leaves the authorization server, without following it: where it points is the answer, even a
    /// host that is not loopback. Each hop is published (`http.request`/`http.response`, purpose `authorize`).
    public func authorize(_ url: URL, choice: UserChoice, state: String, publisher: FlowPublisher) async -> AuthorizationAnswer {
        publisher.publish(.userRedirected(UserRedirected(via: "simulated", command: nil)))
        guard let origin = url.host.map({ ($0.lowercased(), url.port, url.scheme?.lowercased()) }) else { return .failed("the authorization URL has no host") }
        var current = url
        var method = "GET"
        var body = ""
        for _ in 0..<maxHops {
            let loaded: LoadedPage
            do throws(PageLoadError) {
                loaded = try await load(current, method: method, body: body) { sent in
                    publisher.publish(.httpRequest(HTTPRequestCapture(purpose: .authorize, method: method, url: current.absoluteString, headers: sent.map { HeaderField(captured: $0.name, $0.value) }, body: Sensitive(public: body))))
                }
            } catch {
                return .failed(error.description)
            }
            let (status, location, page) = (loaded.status, loaded.location, loaded.page)
            publisher.publish(.httpResponse(HTTPResponseCapture(purpose: .authorize, status: status, headers: loaded.headers.map { Self.captured($0.name, $0.value) },
                                                                body: Sensitive(public: String(page.prefix(4096))), elapsedMs: loaded.elapsedMs)))
            if (300..<400).contains(status), let location, let next = URL(string: location, relativeTo: current)?.absoluteURL {
                let leaves = next.host?.lowercased() != origin.0 || next.port != origin.1 || next.scheme?.lowercased() != origin.2
                if leaves || isCallback(next) {
                    let query = URLComponents(url: next, resolvingAgainstBaseURL: true)?.percentEncodedQuery ?? ""
                    return .redirected(location: next.absoluteString, parameters: CallbackParameters(query: query))
                }
                current = next
                method = "GET"
                body = ""
                continue
            }
            if status == 200, let form = ConsentForm.parse(html: page, base: current) {
                current = form.action
                method = "POST"
                body = FormURLEncoded.encode(form.fields + [FormField("decision", choice.rawValue)])
                continue
            }
            return .stayed(status: status, text: Self.visibleText(page, limit: 300))
        }
        return .failed("the simulated browser followed \(maxHops) hops without leaving the authorization server")
    }

    /// A response header as captured: a `Location` carrying a code keeps it redacted, like every other secret.
    static func captured(_ name: String, _ value: String) -> HeaderField {
        guard name.lowercased() == "location", let q = value.firstIndex(of: "?") else { return HeaderField(captured: name, value) }
        let query = Redactor.formBody(String(value[value.index(after: q)...]))
        return HeaderField(name, Sensitive(clear: value, redacted: String(value[...q]) + query.display(reveal: false)))
    }
}
