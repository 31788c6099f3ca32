import FlowEngine
import Foundation
import OAuthCore
import Synchronization
import Testing

@Suite("EventBus")
struct EventBusTests {
    @Test("every subscriber sees every event, in sequence order")
    func fanOut() async {
        let bus = EventBus()
        let a = bus.subscribe(), b = bus.subscribe()
        for i in 0..<100 { bus.publish(flow: "f", .finding(Finding(.info, "n\(i)", "m"))) }
        bus.finish()
        var seqA: [Int] = [], seqB: [Int] = []
        for await e in a { seqA.append(e.seq) }
        for await e in b { seqB.append(e.seq) }
        #expect(seqA == Array(1...100))
        #expect(seqB == seqA)
    }

    @Test("a subscriber that does not read loses its oldest events, is told how many, and never blocks the publisher")
    func boundedBuffer() async {
        let bus = EventBus()
        let slow = bus.subscribe(bufferSize: 10)
        let fast = bus.subscribe(bufferSize: 1_000)
        for i in 0..<50 { bus.publish(flow: "f", .finding(Finding(.info, "n\(i)", "m"))) }  // returns: nothing waits
        bus.publish(flow: "f", .finding(Finding(.info, "last", "m")))
        bus.finish()
        var slowEvents: [FlowEvent] = []
        for await e in slow { slowEvents.append(e) }
        var fastCount = 0
        for await _ in fast { fastCount += 1 }
        #expect(fastCount == 51)
        #expect(slowEvents.count <= 10)
        let dropped = slowEvents.compactMap { if case .busOverflow(let o) = $0.payload { return o.dropped } else { return nil } }.reduce(0, +)
        #expect(dropped > 0, "the slow subscriber must be told it lost events")
        // What it kept is the newest, still in order.
        let kept = slowEvents.filter { $0.type != "bus.overflow" }.map(\.seq)
        #expect(kept == kept.sorted())
        #expect(kept.last == 51)
    }

    @Test("concurrent publishers get unique, gap-free sequence numbers")
    func concurrentPublishers() async {
        let bus = EventBus()
        let events = bus.subscribe(bufferSize: 10_000)
        await withTaskGroup(of: Void.self) { group in
            for t in 0..<8 {
                group.addTask { for i in 0..<250 { bus.publish(flow: "f\(t)", .finding(Finding(.info, "\(i)", "m"))) } }
            }
        }
        bus.finish()
        var seqs: [Int] = []
        for await e in events { seqs.append(e.seq) }
        #expect(seqs == Array(1...2_000))
    }
}

@Suite("FlowEvent JSONL")
struct FlowEventCodingTests {
    static let time = Date(timeIntervalSince1970: 1_800_000_000.123)

    static let samples: [FlowEvent.Payload] = [
        .flowStarted(FlowStarted(mode: "demo", provider: "p", clientID: "c", redirectURI: "http://127.0.0.1:8765/callback")),
        .urlBuilt(AuthorizationURLBuilt(url: "https://as/authorize?x=1", params: .object([("x", .string("1"))]), pkce: .init(method: "S256", challenge: "abc"), endpoint: "https://as/authorize")),
        .userRedirected(UserRedirected(via: "browser", command: "xdg-open")),
        .callbackReceived(CallbackReceived(method: "GET", path: "/callback", query: .object([("code", .string("ab…(40)"))]), remote: "127.0.0.1:5", verdict: .accepted, status: 200)),
        .codeReceived(CodeReceived(code: Sensitive(clear: "abc", redacted: "…(3)"), checks: [Check("state", ok: true, "ok")])),
        .tokenRequest(HTTPRequestCapture(purpose: "token", method: "POST", url: "https://as/token", headers: [HeaderField(captured: "Authorization", "Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3")], body: Redactor.formBody("grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA"))),
        .tokenResponse(HTTPResponseCapture(purpose: "token", status: 200, headers: [HeaderField(captured: "Content-Type", "application/json")], body: "{}", elapsedMs: 12)),
        .tokenExchanged(TokenExchanged(tokenType: "Bearer", expiresIn: 3600, scope: "openid", accessToken: Secret("2YotnFZFEjr1zCsicMWpAA").sensitive, refreshToken: nil, idToken: IDTokenSummary(header: .object([("alg", .string("ES256"))]), claims: .object([]), checks: []), extra: nil)),
        .finding(Finding(.warn, "token.expires_in_string", "m", ref: "RFC 6749 §5.1", step: "exchange")),
        .flowFailed(FlowFailed(reason: "r", error: "invalid_grant", errorDescription: "d", hint: "h", step: "exchange")),
        .flowCompleted(FlowCompleted(elapsedMs: 40)),
        .actionCompleted(ActionCompleted(action: "refresh", ok: true, summary: "rotated", rotated: true)),
        .actionCompleted(ActionCompleted(action: "replay-code", ok: true, summary: "refused", error: "invalid_grant")),
        .lessonStarted(LessonStarted(name: "deny", title: "t", intro: "i", staged: ["the simulated user clicks Deny"], expected: "access_denied", ref: "RFC 6749 §4.1.2.1")),
        .lessonCompleted(LessonCompleted(name: "deny", outcome: "failed", error: "access_denied", expected: "access_denied", asExpected: true, explanation: "e", ref: "RFC 6749 §4.1.2.1")),
    ]

    @Test("every event type round-trips through its JSONL line with the envelope first", arguments: samples)
    func roundTrip(_ payload: FlowEvent.Payload) throws {
        let event = FlowEvent(seq: 7, time: Self.time, flow: "f1", payload: payload)
        let line = event.jsonLine(reveal: true)
        #expect(line.hasPrefix(#"{"v":1,"seq":7,"time":"2027-01-15T08:00:00.123Z","flow":"f1","type":"\#(payload.type)""#))
        let back = try FlowEvent.parse(jsonLine: line)
        #expect(back.type == event.type)
        #expect(back.seq == 7 && back.flow == "f1")
        #expect(abs(back.time.timeIntervalSince(event.time)) < 0.001)
        // Re-encoding what was read gives the same line: nothing is lost or invented.
        #expect(back.jsonLine(reveal: true) == line)
    }

    @Test("secrets are redacted in the line unless revealed")
    func redaction() {
        let e = FlowEvent(seq: 1, time: Self.time, flow: "f", payload: Self.samples[5])
        #expect(!e.jsonLine().contains("SplxlOBeZQQYbYS6WxSbIA"))
        #expect(!e.jsonLine().contains("czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3"))
        #expect(e.jsonLine(reveal: true).contains("SplxlOBeZQQYbYS6WxSbIA"))
    }

    @Test("an unknown type or version is a clear error")
    func unknown() {
        #expect(throws: FlowEventDecodingError.self) { try FlowEvent.parse(jsonLine: #"{"v":1,"seq":1,"time":"2026-01-01T00:00:00.000Z","flow":"f","type":"nope"}"#) }
        #expect(throws: FlowEventDecodingError.self) { try FlowEvent.parse(jsonLine: #"{"v":2,"seq":1,"time":"2026-01-01T00:00:00.000Z","flow":"f","type":"finding"}"#) }
    }
}

@Suite("CommandChannel")
struct CommandChannelTests {
    @Test("a command for one flow reaches only that flow; one for nobody in particular reaches every flow")
    func routing() async {
        let channel = CommandChannel()
        let a = channel.commands(for: "a"), b = channel.commands(for: "b")
        channel.send(.action("refresh"), to: "b")
        channel.send(.proceed)
        channel.send(.action("userinfo"), to: "a")
        channel.finish()
        var gotA: [FlowCommand] = [], gotB: [FlowCommand] = []
        for await c in a { gotA.append(c) }
        for await c in b { gotB.append(c) }
        #expect(gotA == [.proceed, .action("userinfo")])
        #expect(gotB == [.action("refresh"), .proceed])
    }
}

@Suite("EventBus batches")
struct EventBatchTests {
    @Test("a batch subscriber gets everything that accumulated, in order, and nil at the end")
    func batches() async {
        let bus = EventBus()
        let batches = bus.subscribeBatches(capacity: 1_000)
        for i in 0..<10 { bus.publish(flow: "f", .finding(Finding(.info, "\(i)", "m"))) }
        let first = await batches.next()
        #expect(first?.map(\.seq) == Array(1...10))
        bus.publish(flow: "f", .finding(Finding(.info, "late", "m")))
        bus.finish()
        #expect(await batches.next()?.map(\.seq) == [11])
        #expect(await batches.next() == nil)
    }

    @Test("a writer that falls behind loses the oldest events and is told how many")
    func overflow() async {
        let bus = EventBus()
        let batches = bus.subscribeBatches(capacity: 5)
        for i in 0..<12 { bus.publish(flow: "f", .finding(Finding(.info, "\(i)", "m"))) }
        bus.finish()
        let got = await batches.next() ?? []
        guard case .busOverflow(let o)? = got.first?.payload else { Issue.record("no overflow notice: \(got.map(\.type))"); return }
        #expect(o.dropped == 7)
        #expect(got.dropFirst().map(\.seq) == Array(8...12))
    }

    @Test("after an overflow was reported, the next batch starts counting afresh")
    func overflowThenQuiet() async {
        let bus = EventBus()
        let batches = bus.subscribeBatches(capacity: 3)
        for i in 0..<5 { bus.publish(flow: "f", .finding(Finding(.info, "\(i)", "m"))) }
        let first = await batches.next() ?? []
        #expect(first.map(\.type) == ["bus.overflow", "finding", "finding", "finding"])
        #expect(first.dropFirst().map(\.seq) == [3, 4, 5])
        bus.publish(flow: "f", .finding(Finding(.info, "5", "m")))
        bus.finish()
        #expect(await batches.next()?.map(\.seq) == [6], "no second overflow notice")
        #expect(await batches.next() == nil)
    }

    @Test("a waiting writer is woken by the next event")
    func wakes() async {
        let bus = EventBus()
        let batches = bus.subscribeBatches()
        let reader = Task { await batches.next()?.count }
        await Task.yield()  // give the reader a chance to wait first; the test holds either way
        bus.publish(flow: "f", .finding(Finding(.info, "x", "m")))
        #expect(await reader.value == 1)
    }

    @Test("a writer thread gets every event once, in order, with recycled batches, and ends after the last")
    func drainOnThread() async {
        let bus = EventBus()
        let batches = bus.subscribeBatches(capacity: 100_000)
        let seen = Mutex<[Int]>([])
        let writer = batches.drain(threadName: "test-writer") { batch in seen.withLock { $0 += batch.map(\.seq) } }
        // Published from several tasks at once, while the writer takes batches (one at a time or many).
        await withTaskGroup(of: Void.self) { group in
            for t in 0..<4 {
                group.addTask { for i in 0..<2_000 { bus.publish(flow: "f\(t)", .finding(Finding(.info, "\(i)", "m"))) } }
            }
        }
        bus.finish()
        await writer.value
        let got = seen.withLock { $0 }
        #expect(got == Array(1...8_000), "every event once, in sequence order (got \(got.count))")
    }

    @Test("a recycled batch gives its storage back empty: the next batch holds only new events")
    func recycledBatchIsEmpty() async {
        let bus = EventBus()
        let batches = bus.subscribeBatches()
        bus.publish(flow: "f", .finding(Finding(.info, "a", "m")))
        let first = batches.nextBlocking() ?? []
        #expect(first.map(\.seq) == [1])
        batches.recycle(first)
        bus.publish(flow: "f", .finding(Finding(.info, "b", "m")))
        bus.finish()
        #expect(batches.nextBlocking()?.map(\.seq) == [2])
        #expect(batches.nextBlocking() == nil)
    }
}

@Suite("BoundedLog")
struct BoundedLogRemoveAllTests {
    @Test("removeAll hands over the items oldest first, wrapped or not, and leaves the log as new")
    func removeAll() {
        for appended in [0, 3, 5, 7, 12] {
            var log = BoundedLog<Int>(capacity: 5)
            for i in 0..<appended { log.append(i) }
            let expected = Array(max(0, appended - 5)..<appended)
            #expect(Array(log) == expected)
            #expect(log.removeAll(reusing: [99, 98]) == expected, "\(appended) appended")
            #expect(log.isEmpty && log.dropped == 0 && log.totalAppended == 0)
            log.append(42)
            #expect(Array(log) == [42], "the reused storage starts empty")
        }
    }
}

