import FlowEngine
import Foundation
import MockProvider
import OAuthCore
import Settings

/// The embedded provider as `demo` and `doctor --demo` start it: the demo client registered for the redirect URI,
/// the personality's client authentication, and the settings layers that point a flow at it. With a personality,
/// the real preset runs against the imitation: the same settings path a `flow --preset` takes.
struct EmbeddedProvider {
    let server: MockProviderServer
    let base: URL
    let personality: MockPersonality?
    /// The preset chosen for the personality (a flag-level layer).
    let chosen: SettingsLayer
    /// The demo's defaults with the embedded client, its secret, its issuer and any header the personality needs.
    let defaults: SettingsLayer

    /// Starts it. `configure` stages the rest (faults, signing algorithm, a lesson) before the server starts.
    static func start(personality: MockPersonality?, registeredRedirectURI: String, defaults: SettingsLayer,
                      configure: (inout MockProviderConfiguration) -> Void) async throws -> EmbeddedProvider {
        var providerConfig = MockProviderConfiguration()
        let persona = personality ?? .oidc
        providerConfig.personality = persona
        let presetAuth = ProviderPresets.named(persona.rawValue)?.tokenAuth ?? .clientSecretBasic
        providerConfig.clients = [MockClient(id: MockClient.demo.id, secret: MockClient.demo.secret, redirectURIs: [registeredRedirectURI],
                                             authMethod: personality == nil ? .clientSecretBasic : presetAuth)]
        configure(&providerConfig)
        let server = MockProviderServer(configuration: providerConfig)
        let base: URL
        do { base = try await server.start() } catch { throw UsageError("the embedded provider could not start: \(error)") }
        var demoDefaults = defaults
        demoDefaults.set(.clientID, MockClient.demo.id)
        demoDefaults.set(.clientSecret, MockClient.demo.secret)
        if persona == .oidc { demoDefaults.set(.issuer, base.absoluteString) }
        var chosen = SettingsLayer(.flag)
        if let personality {
            chosen.set(.preset, personality.rawValue)
            if ProviderPresets.named(persona.rawValue)?.requiredTokenHeaders.contains(where: { $0.lowercased() == "x-api-key" }) == true {
                demoDefaults.set(.tokenHeaders, pairs: [FormField("x-api-key", providerConfig.apiKey)])
            }
        }
        return EmbeddedProvider(server: server, base: base, personality: personality, chosen: chosen, defaults: demoDefaults)
    }

    /// The base URL rebases a preset's endpoints onto the imitation; the plain embedded provider is found by discovery.
    var rebase: URL? { personality == nil ? nil : base }

    /// How the provider is named on screen.
    var label: String {
        personality.map { "embedded provider imitating \($0.displayName) at \(base.absoluteString)" } ?? "embedded provider at \(base.absoluteString)"
    }
}
