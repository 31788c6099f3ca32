import FlowEngine
import Foundation
import OAuthCore

/// Opens the authorization URL with a real browser: `--browser CMD`, else `$BROWSER`, else `xdg-open`
/// (DESIGN.md). The command runs through `/bin/sh -c` with the URL quoted; it is not waited for, since a
/// browser may stay open for as long as the user likes, and the callback arrives on its own.
struct SystemBrowser: UserAgent {
    let command: String
    let publisher: FlowPublisher

    /// The command to use, in the order of DESIGN.md.
    static func resolve(flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let flag, !flag.isEmpty { return flag }
        if let env = environment["BROWSER"], !env.isEmpty { return env }
        return "xdg-open"
    }

    static func shellQuote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// The shell line: `{url}` replaced, or the URL appended.
    static func commandLine(_ command: String, url: URL) -> String {
        let quoted = shellQuote(url.absoluteString)
        if command.contains("{url}") { return command.replacingOccurrences(of: "{url}", with: quoted) }
        return command + " " + quoted
    }

    func open(_ url: URL, redirected: @Sendable (UserRedirected) -> Void) async throws(FlowFailure) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", Self.commandLine(command, url: url)]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let publisher = self.publisher
        let command = self.command
        process.terminationHandler = { p in
            if p.terminationStatus != 0 {
                publisher.publish(.finding(Finding(.warn, "browser.exit_status", "The browser command \"\(TerminalSafeText.escape(command))\" exited with status \(p.terminationStatus); if no browser opened, open the authorization URL yourself.", ref: nil)))
            }
        }
        do {
            try process.run()
        } catch {
            throw FlowFailure("could not run the browser command \"\(command)\": \(error.localizedDescription)", hint: "Pass --browser CMD, set BROWSER, or use --no-browser and open the URL yourself.", step: .userRedirected)
        }
        redirected(UserRedirected(via: "browser", command: command))
    }
}

/// `--no-browser`: the URL is shown and the user opens it.
struct PrintedURL: UserAgent {
    func open(_ url: URL, redirected: @Sendable (UserRedirected) -> Void) async throws(FlowFailure) {
        redirected(UserRedirected(via: "printed", command: nil))
    }
}
