import Foundation
import OAuthCore

/// One route a personality serves: a method, a Hummingbird path (`:tenant` for a path parameter) and what answers.
struct PersonalityRoute: Sendable {
    var method: String
    var path: String
    var handle: @Sendable (ProviderCore, IncomingRequest) async -> HTTPReply
}

/// The routes of each personality, and only those: a client that uses another provider's paths gets a 404.
enum PersonalityRoutes {
    static func table(_ personality: MockPersonality) -> [PersonalityRoute] {
        func route(_ method: String, _ path: String, _ handle: @escaping @Sendable (ProviderCore, IncomingRequest) async -> HTTPReply) -> PersonalityRoute {
            PersonalityRoute(method: method, path: path, handle: handle)
        }
        /// `GET` shows the consent page, `POST` takes its answer; both on the personality's authorization path.
        func authorization(_ path: String) -> [PersonalityRoute] {
            [
                route("GET", path) { core, request in
                    core.authorize(query: FormURLEncoded.decode(request.query).fields, context: AuthorizationContext(path: request.path, tenant: request.tenant))
                },
                route("POST", path) { core, request in
                    core.authorizeDecision(form: FormURLEncoded.decode(request.body).fields, context: AuthorizationContext(path: request.path, tenant: request.tenant))
                },
            ]
        }
        let token: @Sendable (ProviderCore, IncomingRequest) async -> HTTPReply = { core, request in await core.token(request) }
        let jwks: @Sendable (ProviderCore, IncomingRequest) async -> HTTPReply = { core, _ in core.jwks() }
        let discovery: @Sendable (ProviderCore, IncomingRequest) async -> HTTPReply = { core, request in core.discovery(tenant: request.tenant) }
        let userinfo: @Sendable (ProviderCore, IncomingRequest) async -> HTTPReply = { core, request in core.userinfo(request) }

        switch personality {
        case .oidc:
            return [
                route("GET", "/.well-known/openid-configuration", discovery),
                route("GET", "/.well-known/oauth-authorization-server", discovery),
                route("GET", "/jwks", jwks),
            ] + authorization("/authorize") + [
                route("POST", "/token", token),
                route("POST", "/par") { core, request in core.pushedAuthorization(request) },
                route("GET", "/userinfo", userinfo),
                route("POST", "/userinfo", userinfo),
                route("POST", "/revoke") { core, request in core.revoke(request) },
                route("POST", "/introspect") { core, request in core.introspect(request) },
                route("GET", "/api/me") { core, request in core.apiMe(request) },
                route("POST", "/api/me") { core, request in core.apiMe(request) },
                route("GET", "/api/admin") { core, request in core.apiAdmin(request) },
            ]
        case .google:
            return [
                route("GET", "/.well-known/openid-configuration", discovery),
                route("GET", "/oauth2/v3/certs", jwks),
            ] + authorization("/o/oauth2/v2/auth") + [
                route("POST", "/token", token),
                route("GET", "/v1/userinfo", userinfo),
                route("POST", "/v1/userinfo", userinfo),
                route("POST", "/revoke") { core, request in core.googleRevoke(request) },
            ]
        case .microsoft:
            return [
                route("GET", "/:tenant/v2.0/.well-known/openid-configuration", discovery),
                route("GET", "/:tenant/discovery/v2.0/keys", jwks),
            ] + authorization("/:tenant/oauth2/v2.0/authorize") + [
                route("POST", "/:tenant/oauth2/v2.0/token", token),
                route("GET", "/oidc/userinfo", userinfo),
                route("POST", "/oidc/userinfo", userinfo),
                route("GET", "/v1.0/me") { core, request in core.graphMe(request) },
            ]
        case .github:
            return authorization("/login/oauth/authorize") + [
                route("POST", "/login/oauth/access_token", token),
                route("GET", "/user") { core, request in core.gitHubUser(request) },
            ]
        case .bitbucket:
            return authorization("/site/oauth2/authorize") + [
                route("POST", "/site/oauth2/access_token", token),
                route("GET", "/2.0/user") { core, request in core.bitbucketUser(request) },
            ]
        case .atlassian:
            return authorization("/authorize") + [
                route("POST", "/oauth/token", token),
                route("GET", "/oauth/token/accessible-resources") { core, request in core.atlassianAccessibleResources(request) },
                route("GET", "/me") { core, request in core.atlassianMe(request) },
                route("GET", "/ex/jira/:cloudid/rest/api/3/myself") { core, request in core.jiraMyself(request) },
            ]
        case .bitbadges:
            return authorization("/siwbb/authorize") + [
                route("POST", "/api/v0/siwbb/token", token),
                route("POST", "/api/v0/siwbb/token/revoke") { core, request in core.bitBadgesRevoke(request) },
                route("POST", "/api/v0/auth/status") { core, request in core.bitBadgesStatus(request) },
            ]
        }
    }
}
