import FlowEngine
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import OAuthCore
import ServiceLifecycle
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
    /// A connection that has not sent a complete request head for this long (since it opened or since its last
    /// answer) is closed: the idle and header-read timeout against slowloris-style clients.
    public var idleTimeout: Duration = .seconds(10)
    /// At most this many connections at once; more wait in the kernel's backlog until one closes.
    public var maxConnections = 256
    /// The largest `form_post` body read; a larger one is answered 413 and shown as a stray request.
    public var maxBodyBytes = 64 * 1024
    /// How long `stop()` lets answers in flight reach their browsers before it closes what is left.
    public var shutdownGrace: Duration = .seconds(2)
    /// Catch `response_mode=fragment`: a request without query parameters gets a page whose script posts
    /// `location.hash` back (with a one-time token), and that post-back is judged like a query callback.
    public var catchFragments = false

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
    /// One bound address: its server's service group (for a graceful stop) and the task running it.
    private struct Serving {
        var group: ServiceGroup
        var task: Task<Void, Never>
    }
    private let running = Mutex<[Serving]>([])
    private let bound = Mutex<(port: Int, addresses: [String], hosts: [String]?)>((0, [], nil))
    /// The redirect URI with its bound port, as `callback.received` names it (set once by `start`).
    private let boundRedirectURI = Mutex<String?>(nil)
    /// The one-time tokens of fragment pages served and not yet posted back (the newest `FragmentPage.maxPending`).
    private let fragmentTokens = Mutex<[String]>([])

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
        bound.withLock { $0 = (port, addresses, Self.allowedHosts(redirectHost: parts.host, port: port, scheme: parts.scheme)) }
        let effective = effectiveRedirectURI
        boundRedirectURI.withLock { $0 = effective }
        return addresses
    }

    /// The `Host` header values a request for the redirect URI carries: its host and port as written, and the host
    /// alone when the port is the scheme's default.
    static func allowedHosts(redirectHost: String, port: Int, scheme: String) -> [String] {
        let bare = redirectHost.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        let host = bare.contains(":") ? "[\(bare)]" : bare
        let defaultPort = scheme == "https" ? 443 : 80
        return port == defaultPort ? [host, "\(host):\(port)"] : ["\(host):\(port)"]
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

    /// Stops listening. Answers already being written reach their browsers first (a graceful shutdown bounded by
    /// `shutdownGrace`), so what `callback.received` says was sent is what the browser got.
    public func stop() async {
        let all = running.withLock { r -> [Serving] in
            defer { r.removeAll() }
            return r
        }
        for s in all { await s.group.triggerGracefulShutdown() }
        let grace = configuration.shutdownGrace
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for s in all { await s.task.value }
            }
            group.addTask {
                try? await Task.sleep(for: grace)
                for s in all { s.task.cancel() }
            }
            await group.next()
            group.cancelAll()
        }
    }

    private func startOne(host: String, port: Int) async throws(ListenerError) -> Int {
        let responder = CallbackResponder<ListenerContext> { [self] request, context in
            try await self.respond(request, context)
        }
        let (portStream, portContinuation) = AsyncStream.makeStream(of: Result<Int, ListenerError>.self)
        let idle = configuration.idleTimeout.components
        let app = Application(
            responder: responder,
            server: .http1(configuration: .init(idleTimeout: .nanoseconds(idle.seconds * 1_000_000_000 + idle.attoseconds / 1_000_000_000))),
            configuration: .init(address: .hostname(host, port: port), serverName: nil, reuseAddress: true,
                                 availableConnectionsDelegate: MaximumAvailableConnections(configuration.maxConnections)),
            onServerRunning: { channel in
                portContinuation.yield(.success(channel.localAddress?.port ?? port))
            },
            logger: Self.quietLogger
        )
        var groupConfiguration = ServiceGroupConfiguration(services: [app], logger: Self.quietLogger)
        groupConfiguration.maximumGracefulShutdownDuration = configuration.shutdownGrace
        let group = ServiceGroup(configuration: groupConfiguration)
        let task = Task {
            do {
                try await group.run()
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
        running.withLock { $0.append(Serving(group: group, task: task)) }
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
        let remote = Self.remoteText(context.remoteAddress)
        // HTTP/1.1's Host header arrives as the request's authority (HTTPTypes), not among the header fields.
        var headers: [FormField] = []
        headers.reserveCapacity(request.headers.count + 1)
        if let authority = request.head.authority { headers.append(FormField("Host", authority)) }
        for field in request.headers { headers.append(FormField(field.name.rawName, field.value)) }
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        var mode: ResponseMode? = rawQuery.isEmpty ? nil : .query
        if configuration.catchFragments, request.method == .post, contentType.hasPrefix(FragmentPage.contentType) {
            return await respondToFragment(request, remote: remote, headers: headers)
        }
        if request.method == .post, contentType.hasPrefix("application/x-www-form-urlencoded") {
            // response_mode=form_post (OAuth 2.0 Form Post Response Mode §2) carries the parameters in the body.
            guard let body = await readBody(request) else { return tooLarge(request, remote: remote, headers: headers) }
            let text = String(buffer: body)
            rawQuery = rawQuery.isEmpty ? text : rawQuery + "&" + text
            mode = .formPost
        }
        let incoming = IncomingCallback(method: request.method.rawValue, path: request.uri.path, rawQuery: rawQuery, remote: remote, headers: headers, responseMode: mode)
        let hosts = bound.withLock { $0.hosts }
        if configuration.catchFragments, rawQuery.isEmpty, request.method == .get,
           CallbackRegistry.strayReason(incoming, callbackPath: registry.callbackPath, expectedHosts: hosts) == nil {
            return fragmentPage(incoming)
        }
        let judgement = registry.judge(incoming, reveal: configuration.reveal, expectedHosts: hosts)
        var event = judgement.event
        event.redirectURI = boundRedirectURI.withLock { $0 }
        // --forward passes every callback but strays on to the application, exactly as it came.
        let forwardTo = configuration.forward.flatMap { event.verdict == .stray ? nil : Self.forwardLocation($0, query: request.uri.query ?? "") }
        if let forwardTo {
            event.forwarded = configuration.reveal ? forwardTo : Self.forwardLocation(configuration.forward ?? URL(fileURLWithPath: "/"), query: Self.redactedQuery(event.query))
            event.status = 307
        }
        bus.publish(flow: judgement.flowID, .callbackReceived(event))
        for f in judgement.findings { bus.publish(flow: judgement.flowID, .finding(f)) }
        judgement.deliver()

        if let forwardTo {
            var headers = CallbackPages.safetyHeaders
            headers[.location] = forwardTo
            return Response(status: .temporaryRedirect, headers: headers)
        }
        return CallbackPages.response(for: judgement.event.verdict, success: judgement.success, status: judgement.event.status ?? 200,
                                      error: judgement.event.verdict == .errorResponse ? judgement.event.query["error"]?.stringValue : nil)
    }

    /// The peer as `127.0.0.1:54321` or `[::1]:54321`. An IPv4 peer (every request in a flood, on 127.0.0.1) is
    /// written from its four bytes, without `inet_ntop` and the `String`s around it.
    public static func remoteText(_ address: SocketAddress?) -> String {
        guard let address else { return "unknown" }
        if case .v4(let v4) = address {
            let a = UInt32(bigEndian: v4.address.sin_addr.s_addr)
            // At most `255.255.255.255:65535`, 21 bytes, gathered on the stack.
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 21) { out -> String in
                var n = 0
                appendDecimal(Int(a >> 24), to: out, at: &n)
                out[n] = UInt8(ascii: ".")
                n += 1
                appendDecimal(Int(a >> 16 & 0xFF), to: out, at: &n)
                out[n] = UInt8(ascii: ".")
                n += 1
                appendDecimal(Int(a >> 8 & 0xFF), to: out, at: &n)
                out[n] = UInt8(ascii: ".")
                n += 1
                appendDecimal(Int(a & 0xFF), to: out, at: &n)
                out[n] = UInt8(ascii: ":")
                n += 1
                appendDecimal(Int(UInt16(bigEndian: v4.address.sin_port)), to: out, at: &n)
                return String(decoding: UnsafeBufferPointer(rebasing: out[..<n]), as: UTF8.self)
            }
        }
        guard let ip = address.ipAddress else { return "unknown" }
        return (ip.utf8.contains(UInt8(ascii: ":")) ? "[\(ip)]" : ip) + ":" + String(address.port ?? 0)
    }

    /// Writes `v` (0...99_999) in decimal at `out[n...]` and moves `n` past it.
    private static func appendDecimal(_ v: Int, to out: UnsafeMutableBufferPointer<UInt8>, at n: inout Int) {
        var div = 10_000
        while div > 1, v < div { div /= 10 }
        while div > 0 {
            out[n] = UInt8(truncatingIfNeeded: v / div % 10) + UInt8(ascii: "0")
            n += 1
            div /= 10
        }
    }

    /// The body of a POST, at most `maxBodyBytes`; nil when it is larger (or was cut off).
    private func readBody(_ request: Request) async -> ByteBuffer? {
        let limit = configuration.maxBodyBytes
        let declared = request.headers[.contentLength].flatMap { Int($0) } ?? 0
        guard declared <= limit else { return nil }
        return try? await request.body.collect(upTo: limit)
    }

    private func shownHeaders(_ headers: [FormField]) -> JSONValue {
        .object(fields: headers.map { FormField($0.name, Redactor.header(name: $0.name, value: $0.value).display(reveal: configuration.reveal)) })
    }

    /// A body over the limit (or cut off): no callback is that large. Shown as a stray 413, never judged.
    private func tooLarge(_ request: Request, remote: String, headers: [FormField], mode: ResponseMode? = nil) -> Response {
        let limit = configuration.maxBodyBytes
        let detail = "the request body is over the \(limit / 1024) KB limit (or was cut off); not read, not judged"
        let event = CallbackReceived(method: request.method.rawValue, path: request.uri.path, query: .object([]), remote: remote, verdict: .stray, detail: detail, status: 413,
                                     headers: shownHeaders(headers), responseMode: mode, redirectURI: boundRedirectURI.withLock { $0 })
        bus.publish(flow: registry.currentFlowID, .callbackReceived(event))
        var response = CallbackPages.response(for: .stray, success: false, status: 413)
        response.headers[.connection] = "close"
        return response
    }

    /// A request without query parameters, with fragments caught: the page whose script posts `location.hash` back.
    /// The request is shown as a stray (it carries no authorization response itself) saying what it was answered.
    private func fragmentPage(_ incoming: IncomingCallback) -> Response {
        let page = FragmentPage(nonce: SecureRandom.token(bytes: 16), token: SecureRandom.token(bytes: 16))
        fragmentTokens.withLock { tokens in
            tokens.append(page.token)
            if tokens.count > FragmentPage.maxPending { tokens.removeFirst(tokens.count - FragmentPage.maxPending) }
        }
        let event = CallbackReceived(method: incoming.method, path: incoming.path, query: .object([]), remote: incoming.remote, verdict: .stray,
                                     detail: "no query parameters: answered with the page that posts a URL fragment back (response_mode=fragment)", status: 200,
                                     headers: shownHeaders(incoming.headers), redirectURI: boundRedirectURI.withLock { $0 })
        bus.publish(flow: registry.currentFlowID, .callbackReceived(event))
        return page.response()
    }

    /// The post-back of a fragment page: its one-time token is checked, then the fragment is judged exactly like a
    /// query (Host, state, Fetch Metadata for a same-origin fetch).
    private func respondToFragment(_ request: Request, remote: String, headers: [FormField]) async -> Response {
        let path = request.uri.path
        func refuse(_ status: Int, _ detail: String, finding: Finding? = nil) -> Response {
            let event = CallbackReceived(method: request.method.rawValue, path: path, query: .object([]), remote: remote, verdict: .stray, detail: detail, status: status,
                                         headers: shownHeaders(headers), responseMode: .fragment, redirectURI: boundRedirectURI.withLock { $0 })
            let flow = registry.currentFlowID
            bus.publish(flow: flow, .callbackReceived(event))
            if let finding { bus.publish(flow: flow, .finding(finding)) }
            return FragmentPage.postBackAnswer(status: status, forward: nil)
        }
        guard path == registry.callbackPath else { return refuse(404, "not the callback path \(registry.callbackPath)") }
        let offered = request.headers[FragmentPage.tokenHeader] ?? ""
        let known = !offered.isEmpty && fragmentTokens.withLock { tokens -> Bool in
            guard let i = tokens.firstIndex(where: { constantTimeEquals($0, offered) }) else { return false }
            tokens.remove(at: i)  // one time: a second post-back with the same token is refused
            return true
        }
        guard known else {
            return refuse(403, "a fragment post-back without a valid one-time token from the listener's page (missing, forged, or already used); never judged")
        }
        guard let body = await readBody(request) else { return tooLarge(request, remote: remote, headers: headers, mode: .fragment) }
        guard let text = String(validating: Array(body.readableBytesView), as: UTF8.self) else {
            return refuse(400, "the posted fragment is not UTF-8 text; not judged", finding: FindingCatalogue.listenFragmentUnreadable.finding("its bytes are not UTF-8 text"))
        }
        let fragment = text.hasPrefix("#") ? String(text.dropFirst()) : text
        guard !fragment.isEmpty else {
            return refuse(400, "the posted fragment is empty; not judged", finding: FindingCatalogue.listenFragmentUnreadable.finding("it is empty"))
        }
        let incoming = IncomingCallback(method: request.method.rawValue, path: path, rawQuery: fragment, remote: remote, headers: headers, responseMode: .fragment)
        let judgement = registry.judge(incoming, reveal: configuration.reveal, expectedHosts: bound.withLock { $0.hosts })
        var event = judgement.event
        event.redirectURI = boundRedirectURI.withLock { $0 }
        let forward = configuration.forward.flatMap { event.verdict == .stray ? nil : $0.absoluteString }
        if let forward {
            event.forwarded = forward + "#" + (configuration.reveal ? fragment : Self.redactedQuery(event.query))
        }
        bus.publish(flow: judgement.flowID, .callbackReceived(event))
        for f in judgement.findings { bus.publish(flow: judgement.flowID, .finding(f)) }
        judgement.deliver()
        return FragmentPage.postBackAnswer(status: event.status ?? 200, forward: forward)
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

    static let signedIn = page("Signed in", """
        The authorization server sent your browser back here with an authorization code, and oauthscope received it. \
        The code is not shown on this page: oauthscope now exchanges it for tokens directly with the server, without \
        the browser (RFC 6749 §4.1.3), and the terminal shows how that goes. You can close this tab and return to the terminal.
        """)
    static let failure = page("Sign-in did not complete", "oauthscope received this response but could not use it. The terminal says why. You can close this tab.")

    /// What an error answer means, for the codes a browser commonly brings back. Only these fixed words are shown:
    /// the page never echoes the request, so the provider's `error_description` stays in the terminal.
    static let errorMeanings: [String: String] = [
        "access_denied": "The authorization server answered access_denied: the request was denied, most likely because Deny was chosen on its consent page (RFC 6749 §4.1.2.1). No code was issued, so there is nothing to exchange.",
        "consent_required": "The authorization server answered consent_required: it needs the user to approve on a consent page, which prompt=none does not allow (OIDC Core §3.1.2.6).",
        "login_required": "The authorization server answered login_required: the user has to sign in, which prompt=none does not allow (OIDC Core §3.1.2.6).",
        "interaction_required": "The authorization server answered interaction_required: it needs the user to do something on its pages, which prompt=none does not allow (OIDC Core §3.1.2.6).",
        "invalid_scope": "The authorization server answered invalid_scope: it does not know or will not grant a requested scope (RFC 6749 §4.1.2.1).",
        "invalid_request": "The authorization server answered invalid_request: the authorization request was missing something or malformed (RFC 6749 §4.1.2.1).",
        "unauthorized_client": "The authorization server answered unauthorized_client: this client may not use this kind of request (RFC 6749 §4.1.2.1).",
        "unsupported_response_type": "The authorization server answered unsupported_response_type: it does not issue what response_type asked for (RFC 6749 §4.1.2.1).",
        "server_error": "The authorization server answered server_error: it failed on its side (RFC 6749 §4.1.2.1).",
        "temporarily_unavailable": "The authorization server answered temporarily_unavailable: it is overloaded or down for maintenance (RFC 6749 §4.1.2.1).",
        "redirect_uri_mismatch": "The authorization server answered redirect_uri_mismatch: the redirect URI sent is not one registered for this client (GitHub's error).",
    ]

    /// The page for an error answer: what it means when the code is a known one, the general words otherwise.
    static func errorPage(_ code: String) -> String? {
        errorMeanings[code].map { page("Sign-in did not complete", $0 + " The terminal shows the whole answer. You can close this tab.") }
    }
    static let duplicate = page("Already received", "This flow already received its authorization response; it is not used twice. You can close this tab.")
    static let refused = page("Not a callback", "This is the oauthscope callback listener; this request is not taken as an authorization response.")
    static let notFound = page("Not found", "This is the oauthscope callback listener; nothing is served at this path.")

    /// The pages' bytes and headers, made once: every request is answered from them without copying.
    private static let bodies = (signedIn: ByteBuffer(string: signedIn), failure: ByteBuffer(string: failure), duplicate: ByteBuffer(string: duplicate),
                                 refused: ByteBuffer(string: refused), notFound: ByteBuffer(string: notFound))
    private static let pageHeaders: HTTPFields = {
        var headers = safetyHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        return headers
    }()

    private static let errorBodies: [String: ByteBuffer] = Dictionary(uniqueKeysWithValues: errorMeanings.keys.compactMap { code in
        errorPage(code).map { (code, ByteBuffer(string: $0)) }
    })

    /// The answers to the commonest requests, made whole once (status line, headers, body): a flood of
    /// callbacks is answered with a copy of one of them instead of building the same response each time.
    private static let made = (signedIn: build(.ok, bodies.signedIn), duplicate: build(.badRequest, bodies.duplicate),
                               failure: build(.ok, bodies.failure), failureRefused: build(.badRequest, bodies.failure))

    private static func build(_ status: HTTPResponse.Status, _ body: ByteBuffer) -> Response {
        Response(status: status, headers: pageHeaders, body: .init(byteBuffer: body))
    }

    /// - Parameter error: the `error` of an error answer, which picks its page (only from `errorMeanings`).
    static func response(for verdict: CallbackVerdict, success: Bool, status: Int, error: String? = nil) -> Response {
        let body: ByteBuffer
        switch verdict {
        case .errorResponse where error.flatMap({ errorBodies[$0] }) != nil:
            body = error.flatMap { errorBodies[$0] } ?? bodies.failure
        case .stray where status == 404: body = bodies.notFound
        case .stray: body = bodies.refused
        case .duplicate:
            if status == 400 { return made.duplicate }
            body = bodies.duplicate
        case .accepted where success:
            if status == 200 { return made.signedIn }
            body = bodies.signedIn
        default:
            if status == 200 { return made.failure }
            if status == 400 { return made.failureRefused }
            body = bodies.failure
        }
        return build(.init(code: status), body)
    }
}
