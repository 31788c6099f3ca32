import FlowEngine
import Foundation
import OAuthCore
import Testing

@Suite("CallbackRegistry")
struct CallbackRegistryTests {
    func request(_ query: String, path: String = "/callback") -> IncomingCallback {
        IncomingCallback(method: "GET", path: path, rawQuery: query, remote: "127.0.0.1:1")
    }

    @Test("another path is stray (404) and the flow keeps waiting")
    func stray() {
        let r = CallbackRegistry(callbackPath: "/callback")
        _ = r.expect(flowID: "a", state: "s1")
        let j = r.judge(request("", path: "/favicon.ico"))
        #expect(j.event.verdict == .stray)
        #expect(j.event.status == 404)
        #expect(r.waitingFlows == 1)
        #expect(r.judge(request("code=x&state=s1", path: "/callback/")).event.verdict == .stray, "the path must match exactly")
    }

    @Test("callbacks are routed to their flow by state, and a second one is a duplicate")
    func routing() async {
        let r = CallbackRegistry(callbackPath: "/callback")
        let a = r.expect(flowID: "a", state: "state-a")
        let b = r.expect(flowID: "b", state: "state-b")
        let jb = r.judge(request("code=cb&state=state-b"))
        #expect(jb.flowID == "b")
        #expect(jb.event.verdict == .accepted)
        jb.deliver()
        var got: CallbackOutcome?
        for await o in b { got = o }
        guard case .code("cb", _)? = got else { Issue.record("flow b got \(String(describing: got))"); return }
        #expect(r.waitingFlows == 1)
        let again = r.judge(request("code=cb2&state=state-b"))
        #expect(again.event.verdict == .duplicate)
        #expect(again.flowID == "b")
        let ja = r.judge(request("code=ca&state=state-a"))
        #expect(ja.flowID == "a")
        ja.deliver()
        for await o in a { got = o }
        guard case .code("ca", _)? = got else { Issue.record("flow a got \(String(describing: got))"); return }
    }

    @Test("the code and state are redacted in the event unless revealed")
    func redaction() {
        let r = CallbackRegistry(callbackPath: "/callback")
        _ = r.expect(flowID: "a", state: "s")
        let j = r.judge(request("code=SplxlOBeZQQYbYS6WxSbIA&state=s"))
        #expect(j.event.query["code"]?.stringValue == Secret.redact("SplxlOBeZQQYbYS6WxSbIA"))
        #expect(j.event.query["state"]?.stringValue == "s")
    }

    @Test("a wrong or missing state is shown with a warning and never ends the waiting flow; its own callback still does", arguments: ["code=x&state=forged", "code=x", "code=x&state=forged&state=forged"])
    func forgeryKeepsWaiting(query: String) async {
        let r = CallbackRegistry(callbackPath: "/callback")
        let a = r.expect(flowID: "a", state: "s")
        let forged = r.judge(request(query))
        #expect(forged.event.verdict != .accepted)
        #expect(forged.event.status == 400)
        #expect(!forged.success)
        #expect(forged.flowID == "a", "shown with the flow it tried to end")
        #expect(forged.findings.map(\.code) == ["callback.not_this_flow"])
        #expect(forged.findings.first?.ref?.contains("RFC 6749 §10.12") == true)
        forged.deliver()
        #expect(r.waitingFlows == 1)
        let own = r.judge(request("code=real&state=s"))
        #expect(own.event.verdict == .accepted)
        own.deliver()
        var got: [CallbackOutcome] = []
        for await o in a { got.append(o) }
        guard got.count == 1, case .code("real", _) = got[0] else { Issue.record("flow a got \(got)"); return }
    }

    @Test("a malformed callback that carries the flow's state ends it: the provider's own answer was broken")
    func malformedWithState() async {
        let r = CallbackRegistry(callbackPath: "/callback")
        let a = r.expect(flowID: "a", state: "s")
        let j = r.judge(request("code=%ZZ&state=s"))
        #expect(j.event.verdict == .malformed)
        #expect(j.findings.isEmpty)
        j.deliver()
        var got: CallbackOutcome?
        for await o in a { got = o }
        guard case .malformed? = got else { Issue.record("\(String(describing: got))"); return }
    }

    @Test("an error without state reaches the flow as unverified and leaves it waiting for its own callback")
    func unverifiedError() async {
        let r = CallbackRegistry(callbackPath: "/callback")
        let a = r.expect(flowID: "a", state: "s")
        let j = r.judge(request("error=access_denied&error_description=Call%20this%20number"))
        #expect(j.event.verdict == .errorResponse)
        #expect(j.event.detail?.contains("unverified") == true)
        #expect(!j.success)
        j.deliver()
        #expect(r.waitingFlows == 1, "not ended by it")
        let own = r.judge(request("code=real&state=s"))
        own.deliver()
        var got: [CallbackOutcome] = []
        for await o in a { got.append(o) }
        // The stream keeps only the newest outcome: the flow's own callback wins over the unverified error.
        guard case .code("real", _)? = got.last else { Issue.record("\(got)"); return }
        #expect(got.allSatisfy { if case .unverifiedError(let e, _) = $0 { return e.error == "access_denied" } else { return true } })
    }

    @Test("a Host other than the redirect URI's is stray 421; a browser's sub-resource load is stray 403")
    func strays() {
        let r = CallbackRegistry(callbackPath: "/callback")
        _ = r.expect(flowID: "a", state: "s")
        let hosts = ["127.0.0.1:8765"]
        func judge(_ headers: [FormField]) -> CallbackJudgement {
            r.judge(IncomingCallback(method: "GET", path: "/callback", rawQuery: "code=x&state=s", remote: "127.0.0.1:1", headers: headers), expectedHosts: hosts)
        }
        let evil = judge([FormField("Host", "evil.example")])
        #expect(evil.event.verdict == .stray)
        #expect(evil.event.status == 421)
        #expect(evil.event.detail?.contains("evil.example") == true)
        #expect(judge([]).event.status == 421, "no Host at all")
        #expect(judge([FormField("Host", "127.0.0.1:9999")]).event.status == 421, "another port")
        let img = judge([FormField("Host", "127.0.0.1:8765"), FormField("Sec-Fetch-Dest", "image")])
        #expect(img.event.verdict == .stray)
        #expect(img.event.status == 403)
        #expect(r.waitingFlows == 1, "none of them ended the flow")
        let nav = judge([FormField("host", "127.0.0.1:8765"), FormField("Sec-Fetch-Dest", "document")])
        #expect(nav.event.verdict == .accepted)
        #expect(CallbackRegistry.strayReason(IncomingCallback(method: "GET", path: "/callback", rawQuery: "", remote: "", headers: [FormField("Host", "LOCALHOST:1")]), callbackPath: "/callback", expectedHosts: ["localhost:1"]) == nil, "host names compare case-insensitively")
    }

    @Test("watch mode: an error without state is marked unverified")
    func watchUnverified() {
        let r = CallbackRegistry(watchingPath: "/cb", flowID: "listen", expectedState: "good")
        let j = r.judge(request("error=access_denied", path: "/cb"))
        #expect(j.event.verdict == .errorResponse)
        #expect(j.event.detail?.contains("unverified") == true)
    }

    @Test("listen --exchange: accepted codes are numbered into exchange flows across registries, named in their event")
    func exchangeNumbering() async {
        let counter = ExchangeCounter()
        let a = CallbackRegistry(watchingPath: "/a", flowID: "listen", expectedState: "sa", exchanges: counter)
        let b = CallbackRegistry(watchingPath: "/b", flowID: "listen", expectedState: nil, exchanges: counter)
        let j1 = a.judge(request("code=c1&state=sa", path: "/a"))
        let j2 = b.judge(request("code=c2&state=anything", path: "/b"))
        let j3 = a.judge(request("code=c3&state=other", path: "/a"))
        let j4 = b.judge(request("code=c4", path: "/b"))
        #expect([j1.event.exchange, j2.event.exchange, j3.event.exchange, j4.event.exchange] == ["x1", "x2", nil, "x3"])
        for j in [j1, j2, j3, j4] { j.deliver() }
        a.finishArrivals()
        b.finishArrivals()
        var arrived: [ArrivedCode] = []
        for await x in a.arrivals { arrived.append(x) }
        for await x in b.arrivals { arrived.append(x) }
        #expect(arrived.map(\.exchangeFlowID) == ["x1", "x2", "x3"])
        #expect(arrived.map(\.state) == ["sa", "anything", nil], "a code without state is handed on, so its flow can say why it is not exchanged")
        let watchOnly = CallbackRegistry(watchingPath: "/a", flowID: "listen", expectedState: nil)
        #expect(watchOnly.judge(request("code=c9&state=s", path: "/a")).event.exchange == nil)
    }

    @Test("a fragment post-back is a same-origin fetch: Sec-Fetch-Dest empty is fine, another site is not")
    func fragmentFetchMetadata() {
        func reason(_ headers: [FormField]) -> Int? {
            CallbackRegistry.strayReason(IncomingCallback(method: "POST", path: "/callback", rawQuery: "code=x&state=s", remote: "", headers: [FormField("Host", "127.0.0.1:1")] + headers, responseMode: .fragment),
                                         callbackPath: "/callback", expectedHosts: ["127.0.0.1:1"])?.status
        }
        #expect(reason([FormField("Sec-Fetch-Site", "same-origin"), FormField("Sec-Fetch-Dest", "empty")]) == nil)
        #expect(reason([]) == nil)
        #expect(reason([FormField("Sec-Fetch-Site", "cross-site")]) == 403)
        #expect(reason([FormField("Sec-Fetch-Dest", "document")]) == 403)
        #expect(CallbackRegistry.strayReason(IncomingCallback(method: "POST", path: "/callback", rawQuery: "", remote: "", headers: [FormField("Host", "evil:1")], responseMode: .fragment),
                                             callbackPath: "/callback", expectedHosts: ["127.0.0.1:1"])?.status == 421, "the Host check applies to it as to any callback")
    }
}
