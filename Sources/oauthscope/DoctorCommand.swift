import ArgumentParser
import CallbackListener
import ExchangeEngine
import FlowEngine
import Foundation
import MockProvider
import OAuthCore
import Settings

/// `oauthscope doctor`: active probes that find what a provider gets wrong (ProbeCatalogue), each with its rule.
struct Doctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Active probes against a provider: what it gets wrong, each with the rule it breaks.",
        discussion: """
        Takes the provider options of 'flow' (--preset, --profile, --issuer, --authorize-url/--token-url, --client-id, \
        --client-secret-env, --redirect-uri, --browser). With --demo it probes the embedded provider with the simulated \
        browser, offline; --fault plants a weakness for a probe to find. Exit status: 0 nothing failed, 1 a probe \
        failed, 2 bad usage. Probes: \(ProbeCatalogue.all.map(\.id).joined(separator: ", ")).
        """)

    @OptionGroup var output: OutputOptions
    @OptionGroup var tuning: FlowTuning
    @OptionGroup var http: HTTPOptions
    @OptionGroup var providerOptions: ProviderOptions
    @OptionGroup var redirect: RedirectOptions

    @Flag(help: "Probe the embedded provider, with the simulated browser playing the user: no account, no network.")
    var demo = false

    @Option(help: ArgumentHelp("With --demo: plant a weakness in the embedded provider (repeatable), e.g. pkce-not-enforced.", valueName: "NAME"))
    var fault: [MockFault] = []

    @Option(help: ArgumentHelp("With --demo: have the embedded provider imitate a real one and probe it through its preset.", valueName: "NAME"))
    var personality: MockPersonality?

    func validate() throws {
        if !demo, !fault.isEmpty { throw ValidationError("--fault needs --demo: it plants a weakness in the embedded provider") }
        if !demo, personality != nil { throw ValidationError("--personality needs --demo") }
    }

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        let flags = [try providerOptions.layer(), try tuning.layer(), redirect.layer(), try http.layer()]
        let session = try Session(options: output, title: "oauthscope doctor")
        let flowID = "d" + SecureRandom.token(bytes: 4)
        let publisher = FlowPublisher(bus: session.bus, flowID: flowID)
        let reveal = output.reveal
        let resolvedOutput = output.resolvedOutput
        let code: Int32
        if demo {
            code = try await runDemo(session: session, publisher: publisher, flags: flags, environment: env, reveal: reveal, tui: resolvedOutput == .tui)
        } else {
            code = try await runReal(session: session, publisher: publisher, flags: flags, environment: env, reveal: reveal, tui: resolvedOutput == .tui)
        }
        throw ExitCode(code)
    }

    /// The embedded provider, probed by the simulated browser; nothing listens, since the browser stops at each
    /// redirect and reads it.
    private func runDemo(session: Session, publisher: FlowPublisher, flags: [SettingsLayer], environment env: [String: String], reveal: Bool, tui: Bool) async throws -> Int32 {
        var defaults = SettingsLayer.defaults(for: .demo)
        defaults.set(.scope, Demo.defaultScope)
        let merged = ResolvedSettings(flags + [try SettingsLayer.environment(env, for: .demo), defaults])
        let redirectURI = merged.text(.redirectURI) ?? Setting.defaultRedirectURI
        let faults = Set(fault)
        let embedded = try await EmbeddedProvider.start(personality: personality, registeredRedirectURI: merged.text(.registeredRedirectURI) ?? redirectURI,
                                                        defaults: defaults) { $0.faults = faults }
        let provider = embedded.server
        let resolved: ResolvedFlow
        do { resolved = try ResolvedFlow.resolve(flags + [embedded.chosen, try SettingsLayer.environment(env, for: .demo), embedded.defaults], rebase: embedded.rebase, environment: env) } catch {
            await provider.stop()
            throw error
        }
        var config = resolved.configuration(mode: "doctor", redirectURI: redirectURI, reveal: reveal, serveActions: false)
        config.providerLabel = embedded.label
        for f in fault.sorted(by: { $0.rawValue < $1.rawValue }) {
            publisher.publish(.finding(FindingCatalogue.demoFault.finding(f.rawValue, f.summary)))
        }
        let browser = SimulatedBrowser(redirectURI: redirectURI)
        let client = HTTPProviderClient(timeout: merged.httpTimeout ?? HTTPProviderClient.defaultTimeout)
        let runner = DoctorRunner(configuration: config, publisher: publisher, client: client, agent: browser, notApplicable: Self.notApplicable(preset: personality?.rawValue))
        let result = try await session.run({ Self.result(await runner.run()) }, readsStdinCommands: false)
        await client.shutdown()
        await browser.shutdown()
        await provider.stop()
        await session.finish()
        return result.exitCode
    }

    /// A real provider: the browser (or `BROWSER`) plays the user, and each redirect comes back to the listener.
    private func runReal(session: Session, publisher: FlowPublisher, flags: [SettingsLayer], environment env: [String: String], reveal: Bool, tui: Bool) async throws -> Int32 {
        let resolved = try ResolvedFlow.resolveAll(command: .flow, flags: flags, profiles: providerOptions.profile, configPath: output.configPath(env), environment: env,
                                                   rebase: providerOptions.presetBase.flatMap(URL.init(string:)))
        guard resolved.count == 1, let flow = resolved.first else { throw UsageError("--profile: the doctor probes one provider at a time; give one profile") }
        if flow.noBrowser { throw UsageError("--no-browser: the doctor needs a browser to send the user through each probe (--browser CMD or BROWSER)") }
        let parts: (scheme: String, host: String, port: Int, path: String)
        do { parts = try RedirectURI.parse(flow.redirectURI) } catch { throw UsageError(error.description) }
        let registry = CallbackRegistry(callbackPath: parts.path, defaultFlowID: publisher.flowID)
        let listener = CallbackListenerServer(configuration: ListenerConfiguration(redirectURI: flow.redirectURI, reveal: reveal), registry: registry, bus: session.bus)
        let addresses: [String]
        do { addresses = try await listener.start() } catch { throw UsageError(error.description) }
        var config = flow.configuration(mode: "doctor", redirectURI: listener.effectiveRedirectURI, reveal: reveal, serveActions: false)
        config.listenerAddresses = addresses
        publisher.publish(.listenerStarted(ListenerStarted(addresses: addresses, redirectURI: listener.effectiveRedirectURI)))
        let command = SystemBrowser.resolve(flag: flow.browser)
        let opener: @Sendable (UserChoice) -> any UserAgent = { choice in
            SystemBrowser(command: command, publisher: publisher, environment: ["OAUTHSCOPE_DOCTOR_CHOICE": choice.rawValue])
        }
        let agent = ListeningProbeAgent(registry: registry, opener: opener, flowID: publisher.flowID, redirectURI: listener.effectiveRedirectURI, wait: config.callbackTimeout)
        let client = HTTPProviderClient(timeout: flow.settings.httpTimeout ?? HTTPProviderClient.defaultTimeout)
        let runner = DoctorRunner(configuration: config, publisher: publisher, client: client, agent: agent, notApplicable: Self.notApplicable(preset: flow.settings.text(.preset)))
        let result = try await session.run({ Self.result(await runner.run()) }, readsStdinCommands: false)
        await listener.stop()
        await client.shutdown()
        await session.finish()
        return result.exitCode
    }

    static func result(_ done: DoctorCompleted) -> FlowResult {
        done.counts.fail > 0 ? .failed(FlowFailed(reason: "\(done.counts.fail) probe\(done.counts.fail == 1 ? "" : "s") failed")) : .completed
    }

    /// What a preset knows does not apply to its provider.
    static func notApplicable(preset: String?) -> [String: String] {
        preset.flatMap(ProviderPresets.named)?.doctorSkips ?? [:]
    }
}
