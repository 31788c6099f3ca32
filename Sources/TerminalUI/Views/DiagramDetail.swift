import FlowEngine
import Foundation
import OAuthCore

/// What the detail pane shows while the sequence diagram is on: the selected hop's raw HTTP.
extension DetailView {
    /// The detail pane's title and text for the current UI: the selected hop while the diagram is on, else the
    /// step or event as always. The screen and the detail search both read it, so they lay out the same lines.
    static func content(state: FlowState, ui: UIState, glyphs: Glyphs, now: Date) -> (title: String, document: Document) {
        var reader = SequenceDiagram(state)
        if ui.showingDiagram, ui.inspectedSeq == nil, let arrow = reader.selectedArrow(ui.diagramSelection) {
            // Secrets follow the `r` choice of the step the hop belongs to.
            var hopUI = ui
            if let i = state.log.index(ofSeq: arrow.seq), let step = state.grant.step(of: state.log[i]) {
                hopUI.selectedStep = step
                hopUI.followsCurrentStep = false
            }
            let view = DetailView(state: state, ui: hopUI, glyphs: glyphs, now: now)
            return (view.hopTitle(arrow), view.hopDocument(arrow))
        }
        let view = DetailView(state: state, ui: ui, glyphs: glyphs, now: now)
        return (view.title, view.document())
    }

    func hopTitle(_ a: DiagramArrow) -> String {
        "Hop \(glyphs.separator) \(a.name) \(glyphs.separator) \(a.status)"
    }

    /// One hop: who talked to whom, why, and the request and answer as they went on the wire.
    func hopDocument(_ a: DiagramArrow) -> Document {
        var doc = Document()
        let log = state.log
        guard let i = log.index(ofSeq: a.seq), log[i].seq == a.seq else {
            doc.line(Span("This hop is no longer in the event log.", .muted))
            return doc
        }
        let event = log[i]
        let arrow = glyphs.asciiOnly ? "->" : "→"
        doc.line([Span(a.from.name + " \(arrow) " + a.to.name, .title)])
        doc.line([Span(Format.clock(event.time, zone: ui.timeZone), .muted),
                  Span(" \(glyphs.separator) " + (a.frontChannel ? "front channel, through the browser" : "back channel, direct"), .muted)])
        // A grant other than the authorization code sends its own token request, not a code.
        let grantTokenRequest = a.name == "token" ? GrantType(rawValue: state.grant.id).map {
            "The client sends its \($0.displayName) token request (grant_type \($0.wireValue)) to the token endpoint, with its own credentials (\($0.reference))."
        } : nil
        if let why = grantTokenRequest ?? Self.hopExplanation(a.name) {
            doc.blank()
            doc.text(why, .text)
        }
        switch event.payload {
        case .userRedirected(let r):
            doc.heading("Request (sent through the browser)")
            if let auth = state.authorization {
                doc.line([Span("GET", .httpMethod), Span(" "), Span(auth.url, .jsonString)])
                doc.blank()
                doc.table(params(auth.params, context: .authorizationRequest))
            }
            doc.line([Span("via  ", .jsonKey), Span(r.via.rawValue, .jsonString)], indent: 5)
            if let c = r.command { doc.line([Span("command  ", .jsonKey), Span(c)], indent: 9) }
        case .callbackReceived(let c):
            doc.heading("Request (arrived at the listener)")
            doc.line([Span(c.method, .httpMethod), Span(" "), Span(c.path), Span(" from \(c.remote)", .muted)])
            if let h = c.headers, let members = h.objectValue {
                for (name, v) in members { doc.line([Span(name + ": ", .jsonKey), Span(Format.inline(v))], indent: 4) }
            }
            doc.table(params(c.query, context: .callback))
            doc.heading("Answer")
            var verdict = [Span("verdict  ", .jsonKey), Span(c.verdict.rawValue, verdictRole(c.verdict))]
            if let d = c.detail { verdict.append(Span(" \(glyphs.separator) " + d)) }
            doc.line(verdict, indent: 9)
            if let s = c.status { doc.line([Span("HTTP \(s)", .httpStatus(s)), Span(" answered to the browser", .muted)]) }
            if let f = c.forwarded { doc.line([Span("forwarded  ", .jsonKey), Span(f)], indent: 11) }
        case .httpRequest(let r), .tokenRequest(let r):
            doc.heading("Request")
            request(&doc, r, bodyContext: [HopPurpose.token, .refresh, .checkRotation].contains(r.purpose) ? .tokenRequest : nil)
            doc.heading("Response")
            if let seq = a.responseSeq, let j = log.index(ofSeq: seq), log[j].seq == seq {
                switch log[j].payload {
                case .httpResponse(let resp), .tokenResponse(let resp): response(&doc, resp)
                default: break
                }
            } else if a.statusRole == .stepFailed {
                doc.line(Span("No answer came; the event log and the step's detail say why.", .findingError))
            } else {
                doc.line(Span("(no response yet)", .muted))
            }
        default:
            break
        }
        return doc
    }

    /// Why a hop happens, in a sentence, with the section that defines it.
    static func hopExplanation(_ name: String) -> String? {
        switch name {
        case "authorize": return "The browser is sent to the authorization endpoint with the request; the user signs in and consents there, never at the client (RFC 6749 §4.1.1)."
        case "callback": return "The authorization server sends the browser back to the redirect URI with the code, or with an error; the client checks state before trusting it (RFC 6749 §4.1.2, §10.12)."
        case "discovery": return "The client reads the provider's metadata to learn its endpoints (OIDC Discovery §4, RFC 8414 §3)."
        case "token": return "The client exchanges the code, with its PKCE verifier and its credentials, for tokens (RFC 6749 §4.1.3, RFC 7636 §4.5)."
        case "jwks": return "The client fetches the provider's public keys to check the ID token's signature (OIDC Core §10.1.1, RFC 7517)."
        case "userinfo": return "The client calls a protected resource with the access token: the userinfo endpoint (OIDC Core §5.3, RFC 6750 §2.1)."
        case "refresh": return "The client trades the refresh token for a new access token (RFC 6749 §6)."
        case "check-rotation": return "The client replays the replaced refresh token: a provider that rotates them must refuse it (RFC 9700 §4.14.2)."
        case "introspect": return "The client asks the authorization server whether the token is active (RFC 7662 §2)."
        case "revoke": return "The client tells the authorization server the token is no longer needed (RFC 7009 §2)."
        default: return nil
        }
    }
}
