import ExchangeEngine
import FlowEngine
import Foundation
import Hummingbird
import Logging
import NIOCore
import OAuthCore
import Synchronization
import Testing

/// A tiny scripted HTTP server: each path answers as the test says.
final class ScriptedServer: Sendable {
    let task: Task<Void, any Error>
    let port: Int

    static func start(_ routes: @escaping @Sendable (String) async -> Response) async throws -> ScriptedServer {
        let responder = CallbackResponder<BasicRequestContext> { request, _ in await routes(request.uri.path) }
        let (stream, cont) = AsyncStream.makeStream(of: Int.self)
        var quiet = Logger(label: "scripted-server")
        quiet.logLevel = .critical
        let app = Application(responder: responder, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { cont.yield($0.localAddress?.port ?? 0) }, logger: quiet)
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var port = 0
        for await p in stream { port = p; break }
        return ScriptedServer(task: task, port: port)
    }

    private init(task: Task<Void, any Error>, port: Int) {
        self.task = task
        self.port = port
    }

    var base: String { "http://127.0.0.1:\(port)" }
    func stop() async { task.cancel(); _ = await task.result }

    static func json(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

func collect(_ bus: EventBus, _ stream: AsyncStream<FlowEvent>) async -> [FlowEvent] {
    bus.finish()
    var out: [FlowEvent] = []
    for await e in stream { out.append(e) }
    return out
}

@Suite("Exchange engine")
struct ExchangeTests {
    @Test("discovery falls back to RFC 8414 metadata and says so")
    func rfc8414Fallback() async throws {
        let holder = Mutex("")
        let server = try await ScriptedServer.start { path in
            let base = holder.withLock { $0 }
            if path == "/.well-known/oauth-authorization-server" {
                return ScriptedServer.json(#"{"issuer":"\#(base)","authorization_endpoint":"\#(base)/a","token_endpoint":"\#(base)/t"}"#)
            }
            return Response(status: .notFound)
        }
        holder.withLock { $0 = server.base }
        let bus = EventBus(), events = bus.subscribe()
        let client = HTTPProviderClient(timeout: .seconds(5))
        let m = try await client.discover(issuer: server.base, publisher: FlowPublisher(bus: bus, flowID: "f"))
        await client.shutdown()
        await server.stop()
        #expect(m.tokenEndpoint.absoluteString == server.base + "/t")
        let all = await collect(bus, events)
        #expect(all.contains { if case .finding(let f) = $0.payload { return f.code == "discovery.rfc8414" } else { return false } })
        #expect(all.filter { $0.type == "http.request" }.count == 2, "OIDC first, then RFC 8414")
    }

    @Test("metadata naming another issuer is rejected (RFC 8414 §3.3)")
    func issuerMismatch() async throws {
        let server = try await ScriptedServer.start { _ in
            ScriptedServer.json(#"{"issuer":"https://evil.example","authorization_endpoint":"https://evil.example/a","token_endpoint":"https://evil.example/t"}"#)
        }
        let client = HTTPProviderClient(timeout: .seconds(5))
        do {
            _ = try await client.discover(issuer: server.base, publisher: FlowPublisher(bus: EventBus(), flowID: "f"))
            Issue.record("accepted metadata for another issuer")
        } catch {
            #expect(error.failed.reason.contains("RFC 8414 §3.3"))
        }
        await client.shutdown()
        await server.stop()
    }

    @Test("the token request and response are captured exactly, secrets redacted")
    func capture() async throws {
        let server = try await ScriptedServer.start { _ in
            ScriptedServer.json(#"{"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"Bearer","expires_in":3600}"#)
        }
        let bus = EventBus(), events = bus.subscribe()
        let client = HTTPProviderClient(timeout: .seconds(5))
        let spec = TokenRequestBuilder(tokenEndpoint: URL(string: server.base + "/token")!, credentials: ClientCredentials(clientID: "c", clientSecret: Secret("7Fjfp0ZBr1KtDRbnfVdmIw"), method: .clientSecretPost))
            .authorizationCode(code: "SplxlOBeZQQYbYS6WxSbIA", redirectURI: "http://127.0.0.1/cb", codeVerifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        let outcome = await client.send(spec, purpose: "token", publisher: FlowPublisher(bus: bus, flowID: "f"))
        await client.shutdown()
        await server.stop()
        guard case .response(200, _, let body, _) = outcome else { Issue.record("\(outcome)"); return }
        #expect(body.contains("2YotnFZFEjr1zCsicMWpAA"))
        let all = await collect(bus, events)
        guard case .tokenRequest(let req)? = all.first?.payload, case .tokenResponse(let resp)? = all.last?.payload else { Issue.record("\(all.map(\.type))"); return }
        #expect(req.method == "POST" && req.url == server.base + "/token")
        #expect(req.body.clear == spec.body)
        for secret in ["SplxlOBeZQQYbYS6WxSbIA", "7Fjfp0ZBr1KtDRbnfVdmIw", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"] {
            #expect(!req.body.redacted.contains(secret))
        }
        #expect(resp.status == 200)
        #expect(!resp.body.redacted.contains("2YotnFZFEjr1zCsicMWpAA"))
        #expect(resp.elapsedMs >= 0)
    }

    @Test("an unreachable host, a timeout and a 5xx are clear outcomes, never crashes")
    func failures() async throws {
        let server = try await ScriptedServer.start { path in
            if path == "/slow" { try? await Task.sleep(for: .seconds(5)); return ScriptedServer.json("{}") }
            return Response(status: .badGateway, headers: [.contentType: "text/html"], body: .init(byteBuffer: ByteBuffer(string: "<h1>Bad gateway</h1>")))
        }
        let client = HTTPProviderClient(timeout: .milliseconds(300))
        let publisher = FlowPublisher(bus: EventBus(), flowID: "f")
        func spec(_ url: String) -> HTTPRequestSpec { HTTPRequestSpec(method: "POST", url: URL(string: url)!, headers: [], body: "x=1") }
        let refused = await client.send(spec("http://127.0.0.1:9/token"), purpose: "token", publisher: publisher)
        let slow = await client.send(spec(server.base + "/slow"), purpose: "token", publisher: publisher)
        let bad = await client.send(spec(server.base + "/token"), purpose: "token", publisher: publisher)
        await client.shutdown()
        await server.stop()
        guard case .failure(let r1, _) = refused else { Issue.record("\(refused)"); return }
        #expect(r1.contains("refused") || r1.contains("unreachable"), "\(r1)")
        guard case .failure(let r2, _) = slow else { Issue.record("\(slow)"); return }
        #expect(r2.contains("no response headers within 0.3 s"), "\(r2)")
        guard case .response(502, _, let body, _) = bad else { Issue.record("\(bad)"); return }
        guard case .invalid(let reason, _, _) = TokenResponseParser.parse(status: 502, headers: [FormField("Content-Type", "text/html")], body: body) else { Issue.record("502 parsed as something else"); return }
        #expect(reason.contains("502"))
    }
}
