import FlowEngine
import Foundation
import OAuthCore

/// Copying to the clipboard of the terminal the user sits at, through OSC 52: the terminal (or tmux, with
/// `set-clipboard on`, the default `external` passing it on) puts the text on its clipboard, which works over
/// SSH where no local clipboard tool could.
public enum OSC52 {
    /// `ESC ] 52 ; c ; <base64 of the UTF-8 text> BEL`.
    public static func sequence(for text: String) -> [UInt8] {
        Array("\u{1b}]52;c;".utf8) + Array(Data(text.utf8).base64EncodedString().utf8) + [0x07]
    }

    /// What may go on the clipboard: `text` without control characters (C0 with newlines and tabs, DEL, C1) and
    /// the invisible or bidi ones `TerminalSafeText` escapes. A revealed value comes from the provider, and a
    /// newline in it would run whatever follows when pasted into a shell. `removed` counts what was left out.
    public static func clipboardText(_ text: String) -> (text: String, removed: Int) {
        var out = String.UnicodeScalarView()
        var removed = 0
        for u in text.unicodeScalars {
            if TerminalSafeText.needsEscape(u) { removed += 1 } else { out.append(u) }
        }
        return (String(out), removed)
    }
}

extension UIState {
    /// What `y` copies: the event selected in the log or opened from it (its JSONL line); otherwise the value of
    /// the displayed step: the authorization URL, the code, or the newest access token. Secrets are copied only
    /// when they are shown in clear, as on screen.
    mutating func copy(state: FlowState) -> [UIEffect] {
        let event: FlowEvent?
        if let e = inspectedEvent(in: state) {
            event = e
        } else if focus == .log, let i = logIndex(in: state) {
            event = state.log[i]
        } else {
            event = nil
        }
        if let e = event {
            let reveal = state.grant.step(of: e).map(isRevealed) ?? revealByDefault
            // JSON escapes every control character, so nothing needs removing.
            let line = OSC52.clipboardText(e.jsonLine(reveal: reveal)).text
            notice = "Copied event #\(e.seq) (\(e.type)) as JSON to the clipboard (OSC 52)"
            return [.copy(line)]
        }
        let step = displayedStep(in: state)
        let what: String
        let value: Sensitive
        // What a step holds decides what `y` copies: its tokens, its code, or else the authorization URL.
        if step.events.contains(.tokenExchanged) {
            guard let t = state.tokens else {
                notice = "Nothing to copy yet: no tokens were issued."
                return []
            }
            what = "the access token"
            value = state.actions.last(where: { $0.action == "refresh" && $0.ok && $0.accessToken != nil })?.accessToken ?? t.accessToken
        } else if step.events.contains(.codeReceived) {
            guard let c = state.code else {
                notice = "Nothing to copy yet: no code has arrived."
                return []
            }
            what = "the authorization code"
            value = c.code
        } else {
            guard let a = state.authorization else {
                notice = "Nothing to copy yet: the authorization URL has not been built."
                return []
            }
            what = "the authorization URL"
            value = Sensitive(public: a.url)
        }
        if value.isRedacted, !isRevealed(step) {
            notice = "\(what.capitalizedFirst) is hidden: press r to show it, then y copies it."
            return []
        }
        let (text, removed) = OSC52.clipboardText(value.display(reveal: isRevealed(step)))
        let stripped = removed == 0 ? "" : "; \(removed) control character\(removed == 1 ? " was" : "s were") removed"
        notice = "Copied \(what) (\(text.count) characters\(stripped)) to the clipboard (OSC 52)"
        return [.copy(text)]
    }
}
