import FlowEngine
import Foundation
import OAuthCore
import Settings
import Testing

@Suite struct RedirectSettingsTests {
    func layers(_ args: [String]) throws -> SettingsLayer {
        // Split the arguments between the two option groups the way `flow` has them.
        var provider: [String] = [], redirect: [String] = []
        var i = 0
        while i < args.count {
            let a = args[i]
            if a == "--omit-redirect-uri" { redirect.append(a); i += 1; continue }
            let pair = [a] + (i + 1 < args.count ? [args[i + 1]] : [])
            if a.contains("redirect-uri") { redirect += pair } else { provider += pair }
            i += 2
        }
        var l = try ProviderOptions.parse(provider).layer()
        for (s, v) in try RedirectOptions.parse(redirect).layer().values { l[s] = v }
        return l
    }

    /// The command: GitHub's registered loopback callback without a port, oauthscope on 8765.
    @Test func gitHubLoopbackOnAnotherPortIsNoError() throws {
        let flow = try ResolvedFlow.resolve([try layers([
            "--preset", "github", "--client-id", "Iv1.abc", "--client-secret", "x",
            "--registered-redirect-uri", "http://127.0.0.1/callback", "--redirect-uri", "http://127.0.0.1:8765/callback",
        ]), SettingsLayer.defaults(for: .flow)], environment: [:])
        #expect(!flow.startFindings.contains { $0.code.hasPrefix("redirect.") }, "\(flow.startFindings.map(\.code))")
    }

    @Test func bitbucketOutsideTheCallbackIsAnError() throws {
        let flow = try ResolvedFlow.resolve([try layers([
            "--preset", "bitbucket", "--client-id", "k", "--client-secret", "x",
            "--registered-redirect-uri", "http://127.0.0.1:8765/cb", "--redirect-uri", "http://127.0.0.1:8765/other",
        ]), SettingsLayer.defaults(for: .flow)], environment: [:])
        let f = try #require(flow.startFindings.first { $0.code == "redirect.prefix_mismatch" })
        #expect(f.severity == .error)
    }

    /// Bitbucket falls back to the registered callback: leaving redirect_uri out is explained, and the
    /// configuration leaves it out of both requests.
    @Test func omittingTheRedirectURIForBitbucket() throws {
        let flow = try ResolvedFlow.resolve([try layers([
            "--preset", "bitbucket", "--client-id", "k", "--client-secret", "x", "--omit-redirect-uri",
            "--redirect-uri", "http://127.0.0.1:8765/cb",
        ]), SettingsLayer.defaults(for: .flow)], environment: [:])
        let f = try #require(flow.startFindings.first { $0.code == "redirect.omitted" })
        #expect(f.severity == .info)
        #expect(f.message.contains("http://127.0.0.1:8765/cb"))
        #expect(!flow.startFindings.contains { $0.code == "redirect.omit_undocumented" })
        let c = flow.configuration(mode: "flow", redirectURI: "http://127.0.0.1:8765/cb", reveal: false, serveActions: false)
        #expect(c.omitRedirectURI)
    }

    /// When the registered callback is not where oauthscope listens, the code would arrive elsewhere.
    @Test func omittingWhileListeningElsewhereIsAnError() throws {
        let flow = try ResolvedFlow.resolve([try layers([
            "--preset", "bitbucket", "--client-id", "k", "--client-secret", "x", "--omit-redirect-uri",
            "--registered-redirect-uri", "https://app.example.com/cb",
        ]), SettingsLayer.defaults(for: .flow)], environment: [:])
        #expect(flow.startFindings.contains { $0.code == "redirect.omitted_elsewhere" && $0.severity == .error })
    }

    /// Google does not document a fallback: a warning, not a silent omission.
    @Test func omittingForAProviderWithoutTheFallbackWarns() throws {
        let flow = try ResolvedFlow.resolve([try layers([
            "--preset", "google", "--client-id", "g", "--client-secret", "x", "--omit-redirect-uri",
        ]), SettingsLayer.defaults(for: .flow)], environment: [:])
        #expect(flow.startFindings.contains { $0.code == "redirect.omit_undocumented" && $0.severity == .warn })
    }
}

@Suite struct RedirectOmissionRequestTests {
    @Test func theRequestsLeaveRedirectURIOut() throws {
        var request = AuthorizationRequest(endpoint: try #require(URL(string: "https://bitbucket.org/site/oauth2/authorize")), clientID: "k", redirectURI: "http://127.0.0.1:8765/cb",
                                           scope: nil, state: "s", nonce: nil, pkce: nil)
        #expect(request.parameters.contains { $0.name == "redirect_uri" })
        request.sendsRedirectURI = false
        #expect(!request.parameters.contains { $0.name == "redirect_uri" })
        #expect(!request.url.absoluteString.contains("redirect_uri"))
        let builder = TokenRequestBuilder(tokenEndpoint: try #require(URL(string: "https://bitbucket.org/site/oauth2/access_token")),
                                          credentials: ClientCredentials(clientID: "k", clientSecret: Secret("x"), method: .clientSecretBasic))
        let without = builder.authorizationCode(code: "c", redirectURI: nil, codeVerifier: nil)
        let with = builder.authorizationCode(code: "c", redirectURI: "http://127.0.0.1:8765/cb", codeVerifier: nil)
        #expect(!without.body.contains("redirect_uri"))
        #expect(with.body.contains("redirect_uri"))
    }
}
