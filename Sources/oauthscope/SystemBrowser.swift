import FlowEngine
import Foundation
import OAuthCore

/// Opens the authorization URL with a real browser: `--browser CMD`, else `$BROWSER`, else `xdg-open`
/// (DESIGN.md). The command runs from an argument vector (`BrowserCommand`), never through a shell, so a URL
/// from discovery cannot expand `$(...)`. It is not waited for, since a browser may stay open for as long as the
/// user likes, and the callback arrives on its own.
struct SystemBrowser: UserAgent {
    let command: String
    let publisher: FlowPublisher
    /// Added to the command's environment (the doctor tells a scripted user what to choose:
    /// `OAUTHSCOPE_DOCTOR_CHOICE=approve|deny`).
    var environment: [String: String] = [:]

    /// The command to use, in the order of DESIGN.md.
    static func resolve(flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let flag, !flag.isEmpty { return flag }
        if let env = environment["BROWSER"], !env.isEmpty { return env }
        return "xdg-open"
    }

    func open(_ url: URL, redirected: @Sendable (UserRedirected) -> Void) async throws(FlowFailure) {
        let hint = "Pass --browser CMD, set BROWSER, or use --no-browser and open the URL yourself."
        let argv: [String]
        do { argv = try BrowserCommand(parsing: command).arguments(for: url.absoluteString) } catch {
            throw FlowFailure("could not run the browser: \(error.description)", hint: hint, step: .userRedirected)
        }
        guard let program = BrowserCommand.executable(argv[0], path: ProcessInfo.processInfo.environment["PATH"]) else {
            throw FlowFailure("could not run the browser command \"\(command)\": \(argv[0]) is not on PATH", hint: hint, step: .userRedirected)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = Array(argv.dropFirst())
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let publisher = self.publisher
        let command = self.command
        process.terminationHandler = { p in
            if p.terminationStatus != 0 {
                publisher.publish(.finding(FindingCatalogue.browserExitStatus.finding(command, p.terminationStatus)))
            }
        }
        do {
            try process.run()
        } catch {
            throw FlowFailure("could not run the browser command \"\(command)\": \(error.localizedDescription)", hint: hint, step: .userRedirected)
        }
        redirected(UserRedirected(via: .browser, command: command))
    }
}

/// `--no-browser`: the URL is shown and the user opens it.
struct PrintedURL: UserAgent {
    func open(_ url: URL, redirected: @Sendable (UserRedirected) -> Void) async throws(FlowFailure) {
        redirected(UserRedirected(via: .printed, command: nil))
    }
}
