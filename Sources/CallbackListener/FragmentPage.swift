import HTTPTypes
import Hummingbird
import NIOCore

/// The page served at the redirect URI when a request carries no query parameters and fragments are caught.
///
/// With `response_mode=fragment` the authorization response is in the URL fragment, which a browser never sends to
/// a server (OAuth 2.0 Multiple Response Type Encoding Practices §2.1). The page's script posts `location.hash`
/// back to the same path, with a one-time token only this page knows, so the listener can judge it like a query.
/// The script runs only by its nonce (`default-src 'none'`), may talk only to its own origin (`connect-src
/// 'self'`), and the page still echoes nothing from the request.
public struct FragmentPage: Sendable {
    /// The CSP nonce of this page's one script.
    public let nonce: String
    /// The one-time token the script sends back; the listener accepts one post-back per token.
    public let token: String

    /// The post-back's content type: not a CORS-safelisted one, so another origin cannot post it without a
    /// preflight that the listener never answers.
    public static let contentType = "application/x-oauthscope-fragment"
    /// The header that carries the one-time token.
    public static let tokenHeaderName = "X-OAuthscope-Fragment-Token"
    /// The header of the post-back's answer naming the `--forward` target the page then sends the browser to.
    public static let forwardHeaderName = "X-OAuthscope-Forward"
    /// How many pages may wait for their post-back at once; older tokens are forgotten.
    public static let maxPending = 64

    // Both names are valid header tokens; the fallbacks are never used.
    static let tokenHeader = HTTPField.Name(tokenHeaderName) ?? .contentType
    static let forwardHeader = HTTPField.Name(forwardHeaderName) ?? .contentType

    public init(nonce: String, token: String) {
        self.nonce = nonce
        self.token = token
    }

    /// The page's Content-Security-Policy: nothing but its own nonce'd script, its inline style, and fetches to itself.
    public var contentSecurityPolicy: String {
        "default-src 'none'; script-src 'nonce-\(nonce)'; connect-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    }

    /// The words the page says about itself, before and after the post-back.
    public static let explanation = "This request reached oauthscope's callback without query parameters. When the provider uses response_mode=fragment, the authorization response is in the URL fragment (after #), which a browser never sends to a server: so this page sends the URL fragment back to oauthscope because the provider used response_mode=fragment, and oauthscope judges it like a query."
    public static let sentWords = "This page sent the URL fragment back to oauthscope because the provider used response_mode=fragment. The terminal shows what arrived; you can close this tab."

    /// The HTML. Only the nonce and the token (base64url, made here) are interpolated; nothing from the request.
    public var html: String {
        """
        <!doctype html><html><head><meta charset="utf-8"><title>oauthscope: reading the URL fragment</title>
        <style>body{font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;color:#222}</style></head>
        <body><h1>Reading the URL fragment</h1><p>\(Self.explanation)</p>
        <p id="status">Looking for a URL fragment…</p>
        <noscript><p>JavaScript is off, so this page cannot send a URL fragment back: oauthscope sees no parameters.</p></noscript>
        <script nonce="\(nonce)">
        (function () {
          var status = document.getElementById("status");
          var fragment = location.hash.replace(/^#/, "");
          if (!fragment) { status.textContent = "There is no URL fragment either: no authorization response arrived here. The terminal shows the request."; return; }
          history.replaceState(null, "", location.pathname);
          status.textContent = "Sending the URL fragment back to oauthscope…";
          fetch(location.pathname, {method: "POST", body: fragment, credentials: "omit", cache: "no-store", redirect: "error",
                                    headers: {"Content-Type": "\(Self.contentType)", "\(Self.tokenHeaderName)": "\(token)"}})
            .then(function (r) {
              status.textContent = r.ok ? "\(Self.sentWords)"
                : "This page sent the URL fragment back to oauthscope because the provider used response_mode=fragment, and oauthscope refused it (HTTP " + r.status + "). The terminal says why.";
              var forward = r.headers.get("\(Self.forwardHeaderName)");
              if (r.ok && forward) { location.replace(forward + "#" + fragment); }
            })
            .catch(function () { status.textContent = "This page could not send the URL fragment back to oauthscope."; });
        })();
        </script></body></html>
        """
    }

    func response() -> Response {
        var headers = CallbackPages.safetyHeaders
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// The answer to a post-back: the status the listener judged, a line of text, and where to forward (if anywhere).
    static func postBackAnswer(status: Int, forward: String?) -> Response {
        var headers = CallbackPages.safetyHeaders
        headers[.contentType] = "text/plain; charset=utf-8"
        if let forward { headers[forwardHeader] = forward }
        let text = (200..<300).contains(status) ? "received" : "refused: the terminal says why"
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
