import Foundation
import FuzzSupport
import OAuthCore

/// Terminal-safe text: whatever comes in, nothing a terminal acts on goes out, and escaping is stable.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTerminalText(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = Fuzz.text(data, size)
    let safe = TerminalSafeText.escape(input)
    Fuzz.require(!Fuzz.hasTerminalControl(safe), "a control character survived escaping")
    Fuzz.require(!safe.unicodeScalars.contains(where: TerminalSafeText.needsEscape), "escape left a character that needs escaping")
    Fuzz.require(TerminalSafeText.escape(safe) == safe, "escaping is not idempotent")
    Fuzz.require(TerminalSafeText.isPlain(input) == (safe == input), "isPlain disagrees with escape")

    let lines = TerminalSafeText.escape(input, keepNewlines: true)
    Fuzz.require(!Fuzz.hasTerminalControl(lines, allowed: ["\n", "\t"]), "keepNewlines let a control character through")
    Fuzz.require(lines.unicodeScalars.filter { $0 == "\n" }.count == input.unicodeScalars.filter { $0 == "\n" }.count, "keepNewlines changed the number of lines")

    // What the redactor shows of a secret goes to terminals too (as raw text in events).
    let shown = Secret.redact(input)
    Fuzz.require(shown.utf8.count <= input.utf8.count + 32, "a redacted value is longer than the secret")
    return 0
}

exit(Fuzz.run(fuzzTerminalText))
