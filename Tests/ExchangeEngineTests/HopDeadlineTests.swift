import ExchangeEngine
import FlowEngine
import Foundation
import Hummingbird
import NIOCore
import OAuthCore
import Synchronization
import Testing

/// One deadline per hop covers connect, headers and the whole body; the body is capped; a redirect is a finding and
/// fails the hop. Each test points the client at a scripted server that misbehaves in one way.
@Suite("Hop deadlines, body cap and redirects")
struct HopDeadlineTests {
    /// Headers and `first`, then nothing until the test ends the server.
    static func stalling(_ first: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody { writer in
            try await writer.write(ByteBuffer(string: first))
            try await Task.sleep(for: .seconds(60))
        })
    }

    static func spec(_ url: String) -> HTTPRequestSpec {
        HTTPRequestSpec(method: "POST", url: URL(string: url)!, headers: [FormField("Content-Type", "application/x-www-form-urlencoded")], body: "grant_type=authorization_code&code=x")
    }

    @Test("headers and one byte, then silence: the hop fails at its deadline, saying the body never completed and how much came")
    func stalledBody() async throws {
        let server = try await ScriptedServer.start { _ in Self.stalling("{") }
        let client = HTTPProviderClient(timeout: .milliseconds(1500))
        let outcome = await client.send(Self.spec(server.base + "/token"), purpose: "token", publisher: FlowPublisher(bus: EventBus(), flowID: "f"))
        await client.shutdown()
        await server.stop()
        guard case .failure(let reason, let hint) = outcome else { Issue.record("\(outcome)"); return }
        #expect(reason.contains("token endpoint at 127.0.0.1:\(server.port): no complete body within 1.5 s (received 1 byte)"), "\(reason)")
        #expect(hint.contains("--http-timeout"))
    }

    @Test("the deadline names the endpoint of each purpose")
    func purposes() async throws {
        let server = try await ScriptedServer.start { _ in Self.stalling("{\"keys\":") }
        let client = HTTPProviderClient(timeout: .seconds(2))
        let outcome = await client.send(Self.spec(server.base + "/userinfo"), purpose: "userinfo", publisher: FlowPublisher(bus: EventBus(), flowID: "f"))
        await client.shutdown()
        await server.stop()
        guard case .failure(let reason, _) = outcome else { Issue.record("\(outcome)"); return }
        #expect(reason.hasPrefix("userinfo endpoint at "), "\(reason)")
        #expect(reason.contains("(received 8 bytes)"), "\(reason)")
    }

    @Test("a body over the cap fails the hop and says so, however fast it comes")
    func bodyCap() async throws {
        let big = String(repeating: "a", count: 5000)
        let server = try await ScriptedServer.start { _ in ScriptedServer.json("\"" + big + "\"") }
        let client = HTTPProviderClient(timeout: .seconds(10), maxBodyBytes: 1024)
        let outcome = await client.send(Self.spec(server.base + "/token"), purpose: "token", publisher: FlowPublisher(bus: EventBus(), flowID: "f"))
        let fits = HTTPProviderClient(timeout: .seconds(10), maxBodyBytes: 5002)
        let whole = await fits.send(Self.spec(server.base + "/token"), purpose: "token", publisher: FlowPublisher(bus: EventBus(), flowID: "f"))
        await client.shutdown()
        await fits.shutdown()
        await server.stop()
        guard case .failure(let reason, _) = outcome else { Issue.record("\(outcome)"); return }
        #expect(reason.contains("the body is larger than 1 KiB"), "\(reason)")
        guard case .response(200, _, let body, _) = whole else { Issue.record("\(whole)"); return }
        #expect(body.utf8.count == 5002)
    }

    @Test("a body that never ends fails at the cap or the deadline, never holding the hop")
    func endlessBody() async throws {
        let server = try await ScriptedServer.start { _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody { writer in
                let chunk = ByteBuffer(repeating: UInt8(ascii: "a"), count: 16 * 1024)
                while true { try await writer.write(chunk) }
            })
        }
        let client = HTTPProviderClient(timeout: .seconds(30), maxBodyBytes: 256 * 1024)
        let outcome = await client.send(Self.spec(server.base + "/token"), purpose: "token", publisher: FlowPublisher(bus: EventBus(), flowID: "f"))
        await client.shutdown()
        await server.stop()
        guard case .failure(let reason, _) = outcome else { Issue.record("\(outcome)"); return }
        #expect(reason.contains("the body is larger than 256 KiB"), "\(reason)")
    }

    @Test("a 3xx from a back-channel endpoint is not followed: a finding, the response captured, the hop failed")
    func redirect() async throws {
        let followed = Mutex(false)
        let server = try await ScriptedServer.start { path in
            if path == "/elsewhere" {
                followed.withLock { $0 = true }
                return ScriptedServer.json(#"{"access_token":"x","token_type":"Bearer"}"#)
            }
            return Response(status: .found, headers: [.location: "/elsewhere"])
        }
        let bus = EventBus(), events = bus.subscribe()
        let client = HTTPProviderClient(timeout: .seconds(5))
        let outcome = await client.send(Self.spec(server.base + "/token"), purpose: "token", publisher: FlowPublisher(bus: bus, flowID: "f"))
        await client.shutdown()
        await server.stop()
        let all = await collect(bus, events)
        guard case .failure(let reason, _) = outcome else { Issue.record("\(outcome)"); return }
        #expect(reason.contains("answered HTTP 302 to /elsewhere"), "\(reason)")
        #expect(reason.contains("not followed"))
        #expect(!followed.withLock { $0 })
        #expect(all.contains { if case .tokenResponse(let r) = $0.payload { return r.status == 302 } else { return false } })
        let findings = all.compactMap { if case .finding(let f) = $0.payload { return f } else { return nil } }
        #expect(findings.map(\.code) == ["http.redirect_refused"])
        #expect(findings.first?.severity == .error)
        #expect(findings.first?.ref?.contains("RFC 6749 §3.2") == true)
        #expect(findings.first?.step == "exchange")
    }

    @Test("cancelling the task that waits on a hop ends the hop at once, whatever the server does")
    func cancellation() async throws {
        let server = try await ScriptedServer.start { _ in Self.stalling("{") }
        let client = HTTPProviderClient(timeout: .seconds(3600))
        let url = server.base + "/token"
        let started = AsyncStream.makeStream(of: Void.self)
        let hop = Task {
            started.continuation.yield()
            return await client.send(Self.spec(url), purpose: "token", publisher: FlowPublisher(bus: EventBus(), flowID: "f"))
        }
        for await _ in started.stream { break }
        hop.cancel()
        let outcome = await hop.value
        await client.shutdown()
        await server.stop()
        guard case .failure(let reason, _) = outcome else { Issue.record("\(outcome)"); return }
        #expect(reason.contains("cancelled"), "\(reason)")
    }
}
