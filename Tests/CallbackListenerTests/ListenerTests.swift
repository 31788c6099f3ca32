import AsyncHTTPClient
import CallbackListener
import FlowEngine
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOHTTP1
import OAuthCore
import Testing

/// The real listener on a free loopback port, with a real HTTP client.
struct ListenerHarness {
    let bus = EventBus()
    let events: AsyncStream<FlowEvent>
    let registry: CallbackRegistry
    let listener: CallbackListenerServer
    let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))

    init(redirect: String = "http://127.0.0.1:0/callback", forward: URL? = nil, registry: CallbackRegistry? = nil, configure: (inout ListenerConfiguration) -> Void = { _ in }) async throws {
        events = bus.subscribe(bufferSize: 10_000)
        self.registry = registry ?? CallbackRegistry(callbackPath: "/callback", defaultFlowID: "f")
        var configuration = ListenerConfiguration(redirectURI: redirect, forward: forward)
        configure(&configuration)
        listener = CallbackListenerServer(configuration: configuration, registry: self.registry, bus: bus)
        _ = try await listener.start()
    }

    var base: String { "http://127.0.0.1:\(listener.port)" }

    func get(_ pathAndQuery: String, method: HTTPMethod = .GET, body: String? = nil, contentType: String? = nil, headers: [(String, String)] = []) async throws -> (status: Int, headers: HTTPHeaders, body: String) {
        var req = HTTPClientRequest(url: base + pathAndQuery)
        req.method = method
        if let body { req.body = .bytes(ByteBuffer(string: body)) }
        if let contentType { req.headers.add(name: "Content-Type", value: contentType) }
        for (name, value) in headers { req.headers.replaceOrAdd(name: name, value: value) }
        do {
            let resp = try await http.execute(req, timeout: .seconds(30))
            let text = String(buffer: try await resp.body.collect(upTo: 1 << 20))
            return (Int(resp.status.code), resp.headers, text)
        } catch {
            // A failed request ends the test: shut the client down here, or its deinit traps and takes every
            // other test of the run with it.
            await listener.stop()
            try? await http.shutdown()
            throw error
        }
    }

    func stop() async -> [FlowEvent] {
        await listener.stop()
        try? await http.shutdown()
        bus.finish()
        var out: [FlowEvent] = []
        for await e in events { out.append(e) }
        return out
    }
}

func callbacks(_ events: [FlowEvent]) -> [CallbackReceived] {
    events.compactMap { if case .callbackReceived(let c) = $0.payload { return c } else { return nil } }
}

@Suite("Callback listener")
struct ListenerTests {
    @Test("a callback for a waiting flow is accepted, delivered, and answered with a static, uncacheable page")
    func accepted() async throws {
        let h = try await ListenerHarness()
        let waiting = h.registry.expect(flowID: "f", state: "s-1")
        let r = try await h.get("/callback?code=abc&state=s-1&echo=%3Cb%3Ehello")
        var outcome: CallbackOutcome?
        for await o in waiting { outcome = o }
        let events = await h.stop()
        #expect(r.status == 200)
        #expect(r.headers.first(name: "cache-control") == "no-store")
        #expect(r.headers.first(name: "referrer-policy") == "no-referrer")
        #expect(!r.body.contains("hello") && !r.body.contains("abc"), "nothing from the request is echoed")
        guard case .code("abc", _)? = outcome else { Issue.record("\(String(describing: outcome))"); return }
        #expect(callbacks(events).map(\.verdict) == [.accepted])
        #expect(callbacks(events).first?.remote.hasPrefix("127.0.0.1:") == true)
    }

    @Test("the peer is written as address:port, an IPv4 one from its bytes the same as the general formatting gives")
    func remoteText() throws {
        for (ip, port) in [("127.0.0.1", 54321), ("0.0.0.0", 0), ("255.255.255.255", 65535), ("10.1.20.254", 9), ("192.168.100.7", 8080)] {
            let address = try SocketAddress(ipAddress: ip, port: port)
            let general = try #require(address.ipAddress)
            #expect(CallbackListenerServer.remoteText(address) == "\(general):\(port)")
            #expect(CallbackListenerServer.remoteText(address) == "\(ip):\(port)")
        }
        #expect(CallbackListenerServer.remoteText(try SocketAddress(ipAddress: "::1", port: 8765)) == "[::1]:8765")
        #expect(CallbackListenerServer.remoteText(nil) == "unknown")
    }

    @Test("an error answer's page says what the known code means, and never echoes an unknown one")
    func errorPages() async throws {
        let h = try await ListenerHarness()
        let denied = h.registry.expect(flowID: "f1", state: "s-1")
        _ = h.registry.expect(flowID: "f2", state: "s-2")
        let deny = try await h.get("/callback?error=access_denied&error_description=Call%20this%20number&state=s-1")
        for await _ in denied {}
        let odd = try await h.get("/callback?error=evil_%3Cb%3Eworld&state=s-2")
        _ = await h.stop()
        #expect(deny.status == 200)
        #expect(deny.body.contains("Sign-in did not complete"))
        #expect(deny.body.contains("access_denied") && deny.body.contains("Deny was chosen"))
        #expect(!deny.body.contains("Call this number"), "the provider's description stays in the terminal")
        #expect(odd.body.contains("Sign-in did not complete"))
        #expect(!odd.body.contains("evil") && !odd.body.contains("world"))
    }

    @Test("another path gets 404 and a stray event, and the flow keeps waiting")
    func stray() async throws {
        let h = try await ListenerHarness()
        _ = h.registry.expect(flowID: "f", state: "s")
        let r = try await h.get("/favicon.ico")
        let waiting = h.registry.waitingFlows
        let events = await h.stop()
        #expect(r.status == 404)
        #expect(waiting == 1)
        #expect(callbacks(events).map(\.verdict) == [.stray])
    }

    @Test("a form_post response (POST body) is read like a query")
    func formPost() async throws {
        let h = try await ListenerHarness()
        let waiting = h.registry.expect(flowID: "f", state: "s-2")
        let r = try await h.get("/callback", method: .POST, body: "code=from-body&state=s-2", contentType: "application/x-www-form-urlencoded")
        var outcome: CallbackOutcome?
        for await o in waiting { outcome = o }
        _ = await h.stop()
        #expect(r.status == 200)
        guard case .code("from-body", _)? = outcome else { Issue.record("\(String(describing: outcome))"); return }
    }

    @Test("--forward answers with a 307 carrying the query intact")
    func forward() async throws {
        let h = try await ListenerHarness(forward: URL(string: "http://127.0.0.1:3000/app/cb")!)
        _ = h.registry.expect(flowID: "f", state: "s")
        let r = try await h.get("/callback?code=SplxlOBeZQQYbYS6WxSbIA&state=s")
        let events = await h.stop()
        #expect(r.status == 307)
        #expect(r.headers.first(name: "location") == "http://127.0.0.1:3000/app/cb?code=SplxlOBeZQQYbYS6WxSbIA&state=s")
        // The event says where the browser went, with the code redacted as everywhere else.
        let forwarded = callbacks(events).first?.forwarded
        #expect(forwarded?.hasPrefix("http://127.0.0.1:3000/app/cb?code=") == true)
        #expect(forwarded?.contains("SplxlOBeZQQYbYS6WxSbIA") == false)
        #expect(callbacks(events).first?.status == 307)
    }

    @Test("a busy port is a one-line error naming the port and the flag to change")
    func busyPort() async throws {
        let first = try await ListenerHarness()
        let port = first.listener.port
        let second = CallbackListenerServer(configuration: ListenerConfiguration(redirectURI: "http://127.0.0.1:\(port)/callback"), registry: CallbackRegistry(callbackPath: "/callback"), bus: EventBus())
        do {
            _ = try await second.start()
            Issue.record("a second listener bound the same port")
        } catch {
            #expect(error == .portInUse(host: "127.0.0.1", port: port))
            #expect(error.description.contains("--redirect-uri"))
            #expect(!error.description.contains("\n"))
        }
        _ = await first.stop()
    }

    @Test("a non-loopback redirect host is refused with RFC 8252 unless an address is given on purpose")
    func loopbackOnly() throws {
        #expect(throws: ListenerError.self) { try CallbackListenerServer.bindHosts(forRedirectHost: "example.com", listenAddress: nil) }
        #expect(try CallbackListenerServer.bindHosts(forRedirectHost: "localhost", listenAddress: nil) == ["127.0.0.1", "::1"])
        #expect(try CallbackListenerServer.bindHosts(forRedirectHost: "[::1]", listenAddress: nil) == ["::1"])
        #expect(try CallbackListenerServer.bindHosts(forRedirectHost: "example.com", listenAddress: "0.0.0.0") == ["0.0.0.0"])
    }

    @Test("localhost listens on 127.0.0.1 (and [::1] where the machine has IPv6)")
    func localhost() async throws {
        let l = CallbackListenerServer(configuration: ListenerConfiguration(redirectURI: "http://localhost:0/callback"), registry: CallbackRegistry(callbackPath: "/callback"), bus: EventBus())
        let addresses = try await l.start()
        await l.stop()
        #expect(addresses.first?.hasPrefix("127.0.0.1:") == true)
        #expect(addresses.allSatisfy { $0.hasPrefix("127.0.0.1:") || $0.hasPrefix("[::1]:") })
    }

    @Test("a Host that is not the redirect URI's is stray 421, shown, and the flow keeps waiting")
    func hostCheck() async throws {
        let h = try await ListenerHarness()
        _ = h.registry.expect(flowID: "f", state: "s")
        let r = try await h.get("/callback?code=abc&state=s", headers: [("Host", "evil.example")])
        let waiting = h.registry.waitingFlows
        let events = await h.stop()
        #expect(r.status == 421)
        #expect(waiting == 1)
        #expect(callbacks(events).map(\.verdict) == [.stray])
        #expect(callbacks(events).first?.detail?.contains("evil.example") == true)
    }

    @Test("a sub-resource load (an <img> pointing at the callback) is stray 403 and never judged as the callback")
    func subresource() async throws {
        let h = try await ListenerHarness()
        _ = h.registry.expect(flowID: "f", state: "s")
        let r = try await h.get("/callback?code=abc&state=s", headers: [("Sec-Fetch-Dest", "image")])
        let waiting = h.registry.waitingFlows
        let events = await h.stop()
        #expect(r.status == 403)
        #expect(waiting == 1)
        #expect(callbacks(events).map(\.status) == [403])
    }

    @Test("a form_post body over the limit gets 413 and a stray event, not a 500 and silence")
    func oversizedBody() async throws {
        let h = try await ListenerHarness()
        _ = h.registry.expect(flowID: "f", state: "s")
        let big = "code=x&state=s&pad=" + String(repeating: "a", count: 70 * 1024)
        let r = try await h.get("/callback", method: .POST, body: big, contentType: "application/x-www-form-urlencoded")
        let waiting = h.registry.waitingFlows
        let events = await h.stop()
        #expect(r.status == 413)
        #expect(waiting == 1)
        #expect(callbacks(events).map(\.verdict) == [.stray])
        #expect(callbacks(events).first?.status == 413)
        #expect(callbacks(events).first?.detail?.contains("64 KB") == true)
    }

    @Test("a connection that never sends a request head is closed after the idle timeout")
    func idleTimeout() async throws {
        let h = try await ListenerHarness { $0.idleTimeout = .milliseconds(300) }
        let closed = try await RawConnection.closesWithoutAnswer(port: h.listener.port, sending: "GET /callback?code=x")
        _ = await h.stop()
        #expect(closed, "the half-sent request's connection was closed by the listener")
    }

    @Test("stopping the listener lets the answer being written reach the browser")
    func gracefulStop() async throws {
        let h = try await ListenerHarness()
        let waiting = h.registry.expect(flowID: "f", state: "s")
        // Stop as soon as the flow hears of its callback, as the program does when a flow ends there.
        let stopper = Task {
            for await _ in waiting {}
            await h.listener.stop()
        }
        let r = try await h.get("/callback?error=access_denied&state=s")
        await stopper.value
        _ = await h.stop()
        #expect(r.status == 200)
        #expect(r.body.contains("Sign-in did not complete"))
    }
}

/// A plain TCP client for what HTTP clients will not do: send half a request and wait.
enum RawConnection {
    /// Sends `text` (no end of head) and reads until the server closes; true when it closed without answering.
    static func closesWithoutAnswer(port: Int, sending text: String) async throws -> Bool {
        await Task.detached {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { return false }
            defer { close(fd) }
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = in_port_t(UInt16(port).bigEndian)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &addr) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { return false }
            _ = text.withCString { send(fd, $0, strlen($0), 0) }
            // A receive timeout far above the listener's, so a listener that never closes fails the test.
            var tv = timeval(tv_sec: 20, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            var buffer = [UInt8](repeating: 0, count: 512)
            let n = recv(fd, &buffer, buffer.count, 0)
            return n == 0
        }.value
    }
}
