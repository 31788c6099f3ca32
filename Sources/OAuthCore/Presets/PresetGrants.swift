import Foundation

extension ProviderPreset {
    /// The scope a client-credentials request asks for when the user gives none: a client asks for an API's
    /// permissions, not a user's, so a preset's user scopes (`openid profile ...`) would be refused.
    ///
    /// - Microsoft identity platform: the scope is the resource's identifier with `/.default`, e.g.
    ///   `https://graph.microsoft.com/.default`; anything else is AADSTS1002012
    ///   (https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow#first-case-access-token-request-with-a-shared-secret).
    /// - Bitbucket Cloud: none; the token gets the consumer's permissions
    ///   (https://developer.atlassian.com/cloud/bitbucket/oauth-2/#client-credentials-grant--4-4-).
    public var clientCredentialsScope: String? {
        switch name {
        case ProviderPresets.microsoft.name: return "https://graph.microsoft.com/.default"
        default: return nil
        }
    }
}
