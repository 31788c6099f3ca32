import FlowEngine
import Foundation
import OAuthCore
import Testing

@testable import TerminalUI

/// The first step shows where each setting came from, like `git config --show-origin`.
@Suite struct SettingsOriginTests {
    @Test func theFirstStepShowsEachSettingsSource() {
        var s = EventScript()
        s.add(.flowStarted(FlowStarted(mode: "flow", provider: "GitHub", clientID: "Iv1.abc", redirectURI: Fixture.redirectURI, settings: [
            SettingOrigin(name: "client_id", value: "Iv1.abc", source: "profile"),
            SettingOrigin(name: "timeout", value: "300", source: "flag"),
            SettingOrigin(name: "token_url", value: "https://github.com/login/oauth/access_token", source: "preset"),
        ])), after: 0)
        var ui = UIState.test
        ui.followsCurrentStep = false
        ui.selectedStep = .urlBuilt
        let lines = render(s.state, ui, width: 200, height: 80).text.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.contains("Where each setting came from") })
        for (name, source, value) in [("client_id", "profile", "Iv1.abc"), ("timeout", "flag", "300"), ("token_url", "preset", "https://github.com/login/oauth/access_token")] {
            #expect(lines.contains { $0.range(of: "\(name) +\(source) +\(value)", options: .regularExpression) != nil }, "\(name) row missing")
        }
    }

    @Test func aFlowWithoutSettingsShowsNoTable() {
        var s = EventScript()
        s.add(Fixture.started, after: 0)
        #expect(!render(s.state, width: 200, height: 80).text.contains("Where each setting came from"))
    }
}
