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
    private let maxHops = 10

    public init(redirectURI: String, decision: String = "approve") {
        self.redirectURI = redirectURI
        self.decision = decision
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
            guard let host = current.host, RedirectURI.isLoopback(host: host) else {
                throw FlowFailure("the simulated browser only visits loopback hosts; \(current.host ?? current.absoluteString) is not one", hint: "Use --browser or --no-browser for a real provider.", step: .userRedirected)
            }
            var req = HTTPClientRequest(url: current.absoluteString)
            req.method = HTTPMethod(rawValue: method)
            if method == "POST" {
                req.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
                req.body = .bytes(ByteBuffer(string: body))
            }
            req.headers.add(name: "User-Agent", value: "oauthscope-simulated-browser")
            let status: Int
            let location: String?
            let page: String
            do {
                let response = try await http.execute(req, timeout: .seconds(15))
                status = Int(response.status.code)
                location = response.headers.first(name: "location")
                page = String(buffer: try await response.body.collect(upTo: 1 << 20))
            } catch {
                throw FlowFailure("the simulated browser could not load \(current.absoluteString): \(error)", hint: "Is the provider running?", step: .userRedirected)
            }
            if (300..<400).contains(status), let location, let next = URL(string: location, relativeTo: current)?.absoluteURL {
                current = next
                method = "GET"
                body = ""
                if isCallback(next) {
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
