import Foundation
import FuzzSupport
import OAuthCore

/// The TOML reader (themes, the config file, profiles): any text gives a table or an error with a position.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTOML(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = Fuzz.text(data, size)
    do {
        let table = try TOML.parse(text)
        // Count line feeds as scalars: as Characters, "\r\n" is one grapheme and would not split.
        let lines = text.unicodeScalars.filter { $0 == "\n" }.count + 1
        walk(table, lines: lines, depth: 0)
    } catch {
        Fuzz.require(error.line >= 1 && error.column >= 1, "error without a position: \(error)")
        Fuzz.require(!error.message.isEmpty, "error without a message")
    }
    return 0
}

/// Every key keeps a line inside the document, and nothing nests deeper than the reader allows.
private func walk(_ table: TOMLTable, lines: Int, depth: Int) {
    Fuzz.require(depth <= 3 * TOML.maxDepth, "tables nested \(depth) deep")
    for key in table.keys {
        let line = table.line(of: key) ?? 0
        Fuzz.require(line >= 0 && line <= lines, "key \(key) on line \(line) of \(lines)")
        if let v = table[key] { walk(v, lines: lines, depth: depth + 1) }
    }
}

private func walk(_ value: TOMLValue, lines: Int, depth: Int) {
    switch value {
    case .table(let t): walk(t, lines: lines, depth: depth)
    case .array(let a): for v in a { walk(v, lines: lines, depth: depth + 1) }
    case .integer, .float, .string, .bool: break
    }
}

exit(Fuzz.run(fuzzTOML))
