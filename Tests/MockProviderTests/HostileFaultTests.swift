import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OAuthCore
import Synchronization
import Testing
@testable import MockProvider

#if canImport(Glibc)
import Glibc
#endif

/// The hostile faults must put exactly their attack on the wire: numbers past any integer, terminal escapes, a body
/// that stalls, never ends or nests without end, headers that never finish, a redirect. The tests read the raw
/// answer, without the client's parsers, since those are what the faults attack.
@Suite("Hostile faults")
struct HostileFaultTests {
    static func faulty(_ faults: Set<MockFault>) -> (inout MockProviderConfiguration) -> Void {
        FaultTests.faulty(faults)
    }

    /// The claims of a JWT as plain JSON, without the checks a relying party makes.
    static func rawClaims(_ token: String) throws -> JSONValue {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        try #require(parts.count == 3)
        let data = try #require(Base64URL.decode(parts[1]))
        return try #require(JSONValue.parse(String(decoding: data, as: UTF8.self)))
    }

    /// `POST /token` with a body that names no code: the transport faults answer before reading it.
    static func tokenRequest(_ url: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(string: "grant_type=authorization_code&code=x"))
        return request
    }

    @Test("the hostile faults are listed with the others, each with its own summary")
    func listed() {
        let hostile: [MockFault] = [.hugeNumbers, .escapeSequences, .stalledBody, .endlessBody, .deepJSON, .slowHeaders, .redirectFromTokenEndpoint]
        let names = ["huge-numbers", "escape-sequences", "stalled-body", "endless-body", "deep-json", "slow-headers", "redirect-from-token-endpoint"]
        #expect(hostile.map(\.rawValue) == names)
        for fault in hostile {
            #expect(MockFault.allCases.contains(fault))
            #expect(MockFault(name: fault.rawValue) == fault)
        }
        #expect(Set(hostile.map(\.summary)).count == hostile.count)
    }

    // MARK: - Numbers and text

    @Test("huge-numbers: expires_in, and the ID token's exp and iat, are 1e19; the rest of the response is normal")
    func hugeNumbers() async throws {
        try await ProviderHarness.with(Self.faulty([.hugeNumbers])) { h in
            let tokens = try await h.tokens()
            #expect(tokens["expires_in"] == .number(1e19))
            #expect(tokens["token_type"]?.stringValue == "Bearer")
            let claims = try Self.rawClaims(try #require(tokens["id_token"]?.stringValue))
            #expect(claims["exp"] == .number(1e19))
            #expect(claims["iat"] == .number(1e19))
            #expect(claims["sub"]?.stringValue == "alice")
            // Beyond what Int64 holds: a client that converts without a range check traps.
            #expect(MockFault.hugeNumber > Double(Int64.max))
        }
    }

    @Test("escape-sequences: token_type, scope, a header and ID-token claims carry ESC, OSC 0/52/8, C1 and bidi controls")
    func escapeSequences() async throws {
        let text = MockFault.hostileText
        for needle in ["\u{1B}]0;", "\u{1B}]52;", "\u{1B}]8;", "\u{1B}[2J", "\u{9B}", "\u{9D}", "\u{202E}", "\u{2066}"] {
            #expect(text.contains(needle), "\(needle.unicodeScalars.map { String($0.value, radix: 16) })")
        }
        try await ProviderHarness.with(Self.faulty([.escapeSequences])) { h in
            let authorization = ProviderHarness.Authorization()
            let reply = try await h.exchange(try await h.code(for: authorization), authorization)
            #expect(reply.status == 200)
            let tokens = try #require(reply.json)
            #expect(tokens["token_type"]?.stringValue == "Bearer" + text)
            #expect(tokens["scope"]?.stringValue == "openid profile email" + text)
            #expect(tokens["access_token"]?.stringValue?.isEmpty == false)
            let header = try #require(reply.header("x-provider-note"))
            #expect(header.unicodeScalars.contains("\u{9B}"))
            #expect(header.unicodeScalars.contains("\u{202E}"))
            let claims = try Self.rawClaims(try #require(tokens["id_token"]?.stringValue))
            #expect(claims["name"]?.stringValue == "Alice" + text)
            #expect(claims["note"]?.stringValue == text)
        }
    }

    @Test("escape-sequences: an error_description carries them too")
    func escapeSequencesInErrors() async throws {
        try await ProviderHarness.with(Self.faulty([.escapeSequences, .tokenErrorWith200])) { h in
            let authorization = ProviderHarness.Authorization()
            let reply = try await h.exchange(try await h.code(for: authorization), authorization)
            let description = try #require(reply.json?["error_description"]?.stringValue)
            #expect(description.hasSuffix(MockFault.hostileText))
            #expect(reply.json?["error"]?.stringValue == "invalid_grant")
        }
    }

    @Test("deep-json: the token response is 200,000 [ and nothing else")
    func deepJSON() async throws {
        try await ProviderHarness.with(Self.faulty([.deepJSON])) { h in
            let reply = try await h.postForm("/token", [("grant_type", "authorization_code"), ("code", "x")])
            #expect(reply.status == 200)
            #expect(reply.header("content-type") == "application/json")
            #expect(reply.body.utf8.count == MockFault.deepJSONDepth)
            #expect(reply.body.allSatisfy { $0 == "[" })
        }
    }

    @Test("redirect-from-token-endpoint: 302 to another host")
    func redirect() async throws {
        try await ProviderHarness.with(Self.faulty([.redirectFromTokenEndpoint])) { h in
            let authorization = ProviderHarness.Authorization()
            let reply = try await h.exchange(try await h.code(for: authorization), authorization)
            #expect(reply.status == 302)
            #expect(reply.header("location") == MockFault.redirectTarget)
            #expect(URL(string: MockFault.redirectTarget)?.host != h.issuer.host)
        }
    }

    // MARK: - Bodies and heads that never end

    @Test("stalled-body: headers and one byte, then nothing until the provider stops; the response never completes")
    func stalledBody() async throws {
        var configuration = MockProviderConfiguration()
        Self.faulty([.stalledBody])(&configuration)
        let server = MockProviderServer(configuration: configuration)
        let issuer = try await server.start()
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let response = try await client.execute(Self.tokenRequest(issuer.absoluteString + "/token"), timeout: .seconds(30))
        #expect(response.status == .ok)
        #expect(response.headers["content-length"].isEmpty)
        let received = Mutex<[UInt8]>([])
        let firstByte = AsyncStream.makeStream(of: Void.self)
        let reader = Task { () -> Bool in
            do {
                for try await part in response.body {
                    received.withLock { $0 += Array(buffer: part) }
                    firstByte.continuation.yield()
                }
                return true
            } catch {
                return false
            }
        }
        for await _ in firstByte.stream { break }
        // Give a misbehaving server room to send more before it is stopped; what is checked is what arrived.
        try await Task.sleep(for: .milliseconds(500))
        await server.stop()
        let endedCleanly = await reader.value
        try await client.shutdown()
        #expect(received.withLock { $0 } == Array("{".utf8))
        #expect(!endedCleanly, "the body must not end as if it were complete")
    }

    @Test("endless-body: the body goes on far past any sane cap")
    func endlessBody() async throws {
        try await ProviderHarness.with(Self.faulty([.endlessBody])) { h in
            let response = try await h.client.execute(Self.tokenRequest(h.base + "/token"), timeout: .seconds(30))
            #expect(response.status == .ok)
            var prefix = ""
            var total = 0
            for try await part in response.body {
                if prefix.isEmpty { prefix = String(buffer: part) }
                total += part.readableBytes
                if total > 16 * 1024 * 1024 { break }
            }
            #expect(prefix.hasPrefix("{\"access_token\":\""))
            #expect(total > 16 * 1024 * 1024)
        }
    }

    @Test("slow-headers: the metadata's token endpoint sends its head one byte at a time, and the head never ends")
    func slowHeaders() async throws {
        try await ProviderHarness.with(Self.faulty([.slowHeaders])) { h in
            let metadata = try #require(try await h.get("/.well-known/openid-configuration").json)
            let endpoint = try #require(metadata["token_endpoint"]?.stringValue.flatMap(URL.init(string:)))
            #expect(endpoint.host == h.issuer.host)
            #expect(endpoint.port != h.issuer.port)
            let port = try #require(endpoint.port)

            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            try #require(fd >= 0)
            defer { close(fd) }
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
            let connected = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            try #require(connected == 0)
            let request = Array("POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n".utf8)
            _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            // Each read gets one byte: the server never sends two at once.
            var head: [UInt8] = []
            var readSizes: [Int] = []
            var buffer = [UInt8](repeating: 0, count: 256)
            while head.count < 20 {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                try #require(n > 0)
                readSizes.append(n)
                head += buffer[0..<n]
            }
            #expect(readSizes.allSatisfy { $0 == 1 })
            #expect(String(decoding: head, as: UTF8.self) == "HTTP/1.1 200 OK\r\nCon")
            // The head is endless: whatever line comes next is another header, never the blank line.
            #expect(SlowHeadersServer.headBytes(line: 1) == Array("X-Trickle-1: slow\r\n".utf8))
            #expect(!(0..<50).map { String(decoding: SlowHeadersServer.headBytes(line: $0), as: UTF8.self) }.joined().contains("\r\n\r\n"))
        }
    }

    @Test("slow-headers: stopping the provider ends a trickle under way: the connection closes")
    func slowHeadersEndOnStop() async throws {
        var configuration = MockProviderConfiguration()
        Self.faulty([.slowHeaders])(&configuration)
        let server = MockProviderServer(configuration: configuration)
        let issuer = try await server.start()
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let metadata = try await client.execute(HTTPClientRequest(url: issuer.absoluteString + "/.well-known/openid-configuration"), timeout: .seconds(30))
        let document = JSONValue.parse(String(buffer: try await metadata.body.collect(upTo: 1 << 20)))
        try await client.shutdown()
        let port = try #require(document?["token_endpoint"]?.stringValue.flatMap(URL.init(string:))?.port)

        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(connected == 0)
        // A guard against hanging the test run if the trickle never ended; the assertion is on what recv returns.
        var guardTime = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &guardTime, socklen_t(MemoryLayout<timeval>.size))
        var byte: UInt8 = 0
        #expect(recv(fd, &byte, 1, 0) == 1)
        await server.stop()
        var buffer = [UInt8](repeating: 0, count: 4096)
        var last = 1
        while last > 0 { last = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) } }
        #expect(last == 0, "the connection must be closed (recv returned \(last), errno \(errno))")
    }

    @Test("slow-headers: the provider's own token path, which presets call, sends nothing until the provider stops")
    func slowHeadersOwnTokenEndpoint() async throws {
        var configuration = MockProviderConfiguration()
        Self.faulty([.slowHeaders])(&configuration)
        let server = MockProviderServer(configuration: configuration)
        let issuer = try await server.start()
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let answered = Mutex(false)
        let request = Task { () -> Bool in
            do {
                _ = try await client.execute(Self.tokenRequest(issuer.absoluteString + "/token"), timeout: .seconds(60))
                answered.withLock { $0 = true }
                return true
            } catch {
                return false
            }
        }
        // Give a misbehaving server room to answer before it is stopped; what is checked is that nothing came.
        try await Task.sleep(for: .milliseconds(500))
        let early = answered.withLock { $0 }
        await server.stop()
        _ = await request.value
        try await client.shutdown()
        #expect(!early, "the token path answered while the fault was on")
    }
}
