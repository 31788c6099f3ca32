import FlowEngine
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import OAuthCore
import Synchronization

/// Why a listener could not start, in words that say what to change.
public enum ListenerError: Error, Sendable, Hashable, CustomStringConvertible {
    case portInUse(host: String, port: Int)
    case cannotBind(host: String, port: Int, reason: String)
    case redirectURI(RedirectURIError)

    public var description: String {
        switch self {
        case .portInUse(let host, let port):
            return "port \(port) on \(host) is already in use; stop whatever listens there or pick another port with --redirect-uri http://127.0.0.1:PORT/callback (and register that URI with the provider)"
        case .cannotBind(let host, let port, let reason):
            return "cannot listen on \(host):\(port): \(reason)"
        case .redirectURI(let e):
            return e.description
        }
    }
}

/// Where and how the listener serves.
public struct ListenerConfiguration: Sendable {
    public var redirectURI: String
    /// Bind here instead of the redirect URI's loopback host (`--listen-address`, on purpose only).
    public var listenAddress: String?
    /// Answer each callback with a 307 to this URL carrying the same query (`--forward`).
    public var forward: URL?
    public var reveal: Bool

    public init(redirectURI: String, listenAddress: String? = nil, forward: URL? = nil, reveal: Bool = false) {
        self.redirectURI = redirectURI
        self.listenAddress = listenAddress
        self.forward = forward
        self.reveal = reveal
    }
}

/// The loopback HTTP listener on the redirect URI (RFC 8252 §7.3). It judges every request with the
/// `CallbackRegistry`, publishes a `callback.received` event for each, hands accepted callbacks to their flow,
/// and answers the browser with a static page that echoes nothing from the request.
public final class CallbackListenerServer: Sendable {
    public let configuration: ListenerConfiguration
    private let registry: CallbackRegistry
    private let bus: EventBus
    private let running = Mutex<[Task<Void, Never>]>([])
    private let bound = Mutex<(port: Int, addresses: [String])>((0, []))

    public init(configuration: ListenerConfiguration, registry: CallbackRegistry, bus: EventBus) {
        self.configuration = configuration
        self.registry = registry
        self.bus = bus
    }

    /// The hosts to bind for a redirect URI's host: `localhost` means both loopback addresses.
    public static func bindHosts(forRedirectHost host: String, listenAddress: String?) throws(ListenerError) -> [String] {
        if let listenAddress { return [listenAddress] }
        let h = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if h == "localhost" { return ["127.0.0.1", "::1"] }
        guard RedirectURI.isLoopback(host: h) else { throw .redirectURI(.notLoopback(host)) }
        return [h]
    }

    /// Starts listening. Returns the bound addresses (`127.0.0.1:8765`, `[::1]:8765`). Port 0 in the redirect URI
    /// picks a free port; `effectiveRedirectURI` then says which.
    public func start() async throws(ListenerError) -> [String] {
        let parts: (scheme: String, host: String, port: Int, path: String)
        do { parts = try RedirectURI.parse(configuration.redirectURI) } catch { throw .redirectURI(error) }
        let hosts = try Self.bindHosts(forRedirectHost: parts.host, listenAddress: configuration.listenAddress)
        var port = parts.port
        var addresses: [String] = []
        for (i, host) in hosts.enumerated() {
            do {
                let p = try await startOne(host: host, port: port)
                port = p
                addresses.append(host.contains(":") ? "[\(host)]:\(p)" : "\(host):\(p)")
            } catch {
                // A machine without IPv6 still serves localhost on 127.0.0.1.
                if i > 0, host == "::1" { continue }
                await stop()
                throw error
            }
        }
        bound.withLock { $0 = (port, addresses) }
        return addresses
    }

    /// The bound port (after `start`).
    public var port: Int { bound.withLock { $0.port } }
    public var addresses: [String] { bound.withLock { $0.addresses } }

    /// The redirect URI with the bound port filled in (differs from the configured one only for port 0).
    public var effectiveRedirectURI: String {
        guard var comps = URLComponents(string: configuration.redirectURI) else { return configuration.redirectURI }
        if comps.port == 0 { comps.port = port }
        return comps.string ?? configuration.redirectURI
    }

    public func stop() async {
        let tasks = running.withLock { t -> [Task<Void, Never>] in
            defer { t.removeAll() }
            return t
        }
        for t in tasks { t.cancel() }
        for t in tasks { await t.value }
    }

    private func startOne(host: String, port: Int) async throws(ListenerError) -> Int {
        let responder = CallbackResponder<ListenerContext> { [self] request, context in
            try await self.respond(request, context)
        }
        let (portStream, portContinuation) = AsyncStream.makeStream(of: Result<Int, ListenerError>.self)
        let app = Application(
            responder: responder,
            configuration: .init(address: .hostname(host, port: port), serverName: nil, reuseAddress: true),
            onServerRunning: { channel in
                portContinuation.yield(.success(channel.localAddress?.port ?? port))
            },
            logger: Self.quietLogger
        )
        let task = Task {
            do {
                try await app.runService(gracefulShutdownSignals: [])
            } catch {
                let text = String(describing: error)
                if text.contains("Address already in use") || text.contains("EADDRINUSE") || text.contains("errno: 98") {
                    portContinuation.yield(.failure(.portInUse(host: host, port: port)))
                } else {
                    portContinuation.yield(.failure(.cannotBind(host: host, port: port, reason: text)))
                }
            }
            portContinuation.finish()
        }
        running.withLock { $0.append(task) }
        for await result in portStream {
            switch result {
            case .success(let p): return p
            case .failure(let e): throw e
            }
        }
        throw .cannotBind(host: host, port: port, reason: "the server stopped before it was listening")
    }

    private static let quietLogger: Logger = {
        var l = Logger(label: "oauthscope.listener")
        l.logLevel = .critical
        return l
    }()

    private func respond(_ request: Request, _ context: ListenerContext) async throws -> Response {
        var rawQuery = request.uri.query ?? ""
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        if request.method == .post, contentType.hasPrefix("application/x-www-form-urlencoded") {
            // response_mode=form_post (OAuth 2.0 Form Post Response Mode §2) carries the parameters in the body.
            let body = try await request.body.collect(upTo: 64 * 1024)
            let text = String(buffer: body)
            rawQuery = rawQuery.isEmpty ? text : rawQuery + "&" + text
        }
        let remote: String
        if let addr = context.remoteAddress, let ip = addr.ipAddress {
            remote = (ip.contains(":") ? "[\(ip)]" : ip) + ":" + String(addr.port ?? 0)
        } else {
            remote = "unknown"
        }
        let headers = request.headers.map { FormField($0.name.rawName, $0.value) }
        let incoming = IncomingCallback(method: request.method.rawValue, path: request.uri.path, rawQuery: rawQuery, remote: remote, headers: headers)
        let judgement = registry.judge(incoming, reveal: configuration.reveal)
        var event = judgement.event
        // --forward passes every callback but strays on to the application, exactly as it came.
        let forwardTo = configuration.forward.flatMap { event.verdict == .stray ? nil : Self.forwardLocation($0, query: request.uri.query ?? "") }
        if let forwardTo {
            event.forwarded = configuration.reveal ? forwardTo : Self.forwardLocation(configuration.forward ?? URL(fileURLWithPath: "/"), query: Self.redactedQuery(event.query))
            event.status = 307
        }
        bus.publish(flow: judgement.flowID, .callbackReceived(event))
        judgement.deliver()

        if let forwardTo {
            var headers = CallbackPages.safetyHeaders
            headers[.location] = forwardTo
            return Response(status: .temporaryRedirect, headers: headers)
        }
        return CallbackPages.response(for: judgement.event.verdict, success: judgement.success, status: judgement.event.status ?? 200)
    }

    /// The forward URL with the callback's query appended as it came.
    static func forwardLocation(_ target: URL, query: String) -> String {
        var s = target.absoluteString
        if !query.isEmpty { s += (s.contains("?") ? "&" : "?") + query }
        return s
    }

    /// The already-redacted parameters as a query, for showing where a callback was forwarded without its code.
    /// It is for reading, not for following: redacted values stay as they read (`code=Splx…(22)`).
    static func redactedQuery(_ query: JSONValue) -> String {
        (query.objectValue ?? []).flatMap { name, value -> [String] in
            if let s = value.stringValue { return ["\(name)=\(s)"] }
            return (value.arrayValue ?? []).compactMap(\.stringValue).map { "\(name)=\($0)" }
        }.joined(separator: "&")
    }
}

/// A request context that knows the peer's address.
struct ListenerContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

/// The static pages the browser sees. Nothing from the request is echoed, so a hostile parameter cannot inject
/// markup, and the page cannot leak the code through a Referer header or a cache.
enum CallbackPages {
    static let safetyHeaders: HTTPFields = {
        var fields: HTTPFields = [
            .cacheControl: "no-store",
            .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'",
        ]
        // Both names are valid header tokens, so the failable initializer cannot fail here.
        for (name, value) in [("Referrer-Policy", "no-referrer"), ("X-Content-Type-Options", "nosniff")] {
            if let n = HTTPField.Name(name) { fields[n] = value }
        }
        return fields
    }()

    static func page(_ title: String, _ text: String) -> String {
        """
        <!doctype html><html><head><meta charset="utf-8"><title>oauthscope: \(title)</title>
        <style>body{font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;color:#222}</style></head>
        <body><h1>\(title)</h1><p>\(text)</p></body></html>
        """
    }

    static let signedIn = page("Signed in", "oauthscope received the authorization response. You can close this tab and return to the terminal.")
    static let failure = page("Sign-in did not complete", "oauthscope received this response but could not use it. The terminal says why. You can close this tab.")
    static let duplicate = page("Already received", "This flow already received its authorization response; it is not used twice. You can close this tab.")
    static let notFound = page("Not found", "This is the oauthscope callback listener; nothing is served at this path.")

    static func response(for verdict: CallbackVerdict, success: Bool, status: Int) -> Response {
        let html: String
        switch verdict {
        case .stray: html = notFound
        case .duplicate: html = duplicate
        case .accepted where success: html = signedIn
        default: html = failure
        }
        var headers = safetyHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
