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

    @Test("a state mismatch is delivered to the only waiting flow, so it fails")
    func mismatch() async {
        let r = CallbackRegistry(callbackPath: "/callback")
        let a = r.expect(flowID: "a", state: "s")
        let j = r.judge(request("code=x&state=forged"))
        #expect(j.event.verdict == .stateMismatch)
        #expect(!j.success)
        j.deliver()
        var got: CallbackOutcome?
        for await o in a { got = o }
        #expect(got == .stateMismatch(received: "forged"))
    }
}
