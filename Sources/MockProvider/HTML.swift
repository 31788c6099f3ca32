import Foundation
import OAuthCore

/// The provider's HTML: escaped text only, no scripts.
enum HTML {
    /// Escapes text for an element body or a double-quoted attribute value.
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    static func page(title: String, body: String) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><title>\(escape(title))</title>
        <style>body{font-family:sans-serif;max-width:40em;margin:3em auto}code{background:#eee;padding:0 .2em}</style></head>
        <body>
        \(body)
        </body>
        </html>

        """
    }

    /// The page shown instead of redirecting when the client or its redirect URI cannot be trusted
    /// (RFC 6749 §4.1.2.1: the server MUST NOT redirect to an unverified URI).
    static func errorPage(title: String, message: String) -> String {
        page(title: title, body: """
        <h1>\(escape(title))</h1>
        <p>\(escape(message))</p>
        <p>The authorization server did not redirect back to the application, because it cannot tell whether the redirect URI belongs to it (RFC 6749 §4.1.2.1).</p>
        """)
    }

    /// The consent page: a form that posts every original parameter back with `decision=approve|deny`. It teaches
    /// as it asks: the user is at the authorization server now, which client asks for what, and where the answer
    /// goes.
    static func consentPage(
        clientID: String, user: String, scopes: [String], parameters: [(name: String, value: String)], action: String = "/authorize",
        server: String = "the authorization server", redirectURI: String? = nil
    ) -> String {
        let hidden = parameters
            .map { "<input type=\"hidden\" name=\"\(escape($0.name))\" value=\"\(escape($0.value))\">" }
            .joined(separator: "\n")
        let scopeList = scopes.map { scope -> String in
            let meaning = Glossary.scope(scope).map { " &mdash; \(escape($0.purpose)) <small>(\(escape($0.ref)))</small>" }
                ?? " &mdash; a scope this server defines; ask its documentation what it grants."
            return "<li><code>\(escape(scope))</code>\(meaning)</li>"
        }.joined(separator: "\n")
        let destination = redirectURI.map { "<code>\(escape($0))</code>" } ?? "the redirect URI the application registered"
        return page(title: "Authorize \(clientID)", body: """
        <p><small>\(escape(server))</small></p>
        <h1>\(escape(clientID)) asks for access</h1>
        <p>You are now at the <strong>authorization server</strong>, not at the application. The application \
        <code>\(escape(clientID))</code> sent your browser here to ask for your permission; what you type on this \
        page is never shown to it (RFC 6749 §4.1, steps A and B).</p>
        <p>Signed in as <strong>\(escape(user))</strong>. <code>\(escape(clientID))</code> asks for these scopes \
        (RFC 6749 §3.3):</p>
        <ul>
        \(scopeList)
        </ul>
        <p>Where the answer goes: whichever you choose, this server sends your browser back to \(destination). \
        Approve sends a one-time authorization code; Deny sends <code>error=access_denied</code>. Either way the \
        application's <code>state</code> goes back with it, so the application can tell the answer belongs to its \
        request (RFC 6749 §4.1.2, §4.1.2.1). With a code, the application then asks this server for tokens \
        directly, without your browser (RFC 6749 §4.1.3).</p>
        <form method="post" action="\(escape(action))">
        \(hidden)
        <button type="submit" name="decision" value="approve">Approve</button>
        <button type="submit" name="decision" value="deny">Deny</button>
        </form>
        """)
    }
}
