import ExchangeEngine
import FlowEngine
import Foundation
import MockProvider
import OAuthCore
import Testing

/// Each fault the embedded provider can inject must fail exactly its own check, with a message that names it.
@Suite("Embedded provider faults against the client's checks")
struct FaultTests {
    func run(_ fault: MockFault) async throws -> (FlowResult, [FlowEvent]) {
        let h = try await Harness { $0.faults = [fault] }
        let browser = SimulatedBrowser(redirectURI: h.redirectURI)
        let out = await h.run(h.configuration(), agent: browser)
        await browser.shutdown()
        await h.stop()
        return out
    }

    func idTokenChecks(_ events: [FlowEvent]) -> [Check] {
        events.compactMap { if case .tokenExchanged(let x) = $0.payload { return x.idToken?.checks } else { return nil } }.first ?? []
    }

    static let idTokenFaults: [(MockFault, String)] = [
        (.badSignature, "signature"), (.algNone, "signature"), (.hmacKeyConfusion, "signature"), (.unknownKid, "signature"),
        (.wrongAudience, "aud"), (.wrongAuthorizedParty, "azp"), (.expiredIDToken, "exp"), (.issuedInFuture, "iat"),
        (.missingNonce, "nonce"), (.wrongNonce, "nonce"), (.wrongAtHash, "at_hash"), (.wrongIssuerInToken, "iss"),
    ]

    @Test("an ID-token fault fails exactly its check, and the flow names it", arguments: idTokenFaults)
    func idTokenFault(_ fault: MockFault, _ check: String) async throws {
        let (result, events) = try await run(fault)
        let failed = idTokenChecks(events).filter { !$0.ok }.map(\.name)
        #expect(failed == [check], "\(fault.rawValue): failed checks \(failed)")
        guard case .failed(let f) = result else { Issue.record("\(fault.rawValue) completed"); return }
        #expect(f.reason.contains("the \(check) check"), "\(f.reason)")
        #expect(f.step == "exchange")
    }

    @Test("a rotated key is found by fetching the JWKS once more, and every check passes")
    func rotatedKey() async throws {
        let (result, events) = try await run(.rotatedKey)
        #expect(result == .completed)
        #expect(idTokenChecks(events).filter { !$0.ok }.isEmpty)
        let jwksFetches = events.filter { if case .httpRequest(let r) = $0.payload { return r.purpose == "jwks" } else { return false } }
        #expect(jwksFetches.count == 2)
    }

    @Test("RFC 9207: a missing or foreign iss on the callback fails before any token request", arguments: [MockFault.missingIssParameter, .wrongIssParameter])
    func issParameter(_ fault: MockFault) async throws {
        let (result, events) = try await run(fault)
        guard case .failed(let f) = result else { Issue.record("\(fault.rawValue) completed"); return }
        #expect(f.reason.contains("iss check"))
        #expect(f.step == "callback")
        #expect(!events.contains { $0.type == "token.request" })
    }

    @Test("token response deviations are findings and the flow goes on", arguments: [(MockFault.expiresInString, "token.expires_in_string"), (.formEncodedTokenResponse, "token.form_encoded")])
    func deviations(_ fault: MockFault, _ code: String) async throws {
        let (result, events) = try await run(fault)
        #expect(result == .completed)
        #expect(events.contains { if case .finding(let f) = $0.payload { return f.code == code } else { return false } })
    }

    @Test("an error with HTTP 200 and a 500 page fail the exchange clearly")
    func tokenEndpointFailures() async throws {
        let (r1, e1) = try await run(.tokenErrorWith200)
        guard case .failed(let f1) = r1 else { Issue.record("completed"); return }
        #expect(f1.error != nil)
        #expect(e1.contains { if case .finding(let f) = $0.payload { return f.code == "token.error_with_success_status" } else { return false } })
        let (r2, _) = try await run(.serverError)
        guard case .failed(let f2) = r2 else { Issue.record("completed"); return }
        #expect(f2.reason.contains("500"))
    }
}
