import Foundation
import OAuthCore

// The grants that go straight to the token endpoint: client credentials (RFC 6749 §4.4), refresh token
// (RFC 6749 §6) and token exchange (RFC 8693).
extension FlowController {
    func runDirectGrant(_ grant: GrantType) async throws(FlowFailure) -> TokenSession? {
        throw FlowFailure("--grant \(grant.rawValue) is not available in this build", hint: "Use --grant authorization-code.")
    }
}
