import OAuthCore

extension PlainPrinter {
    /// `--explain`: after the line of a step that has just happened, its "what just happened, and why" text
    /// (`Glossary.stepExplanation`), indented and wrapped at `width` columns; after a failure with an OAuth error
    /// code, what the code means and where it is defined. Nothing for other events.
    public static func explanation(for event: FlowEvent, width: Int = 100) -> [String] {
        let step: Glossary.Step
        switch event.payload {
        case .urlBuilt: step = .urlBuilt
        case .userRedirected: step = .userRedirected
        case .codeReceived: step = .codeReceived
        case .tokenExchanged: step = .tokenExchanged
        case .flowFailed(let f):
            // The error code's meaning and section, which the failure line itself does not give.
            guard let code = f.error, let meaning = Glossary.errorCode(code) else { return [] }
            return wrap("\(code): \(meaning.purpose) See \(meaning.ref).", width: width, indent: "    ")
        default: return []
        }
        return wrap(Glossary.stepExplanation(step), width: width, indent: "    ")
    }

    /// Words of `text` on lines no wider than `width` (a longer word gets a line of its own), each after `indent`.
    static func wrap(_ text: String, width: Int, indent: String) -> [String] {
        let room = max(20, width - indent.count)
        var lines: [String] = []
        var current = ""
        for word in text.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            if current.isEmpty {
                current = String(word)
            } else if current.count + 1 + word.count <= room {
                current += " " + word
            } else {
                lines.append(indent + current)
                current = String(word)
            }
        }
        if !current.isEmpty { lines.append(indent + current) }
        return lines
    }
}
