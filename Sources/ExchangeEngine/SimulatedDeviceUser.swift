import AsyncHTTPClient
import FlowEngine
import Foundation
import NIOCore
import NIOHTTP1
import OAuthCore

/// The demo's simulated user for the device grant: it opens the verification page, types the user code the
/// device shows, and approves (or denies) the way a person would, by submitting the page's form. It only ever
/// talks to loopback hosts.
public final class SimulatedDeviceUser: DeviceUserAgent {
    private let http: HTTPClient
    /// `approve` or `deny`.
    public let decision: String

    public init(decision: String = "approve") {
        self.decision = decision
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: .seconds(15))))
    }

    public func shutdown() async { try? await http.shutdown() }

    public func open(_ url: URL, redirected: @Sendable (UserRedirected) -> Void) async throws(FlowFailure) {
        let typed = URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems?.first { $0.name == "user_code" }?.value ?? ""
        try await verify(url, userCode: typed, redirected: redirected)
    }

    public func verify(_ url: URL, userCode: String, redirected: @Sendable (UserRedirected) -> Void) async throws(FlowFailure) {
        redirected(UserRedirected(via: .simulated, command: nil))
        guard let host = url.host, RedirectURI.isLoopback(host: host) else {
            throw FlowFailure("the simulated user only visits loopback hosts; \(url.host ?? url.absoluteString) is not one", hint: "Use --browser or --no-browser for a real provider.", step: .userVerifies)
        }
        let (status, page) = try await load(url, method: "GET", body: nil)
        guard status == 200, page.contains("<form") else {
            throw FlowFailure("the verification page answered HTTP \(status) without a form" + Self.said(page), hint: "Check the verification_uri the provider sent.", step: .userVerifies)
        }
        // The form posts back to the page itself, without the query.
        var action = URLComponents(url: url, resolvingAgainstBaseURL: false)
        action?.query = nil
        guard let target = action?.url else { throw FlowFailure("the verification URI cannot be posted to: \(url.absoluteString)", step: .userVerifies) }
        let (answered, result) = try await load(target, method: "POST", body: FormURLEncoded.encode([FormField("user_code", userCode), FormField("decision", decision)]))
        guard answered == 200 else {
            throw FlowFailure("the verification page refused the user code \(userCode): HTTP \(answered)" + Self.said(result), hint: "The code may have expired or been answered already.", step: .userVerifies)
        }
    }

    private func load(_ url: URL, method: String, body: String?) async throws(FlowFailure) -> (Int, String) {
        var req = HTTPClientRequest(url: url.absoluteString)
        req.method = HTTPMethod(rawValue: method)
        req.headers.add(name: "User-Agent", value: "oauthscope-simulated-user")
        if let body {
            req.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            req.body = .bytes(ByteBuffer(string: body))
        }
        do {
            let response = try await http.execute(req, timeout: .seconds(15))
            return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
        } catch {
            throw FlowFailure("the simulated user could not load \(url.absoluteString): \(error)", hint: "Is the provider running?", step: .userVerifies)
        }
    }

    private static func said(_ page: String) -> String {
        let text = SimulatedBrowser.visibleText(page, limit: 300)
        return text.isEmpty ? "" : "; it says: \(text)"
    }
}
