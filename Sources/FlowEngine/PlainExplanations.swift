import OAuthCore

extension PlainPrinter {
    /// `--explain`: after the line of a step that has just happened, its "what just happened, and why" text
    /// (the grant's `FlowStep.explanation`), indented and wrapped at `width` columns; after a failure with an OAuth error
    /// code, what the code means and where it is defined. Nothing for other events.
    public static func explanation(for event: FlowEvent, grant: GrantDescription = .authorizationCode, width: Int = 100) -> [String] {
        if case .flowFailed(let f) = event.payload {
            // The error code's meaning and section, which the failure line itself does not give.
            guard let code = f.error, let meaning = Glossary.errorCode(code) else { return [] }
            return wrap("\(code): \(meaning.purpose) See \(meaning.ref).", width: width, indent: "    ")
        }
        guard let step = grant.steps.first(where: { $0.completes.contains(event.payload.kind) }) else { return [] }
        return wrap(step.explanation, width: width, indent: "    ")
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
