import OAuthCore
import Testing

/// Each preset's redirect rule against the examples of the provider's own documentation. The embedded provider
/// reads the same `redirectRule`, so these are also the imitation's rules.
@Suite("Redirect rules per provider, from their documentation")
struct RedirectRuleTests {
    /// GitHub, "Authorizing OAuth apps", Redirect URLs
    /// (https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps#redirect-urls):
    /// "the redirect URL's host (excluding sub-domains) and port must exactly match the callback URL. The redirect
    /// URL's path must reference a subdirectory of the callback URL." The page's table, verbatim.
    @Test("GitHub: the documented GOOD and BAD redirect URLs for CALLBACK http://example.com/path", arguments: [
        ("http://example.com/path", true),
        ("http://example.com/path/subdir/other", true),
        ("http://oauth.example.com/path", true),
        ("http://oauth.example.com/path/subdir/other", true),
        ("http://example.com/bar", false),
        ("http://example.com/", false),
        ("http://example.com:8080/path", false),
        ("http://oauth.example.com:8080/path", false),
        ("http://example.org", false),
    ])
    func gitHubTable(redirect: String, good: Bool) throws {
        let rule = try #require(ProviderPresets.named("github")).redirectRule
        #expect(rule.accepts(redirect, registered: "http://example.com/path") == good)
    }

    /// GitHub, same page, "Loopback redirect urls": "The redirect_uri does not need to match the port specified in
    /// the callback URL for the app" (callback http://127.0.0.1/path, redirect http://127.0.0.1:1234/path), which
    /// is RFC 8252 §7.3.
    @Test("GitHub: a loopback redirect URL may use any port")
    func gitHubLoopback() throws {
        let rule = try #require(ProviderPresets.named("github")).redirectRule
        #expect(rule.accepts("http://127.0.0.1:1234/path", registered: "http://127.0.0.1/path"))
        #expect(rule.accepts("http://127.0.0.1:8765/callback", registered: "http://127.0.0.1/callback"))
        #expect(rule.accepts("http://127.0.0.1:8765/callback/x", registered: "http://127.0.0.1:9000/callback"))
        // Still the path rule and the host: another path, or another loopback name, is not accepted.
        #expect(!rule.accepts("http://127.0.0.1:1234/other", registered: "http://127.0.0.1/path"))
        #expect(!rule.accepts("http://localhost:1234/path", registered: "http://127.0.0.1/path"))
    }

    /// The false alarm: GitHub with the registered callback on the default port and oauthscope on 8765.
    @Test("GitHub: no finding for a loopback callback on another port")
    func gitHubNoFalseAlarm() throws {
        let rule = try #require(ProviderPresets.named("github")).redirectRule
        #expect(RedirectRuleCheck.explain(rule: rule, registered: "http://127.0.0.1/callback", sent: "http://127.0.0.1:8765/callback") == nil)
        let elsewhere = RedirectRuleCheck.explain(rule: rule, registered: "http://127.0.0.1/callback", sent: "http://127.0.0.1:8765/other")
        #expect(elsewhere?.code == "redirect.prefix_mismatch")
    }

    /// Bitbucket, "OAuth on Bitbucket Cloud"
    /// (https://confluence.atlassian.com/bitbucket/oauth-on-bitbucket-cloud-238027431.html): a redirect_uri must be
    /// the consumer's callback URL or under it — callback https://www.example.com/add-on, a request may use
    /// https://www.example.com/add-on/function — and without one Bitbucket uses the callback URL.
    @Test("Bitbucket: the callback URL or a path under it, same host and port", arguments: [
        ("https://www.example.com/add-on", true),
        ("https://www.example.com/add-on/function", true),
        ("https://www.example.com/add-on-other", false),
        ("https://www.example.com/", false),
        ("https://api.example.com/add-on", false),
        ("https://www.example.com:8443/add-on", false),
        ("http://www.example.com/add-on", false),
    ])
    func bitbucketPrefix(redirect: String, good: Bool) throws {
        let p = try #require(ProviderPresets.named("bitbucket"))
        #expect(p.redirectRule.accepts(redirect, registered: "https://www.example.com/add-on") == good)
        #expect(p.quirks.contains(.redirectURIOptional))
    }

    @Test("Bitbucket: a loopback callback keeps its port")
    func bitbucketLoopbackPort() throws {
        let rule = try #require(ProviderPresets.named("bitbucket")).redirectRule
        #expect(rule.accepts("http://127.0.0.1:8765/cb/x", registered: "http://127.0.0.1:8765/cb"))
        #expect(!rule.accepts("http://127.0.0.1:9000/cb", registered: "http://127.0.0.1:8765/cb"))
        let finding = RedirectRuleCheck.explain(rule: rule, registered: "http://127.0.0.1:8765/cb", sent: "http://127.0.0.1:9000/cb")
        #expect(finding?.code == "redirect.prefix_mismatch")
        #expect(finding?.message.contains("--omit-redirect-uri") == true)
    }

    /// Microsoft, "Redirect URI (reply URL) restrictions"
    /// (https://learn.microsoft.com/en-us/entra/identity-platform/reply-url): for localhost the port is ignored
    /// ("http://localhost:5001/callback" matches a registered "http://localhost/callback"); otherwise exact.
    @Test("Microsoft: localhost on any port, otherwise exact")
    func microsoft() throws {
        let rule = try #require(ProviderPresets.named("microsoft")).redirectRule
        #expect(rule.accepts("http://localhost:5001/callback", registered: "http://localhost/callback"))
        #expect(rule.accepts("http://127.0.0.1:5001/callback", registered: "http://127.0.0.1/callback"))
        #expect(!rule.accepts("http://localhost:5001/callback/x", registered: "http://localhost/callback"))
        #expect(!rule.accepts("https://contoso.com:8443/callback", registered: "https://contoso.com/callback"))
    }

    /// Google ("OAuth 2.0 for Web Server Applications": redirect URIs must exactly match an authorized one),
    /// Atlassian (3LO: the callback URL must match) and BitBadges: exact.
    @Test("Google, Atlassian and BitBadges compare exactly", arguments: ["google", "atlassian", "bitbadges"])
    func exact(name: String) throws {
        let rule = try #require(ProviderPresets.named(name)).redirectRule
        #expect(rule.accepts("http://127.0.0.1:8765/callback", registered: "http://127.0.0.1:8765/callback"))
        #expect(!rule.accepts("http://127.0.0.1:8766/callback", registered: "http://127.0.0.1:8765/callback"))
        #expect(!rule.accepts("http://127.0.0.1:8765/callback/x", registered: "http://127.0.0.1:8765/callback"))
        #expect(!rule.accepts("https://app.example/CB", registered: "https://app.example/cb"))
    }

    /// Any OIDC issuer: exact except the port of a loopback redirect (RFC 9700 §2.1, RFC 8252 §7.3).
    @Test("Generic OIDC: loopback any port, as RFC 8252 §7.3 asks of servers")
    func oidc() throws {
        let rule = try #require(ProviderPresets.named("oidc")).redirectRule
        #expect(rule.accepts("http://127.0.0.1:51000/callback", registered: "http://127.0.0.1:8765/callback"))
        #expect(!rule.accepts("https://app.example:444/cb", registered: "https://app.example/cb"))
    }
}
