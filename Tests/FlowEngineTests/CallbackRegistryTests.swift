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
}
