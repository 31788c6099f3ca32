import Foundation

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

    /// The consent page: a form that posts every original parameter back with `decision=approve|deny`.
    static func consentPage(clientID: String, user: String, scopes: [String], parameters: [(name: String, value: String)], action: String = "/authorize") -> String {
        let hidden = parameters
            .map { "<input type=\"hidden\" name=\"\(escape($0.name))\" value=\"\(escape($0.value))\">" }
            .joined(separator: "\n")
        let scopeList = scopes.map { "<li><code>\(escape($0))</code></li>" }.joined()
        return page(title: "Authorize \(clientID)", body: """
        <h1>\(escape(clientID)) wants: \(escape(scopes.joined(separator: " ")))</h1>
        <p>Signed in as <strong>\(escape(user))</strong>. The application asks for:</p>
        <ul>\(scopeList)</ul>
        <form method="post" action="\(escape(action))">
        \(hidden)
        <button type="submit" name="decision" value="approve">Approve</button>
        <button type="submit" name="decision" value="deny">Deny</button>
        </form>
        """)
    }
}
