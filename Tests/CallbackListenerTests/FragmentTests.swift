import CallbackListener
import FlowEngine
import Foundation
import OAuthCore
import Testing

/// `oauthscope listen` catching `response_mode=form_post` and `response_mode=fragment`.
@Suite("Callback listener: response modes")
struct ResponseModeTests {
    static func watching(expect state: String? = "good", forward: URL? = nil) async throws -> ListenerHarness {
        try await ListenerHarness(forward: forward, registry: CallbackRegistry(watchingPath: "/callback", flowID: "listen", expectedState: state)) { $0.catchFragments = true }
    }

    static func token(in page: String) -> String? {
        guard let r = page.range(of: "\"\(FragmentPage.tokenHeaderName)\": \"") else { return nil }
        return String(page[r.upperBound...].prefix { $0 != "\"" })
    }

    static func fragmentPost(_ h: ListenerHarness, _ body: String, token: String?, site: String = "same-origin") async throws -> (status: Int, headers: [String: String]) {
        var headers = [("Sec-Fetch-Site", site), ("Sec-Fetch-Dest", "empty")]
        if let token { headers.append((FragmentPage.tokenHeaderName, token)) }
        let r = try await h.get("/callback", method: .POST, body: body, contentType: FragmentPage.contentType, headers: headers)
        return (r.status, Dictionary(r.headers.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a }))
    }

    @Test("the fragment page's script runs only by its nonce, talks only to its origin, and says what it does")
    func pagePolicy() {
        let page = FragmentPage(nonce: "n0nce-1", token: "t0ken-1")
        let csp = page.contentSecurityPolicy
        #expect(csp.hasPrefix("default-src 'none';"))
        #expect(csp.contains("script-src 'nonce-n0nce-1';"))
        #expect(csp.contains("connect-src 'self'"))
        #expect(!csp.contains("unsafe-eval") && !csp.contains("script-src 'unsafe-inline'"))
        #expect(page.html.contains("<script nonce=\"n0nce-1\">"))
        #expect(page.html.components(separatedBy: "<script").count == 2, "one script, the nonce'd one")
        #expect(page.html.contains("\"\(FragmentPage.tokenHeaderName)\": \"t0ken-1\""))
        #expect(page.html.contains("sent the URL fragment back to oauthscope because the provider used response_mode=fragment"))
    }

    @Test("a request without parameters gets the fragment page; its post-back is judged like a query, once per token")
    func fragmentPostBack() async throws {
        let h = try await Self.watching()
        let page = try await h.get("/callback")
        let csp = page.headers.first(name: "content-security-policy") ?? ""
        let token = Self.token(in: page.body)
        #expect(page.status == 200)
        #expect(csp.contains("script-src 'nonce-") && csp.contains("connect-src 'self'"))
        #expect(token != nil)
        let first = try await Self.fragmentPost(h, "code=frag-code&state=good", token: token)
        let again = try await Self.fragmentPost(h, "code=frag-code-2&state=good", token: token)
        let none = try await Self.fragmentPost(h, "code=frag-code-3&state=good", token: nil)
        let page2 = try await h.get("/callback")
        let bad = try await Self.fragmentPost(h, "#code=frag-code-4&state=evil", token: Self.token(in: page2.body))
        let page3 = try await h.get("/callback")
        let crossSite = try await Self.fragmentPost(h, "code=frag-code-5&state=good", token: Self.token(in: page3.body), site: "cross-site")
        let events = await h.stop()
        let statuses: [Int] = [first.status, again.status, none.status, bad.status, crossSite.status]
        #expect(statuses == [200, 403, 403, 400, 403])
        let posts = callbacks(events).filter { $0.method == "POST" }
        #expect(posts.map(\.verdict) == [.accepted, .stray, .stray, .stateMismatch, .stray])
        #expect(posts.allSatisfy { $0.responseMode == .fragment })
        #expect(posts[0].query["state"]?.stringValue == "good")
        #expect(posts[0].query["code"]?.stringValue?.contains("frag-code") == false, "the code is redacted")
        #expect(posts[0].redirectURI == h.listener.effectiveRedirectURI)
        let pages = callbacks(events).filter { $0.method == "GET" }
        #expect(pages.count == 3 && pages.allSatisfy { $0.verdict == .stray && $0.status == 200 && $0.responseMode == nil })
    }

    @Test("a posted fragment that is not UTF-8 or is empty is refused with a finding, never judged")
    func unreadableFragment() async throws {
        let h = try await Self.watching()
        let p1 = try await h.get("/callback")
        let empty = try await Self.fragmentPost(h, "#", token: Self.token(in: p1.body))
        let events = await h.stop()
        #expect(empty.status == 400)
        let findings = events.compactMap { if case .finding(let f) = $0.payload { return f } else { return nil } }
        #expect(findings.map(\.code) == ["listen.fragment_unreadable"])
    }

    @Test("with --forward the post-back's answer names the target, and the event says where the fragment went")
    func fragmentForward() async throws {
        let h = try await Self.watching(forward: URL(string: "http://127.0.0.1:3000/app/cb"))
        let page = try await h.get("/callback")
        let r = try await Self.fragmentPost(h, "code=SplxlOBeZQQYbYS6WxSbIA&state=good", token: Self.token(in: page.body))
        let events = await h.stop()
        #expect(r.status == 200)
        #expect(r.headers[FragmentPage.forwardHeaderName.lowercased()] == "http://127.0.0.1:3000/app/cb")
        let forwarded = callbacks(events).last?.forwarded ?? ""
        #expect(forwarded.hasPrefix("http://127.0.0.1:3000/app/cb#code=") && !forwarded.contains("SplxlOBeZQQYbYS6WxSbIA"))
    }

    @Test("form_post and query callbacks say how they came")
    func modes() async throws {
        let h = try await Self.watching()
        _ = try await h.get("/callback?code=q-code&state=good")
        _ = try await h.get("/callback", method: .POST, body: "code=p-code&state=good", contentType: "application/x-www-form-urlencoded")
        let events = await h.stop()
        #expect(callbacks(events).map(\.responseMode) == [.query, .formPost])
        #expect(callbacks(events).map(\.verdict) == [.accepted, .accepted])
    }
}
