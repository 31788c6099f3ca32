import FlowEngine
import Foundation
import OAuthCore
import Settings
import Testing

@Suite struct GrantSettingsTests {
    func resolve(_ provider: [String], tuning: [String], grant: [String] = [], environment: [String: String] = [:]) throws(UsageError) -> ResolvedFlow {
        do {
            var l = try ProviderOptions.parse(provider).layer()
            for (s, v) in try FlowTuning.parse(tuning).layer().values { l[s] = v }
            for (s, v) in try GrantOptions.parse(grant).layer().values { l[s] = v }
            return try ResolvedFlow.resolve([l, SettingsLayer.defaults(for: .flow)], environment: environment)
        } catch let e as UsageError {
            throw e
        } catch {
            throw UsageError("\(error)")
        }
    }

    @Test func theAuthorizationCodeIsTheDefault() throws {
        let flow = try resolve(["--issuer", "https://id.example", "--client-id", "c"], tuning: [])
        #expect(flow.grant == .authorizationCode)
        #expect(flow.configuration(mode: "flow", redirectURI: Setting.defaultRedirectURI, reveal: false, serveActions: false).grant == .authorizationCode)
    }

    @Test func aGrantReachesTheControllersConfiguration() throws {
        let flow = try resolve(["--issuer", "https://id.example", "--client-id", "c"], tuning: ["--grant", "device"])
        #expect(flow.configuration(mode: "flow", redirectURI: Setting.defaultRedirectURI, reveal: false, serveActions: false).grant == .device)
    }

    /// A grant without a redirect needs the token endpoint only.
    @Test func aGrantWithoutRedirectNeedsOnlyTheTokenEndpoint() throws {
        #expect(throws: UsageError.self) { try resolve(["--token-url", "https://id.example/token", "--client-id", "c"], tuning: []) }
        let flow = try resolve(["--token-url", "https://id.example/token", "--client-id", "c", "--client-secret", "s"], tuning: ["--grant", "client-credentials"])
        #expect(flow.grant == .clientCredentials)
    }

    /// Every refusal a preset states reaches the user with its reason, and the grants it does not refuse run.
    @Test func presetsRefuseTheGrantsTheirProviderDoesNotOffer() throws {
        for preset in ProviderPresets.all {
            for grant in GrantType.allCases {
                var args = ["--preset", preset.name, "--client-id", "c", "--client-secret", "s"]
                for p in preset.parameters where p.defaultValue == nil { args += ["--preset-param", "\(p.name)=https://id.example"] }
                let tuning = ["--grant", grant.rawValue]
                if let why = preset.grantRefusals[grant] {
                    do {
                        _ = try resolve(args, tuning: tuning)
                        Issue.record("\(preset.name) ran --grant \(grant.rawValue), which it refuses")
                    } catch {
                        #expect(error.description.contains(why), "\(error.description)")
                        #expect(error.description.contains("--grant \(grant.rawValue)"))
                    }
                } else if preset.requiredTokenHeaders.isEmpty {
                    // Refresh and token exchange present a token, read from the environment here.
                    let tokens = ["--refresh-token-env", "T", "--subject-token-env", "T"]
                    #expect(try resolve(args, tuning: tuning, grant: tokens, environment: ["T": "token"]).grant == grant)
                }
            }
        }
        // The issue's list: device on GitHub, Microsoft and Google; client credentials on Bitbucket and Microsoft.
        for name in ["github", "microsoft", "google"] { #expect(ProviderPresets.named(name)?.refusal(of: .device) == nil) }
        for name in ["bitbucket", "microsoft"] { #expect(ProviderPresets.named(name)?.refusal(of: .clientCredentials) == nil) }
        #expect(ProviderPresets.named("github")?.refusal(of: .clientCredentials) != nil)
    }

    @Test func anUnknownGrantIsRefusedByTheParser() {
        #expect(throws: (any Error).self) { try FlowTuning.parse(["--grant", "implicit"]) }
    }
}
