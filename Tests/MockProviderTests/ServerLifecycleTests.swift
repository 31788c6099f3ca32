import AsyncHTTPClient
import Foundation
import Testing
@testable import MockProvider

@Suite("Starting and stopping the provider")
struct ServerLifecycleTests {
    @Test("a busy port is a clear error, and stop releases the port")
    func busyPortAndStop() async throws {
        let first = MockProviderServer(configuration: MockProviderConfiguration())
        let issuer = try await first.start()
        #expect(first.issuer == issuer)
        let port = try #require(issuer.port)
        #expect(port > 0)

        var configuration = MockProviderConfiguration()
        configuration.port = port
        let second = MockProviderServer(configuration: configuration)
        await #expect(throws: MockProviderError.portInUse(host: "127.0.0.1", port: port)) {
            _ = try await second.start()
        }
        #expect(second.issuer == nil)

        await first.stop()
        #expect(first.issuer == nil)

        // The port is free again: the second server can now take it.
        let reissued = try await second.start()
        #expect(reissued.absoluteString == "http://127.0.0.1:\(port)")
        await second.stop()
    }

    @Test("starting twice is refused")
    func startTwice() async throws {
        let server = MockProviderServer(configuration: MockProviderConfiguration())
        _ = try await server.start()
        await #expect(throws: MockProviderError.alreadyStarted) { _ = try await server.start() }
        await server.stop()
    }
}
