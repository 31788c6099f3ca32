import ExchangeEngine
import FlowEngine
import Foundation
import OAuthCore
import Testing

/// The simulated browser loads pages one way for the demo's flow (`open`) and the doctor's probes (`authorize`):
/// the same refusals, in the same words.
@Suite("Simulated browser page loads")
struct SimulatedBrowserTests {
    static func failure(opening url: URL) async -> FlowFailure? {
        let browser = SimulatedBrowser(redirectURI: "http://127.0.0.1:1/callback")
        var failure: FlowFailure?
        do throws(FlowFailure) {
            try await browser.open(url) { _ in }
        } catch {
            failure = error
        }
        await browser.shutdown()
        return failure
    }

    static func answer(authorizing url: URL) async -> AuthorizationAnswer {
        let browser = SimulatedBrowser(redirectURI: "http://127.0.0.1:1/callback")
        let answer = await browser.authorize(url, choice: .approve, state: "s", publisher: FlowPublisher(bus: EventBus(), flowID: "f"))
        await browser.shutdown()
        return answer
    }

    @Test("a host that is not loopback is never visited, by either path, and both say so alike")
    func notLoopback() async throws {
        let url = try #require(URL(string: "https://provider.example/authorize?client_id=c"))
        let flow = try #require(await Self.failure(opening: url))
        #expect(flow.failed.reason == "the simulated browser only visits loopback hosts; provider.example is not one")
        #expect(flow.failed.hint?.contains("--browser") == true)
        #expect(await Self.answer(authorizing: url) == .failed(flow.failed.reason))
    }

    @Test("a loopback port with nobody listening fails both paths with the URL it could not load")
    func unreachable() async throws {
        let url = try #require(URL(string: "http://127.0.0.1:1/authorize"))
        let flow = try #require(await Self.failure(opening: url))
        #expect(flow.failed.reason.hasPrefix("the simulated browser could not load http://127.0.0.1:1/authorize: "))
        guard case .failed(let reason) = await Self.answer(authorizing: url) else {
            Issue.record("the doctor's path did not fail")
            return
        }
        #expect(reason.hasPrefix("the simulated browser could not load http://127.0.0.1:1/authorize: "))
    }
}
