import ArgumentParser
import Foundation
import Settings
import Synchronization

/// The entry point: runs the command and maps errors to the exit statuses of DESIGN.md — 0 the flow completed,
/// 1 the flow failed, 2 bad usage or configuration (one line naming the flag).
@main
enum Main {
    static func main() async {
        // Writing to a closed pipe (`oauthscope ... | head`) must end the program quietly, not kill it mid-line.
        signal(SIGPIPE, SIG_IGN)
        do {
            var command = try OAuthScope.parseAsRoot()
            if var async = command as? any AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
            StandardOutput.flush()
        } catch let exit as ExitCode {
            StandardOutput.flush()
            Foundation.exit(exit.rawValue)
        } catch let usage as UsageError {
            StandardOutput.error("oauthscope: \(usage.description)")
            Foundation.exit(2)
        } catch {
            let code = OAuthScope.exitCode(for: error)
            if code == .success {
                // --help, --version
                OAuthScope.exit(withError: error)
            }
            let message = OAuthScope.message(for: error)
            // One line: an enumerated option's list of words ("- 'a'", "- 'b'" on lines of their own) joins the first.
            let lines = message.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let words = lines.dropFirst().prefix { $0.hasPrefix("- ") }.map { String($0.dropFirst(2)) }
            let line = (lines.first ?? message) + (words.isEmpty ? "" : " " + words.joined(separator: ", "))
            StandardOutput.error("oauthscope: \(line)")
            if code == .validationFailure {
                StandardOutput.error("Run 'oauthscope help' for usage.")
                Foundation.exit(2)
            }
            Foundation.exit(code.rawValue == 0 ? 1 : code.rawValue)
        }
    }
}

/// Ctrl-C and SIGTERM outside the terminal UI (which reads them itself). The first one asks the run to end: the
/// flow is cancelled, in-flight requests are dropped, the fronts write what they have. The run gets under a
/// second for that; a second Ctrl-C, or that second passing, ends the process at once with status 130.
enum Interrupts {
    /// How long the first Ctrl-C gives the run to end by itself.
    static let grace: Double = 0.9

    private static let watching = Mutex<[any DispatchSourceSignal]>([])

    /// Calls `onFirst` on the first SIGINT or SIGTERM. One watch per process: later calls add nothing.
    static func watch(_ onFirst: @escaping @Sendable () -> Void) {
        watching.withLock { sources in
            guard sources.isEmpty else { return }
            let count = Atomic<Int>(0)
            for sig in [SIGINT, SIGTERM] {
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                source.setEventHandler {
                    if count.add(1, ordering: .sequentiallyConsistent).newValue > 1 { _exit(130) }
                    onFirst()
                    DispatchQueue.global().asyncAfter(deadline: .now() + grace) {
                        StandardOutput.error("oauthscope: interrupted")
                        _exit(130)
                    }
                }
                source.resume()
                sources.append(source)
            }
        }
    }

    /// Returns when SIGINT or SIGTERM arrives (`provider serve`).
    static func wait() async {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self)
        watch { continuation.yield() }
        for await _ in stream { break }
    }
}

enum PortProbe {
    /// True when nothing listens on host:port (a bind succeeds).
    static func isFree(host: String, port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        // As the listener binds: SO_REUSEADDR lets a port in TIME_WAIT be reused, never one that is listening.
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &addr.sin_addr)
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
