import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import OAuthCore
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The embedded authorization server: OpenID Connect discovery, authorization with a consent page, token, JWKS,
/// UserInfo, revocation and introspection, all in memory on a loopback port.
///
/// ```swift
/// let provider = MockProviderServer(configuration: MockProviderConfiguration())
/// let issuer = try await provider.start()   // http://127.0.0.1:PORT
/// defer { Task { await provider.stop() } }
/// ```
public final class MockProviderServer: Sendable {
    /// The configuration the server was created with.
    public let configuration: MockProviderConfiguration
    private let now: @Sendable () -> Date
    private let state = Mutex<LifecycleState>(.idle)

    private enum LifecycleState: Sendable {
        case idle
        case starting
        case running(issuer: URL, task: Task<Void, Never>, group: ServiceGroup, stop: @Sendable () -> Void)
    }

    /// Creates a server; nothing listens until `start()`.
    public convenience init(configuration: MockProviderConfiguration) {
        self.init(configuration: configuration, now: { Date() })
    }

    /// Creates a server that reads the time from `now`, so tests can make codes and tokens expire without waiting.
    init(configuration: MockProviderConfiguration, now: @escaping @Sendable () -> Date) {
        self.configuration = configuration
        self.now = now
    }

    deinit {
        state.withLock { state in
            if case .running(_, let task, _, let stop) = state {
                stop()
                task.cancel()
            }
        }
    }

    /// The issuer URL while the server runs (`http://127.0.0.1:PORT`, no trailing slash); nil otherwise.
    public var issuer: URL? {
        state.withLock { state in
            if case .running(let issuer, _, _, _) = state { return issuer }
            return nil
        }
    }

    /// Generates a signing key, starts listening and returns the issuer URL (`http://HOST:PORT`, no trailing slash)
    /// once the port is bound. Throws `MockProviderError.portInUse` when the port is taken.
    public func start() async throws -> URL {
        try state.withLock { state in
            guard case .idle = state else { throw MockProviderError.alreadyStarted }
            state = .starting
        }
        do {
            let (issuer, task, group, stop) = try await launch()
            state.withLock { $0 = .running(issuer: issuer, task: task, group: group, stop: stop) }
            return issuer
        } catch {
            state.withLock { $0 = .idle }
            throw error
        }
    }

    /// Stops listening and waits until the port is released. Tokens and codes are forgotten; a later `start()`
    /// begins afresh with a new key.
    public func stop() async {
        let running: (Task<Void, Never>, ServiceGroup, @Sendable () -> Void)? = state.withLock { state in
            guard case .running(_, let task, let group, let stop) = state else { return nil }
            state = .idle
            return (task, group, stop)
        }
        guard let (task, group, stop) = running else { return }
        // Answers that hold their connection on purpose (hostile faults) let go first, so nothing waits for them.
        stop()
        // A graceful shutdown closes the listening channel and lets answers under way finish (bounded by
        // `shutdownGrace`). Cancelling the server instead can trap inside SwiftNIO ("Deinited NIOAsyncWriter
        // without calling finish()") when a connection is being accepted or written at that moment.
        await group.triggerGracefulShutdown()
        await task.value
    }

    private func launch() async throws -> (URL, Task<Void, Never>, ServiceGroup, @Sendable () -> Void) {
        let host = configuration.host
        let configuredPort = configuration.port
        let seededGrants = configuration.seededGrants
        let keys = try await SigningKeys.generate(configuration.signingAlgorithm, faults: configuration.faults)
        let core = ProviderCore(
            configuration: configuration, keys: keys,
            issuer: Self.issuer(host: host, port: configuredPort), now: now
        )
        let slowHeaders = configuration.faults.contains(.slowHeaders) ? try SlowHeadersServer.start(host: host) : nil
        if let slowHeaders { core.setTokenEndpointOverride(Self.issuer(host: host, port: slowHeaders.port) + "/token") }
        let stopAll: @Sendable () -> Void = {
            core.stopSignal.set()
            slowHeaders?.end()
        }
        let (listening, signal) = AsyncThrowingStream<Int, any Error>.makeStream()
        let app = Application(
            router: Self.router(for: core),
            configuration: ApplicationConfiguration(address: .hostname(host, port: configuredPort), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuredPort
                // Set before anyone can learn the port, so every response names the real issuer.
                core.setIssuer(Self.issuer(host: host, port: port))
                core.seed(seededGrants)
                signal.yield(port)
                signal.finish()
            },
            // The provider runs under a terminal UI and inside tests: it must not write to the terminal.
            logger: Logger(label: "oauthscope.mock-provider", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        var groupConfiguration = ServiceGroupConfiguration(services: [app], logger: Logger(label: "oauthscope.mock-provider", factory: { _ in SwiftLogNoOpLogHandler() }))
        groupConfiguration.maximumGracefulShutdownDuration = Self.shutdownGrace
        let group = ServiceGroup(configuration: groupConfiguration)
        let task = Task {
            do {
                try await group.run()
                signal.finish(throwing: MockProviderError.listenFailed(host: host, port: configuredPort, reason: "the server stopped before it listened"))
            } catch {
                signal.finish(throwing: Self.startError(error, host: host, port: configuredPort))
            }
        }
        var iterator = listening.makeAsyncIterator()
        do {
            guard let port = try await iterator.next() else {
                throw MockProviderError.listenFailed(host: host, port: configuredPort, reason: "the server stopped before it listened")
            }
            let text = Self.issuer(host: host, port: port)
            guard let url = URL(string: text) else {
                throw MockProviderError.listenFailed(host: host, port: port, reason: "\(text) is not a valid URL")
            }
            return (url, task, group, stopAll)
        } catch {
            stopAll()
            await group.triggerGracefulShutdown()
            await task.value
            throw error
        }
    }

    /// How long a stop waits for answers under way before it cancels them.
    static let shutdownGrace: Duration = .seconds(2)

    /// `http://HOST:PORT`, with an IPv6 literal in brackets (RFC 3986 §3.2.2).
    static func issuer(host: String, port: Int) -> String {
        let h = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "http://\(h):\(port)"
    }

    private static func startError(_ error: any Error, host: String, port: Int) -> MockProviderError {
        if let io = error as? IOError, io.errnoCode == EADDRINUSE {
            return .portInUse(host: host, port: port)
        }
        let text = "\(error)"
        if text.localizedCaseInsensitiveContains("address already in use") {
            return .portInUse(host: host, port: port)
        }
        return .listenFailed(host: host, port: port, reason: text)
    }

    // MARK: - Routing

    /// Request bodies larger than this are refused; no legitimate OAuth request comes close.
    private static let maxBodySize = 1 << 20

    /// Registers the personality's routes, and only those.
    private static func router(for core: ProviderCore) -> Router<BasicRequestContext> {
        let router = Router()
        for route in PersonalityRoutes.table(core.personality) {
            let handle = route.handle
            router.on(RouterPath(route.path), method: HTTPRequest.Method(route.method) ?? .get) { request, context in
                let incoming = try await incomingRequest(request, tenant: context.parameters.get("tenant"))
                return await handle(core, incoming).response(stop: core.stopSignal)
            }
        }
        return router
    }

    private static func incomingRequest(_ request: Request, tenant: String?) async throws -> IncomingRequest {
        var request = request
        let buffer = try await request.collectBody(upTo: maxBodySize)
        return IncomingRequest(
            method: request.method.rawValue,
            path: request.uri.path,
            query: request.uri.query ?? "",
            headers: request.headers.map { (name: $0.name.canonicalName, value: $0.value) },
            body: String(buffer: buffer),
            tenant: tenant
        )
    }
}

extension HTTPReply {
    func response(stop: StopSignal) -> Response {
        var fields = HTTPFields()
        for header in headers {
            if let name = HTTPField.Name(header.name) { fields.append(HTTPField(name: name, value: header.value)) }
        }
        let first = ByteBuffer(string: body)
        let responseBody: ResponseBody
        switch delivery {
        case .whole:
            responseBody = ResponseBody(byteBuffer: first)
        case .stallAfterBody:
            responseBody = ResponseBody { writer in
                try await writer.write(first)
                await stop.hold()
                // Closing without the last chunk: the response never completes.
                throw HostileDeliveryEnded()
            }
        case .endless:
            responseBody = ResponseBody { writer in
                try await writer.write(first)
                let chunk = ByteBuffer(repeating: UInt8(ascii: "A"), count: 64 * 1024)
                let end = ContinuousClock.now + StopSignal.longestHold
                // Ends when the client goes away (the write throws), the provider stops, or after the longest hold.
                while !stop.isSet, ContinuousClock.now < end {
                    try await writer.write(chunk)
                    try await Task.sleep(for: .milliseconds(1))
                }
                throw HostileDeliveryEnded()
            }
        }
        return Response(
            status: HTTPResponse.Status(code: status, reasonPhrase: HTTPReply.reasonPhrase(status)),
            headers: fields,
            body: responseBody
        )
    }

    private static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 302: return "Found"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 500: return "Internal Server Error"
        default: return ""
        }
    }
}
