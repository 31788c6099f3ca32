import ExchangeEngine
import FlowEngine
import Foundation
import MockProvider
import OAuthCore
import Testing

/// Whole flows against the embedded provider's hostile transport faults: each fails the exchange with a reason that
/// names what happened, and nothing hangs past the hop's deadline.
@Suite("Hostile provider: the flow survives and says what happened")
struct HostileProviderTests {
    func run(_ fault: MockFault, httpTimeout: Duration = .seconds(1)) async throws -> (FlowResult, [FlowEvent]) {
        let h = try await Harness(httpTimeout: httpTimeout) { $0.faults = [fault] }
        let browser = SimulatedBrowser(redirectURI: h.redirectURI)
        let out = await h.run(h.configuration(), agent: browser)
        await browser.shutdown()
        await h.stop()
        return out
    }

    static let transport: [(MockFault, String)] = [
        (.stalledBody, "no complete body within 1 s (received 1 byte)"),
        (.slowHeaders, "no response headers within 1 s"),
        (.endlessBody, "the body is larger than 4 MiB"),
        (.redirectFromTokenEndpoint, "answered HTTP 302 to \(MockFault.redirectTarget)"),
    ]

    @Test("a token endpoint that stalls, trickles, never ends or redirects fails the exchange with a reason naming it", arguments: transport)
    func transportFault(_ fault: MockFault, _ expected: String) async throws {
        let (result, events) = try await run(fault)
        guard case .failed(let f) = result else { Issue.record("\(fault.rawValue) completed"); return }
        #expect(f.reason.contains("token endpoint"), "\(f.reason)")
        #expect(f.reason.contains(expected), "\(fault.rawValue): \(f.reason)")
        #expect(f.step == "exchange")
        #expect(!events.contains { $0.type == "token.exchanged" })
    }

    @Test("the redirect is a finding, and nothing is sent where it points")
    func redirectFinding() async throws {
        let (_, events) = try await run(.redirectFromTokenEndpoint)
        #expect(events.contains { if case .finding(let f) = $0.payload { return f.code == "http.redirect_refused" } else { return false } })
        let target = try #require(URL(string: MockFault.redirectTarget)?.host)
        #expect(!events.contains {
            switch $0.payload {
            case .httpRequest(let r), .tokenRequest(let r): return r.url.contains(target)
            default: return false
            }
        })
    }

    @Test("a token response nested 200,000 deep fails the exchange as an invalid response")
    func deepJSON() async throws {
        let (result, _) = try await run(.deepJSON, httpTimeout: .seconds(10))
        guard case .failed(let f) = result else { Issue.record("completed"); return }
        #expect(f.step == "exchange")
    }
}
