import Foundation
import OAuthCore

// The device authorization grant (RFC 8628): device code issued, user verifies, polling, token exchanged.
extension FlowController {
    func runDeviceGrant() async throws(FlowFailure) -> TokenSession? {
        throw FlowFailure("--grant device is not available in this build", hint: "Use --grant authorization-code.")
    }
}
