import Foundation

/// Why the mock provider could not start.
public enum MockProviderError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Another process already listens on the address.
    case portInUse(host: String, port: Int)
    /// Binding or running the listener failed for another reason.
    case listenFailed(host: String, port: Int, reason: String)
    /// `start()` was called on a server that is already running or starting.
    case alreadyStarted
    /// The signing key could not be generated.
    case keyGenerationFailed(reason: String)

    public var description: String {
        switch self {
        case .portInUse(let host, let port):
            return "the mock provider cannot listen on \(host):\(port): the port is already in use; choose another port or 0 for any free one"
        case .listenFailed(let host, let port, let reason):
            return "the mock provider cannot listen on \(host):\(port): \(reason)"
        case .alreadyStarted:
            return "the mock provider is already running; stop it before starting it again"
        case .keyGenerationFailed(let reason):
            return "the mock provider could not generate its signing key: \(reason)"
        }
    }
}
