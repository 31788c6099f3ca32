import Foundation
import OAuthCore
import Testing

/// The finding catalogue is the one place a finding's code, severity, reference and message are written.
@Suite("Finding catalogue")
struct FindingCatalogueTests {
    /// Every Swift file under Sources/, read from the checkout this test was built from.
    static func sourceFiles() throws -> [(path: String, text: String)] {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources")
        guard let walker = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil) else { return [] }
        var files: [(String, String)] = []
        for case let url as URL in walker where url.pathExtension == "swift" {
            files.append((url.path, try String(contentsOf: url, encoding: .utf8)))
        }
        return files
    }

    @Test("codes are unique, templates are filled completely, every protocol finding cites its rule")
    func table() {
        let codes = FindingCatalogue.all.map(\.code)
        #expect(Set(codes).count == codes.count, "duplicate codes")
        for kind in FindingCatalogue.all {
            #expect(!kind.template.isEmpty)
            #expect(kind.code.range(of: #"^[a-z0-9_]+(\.[a-z0-9_{}]+)+$"#, options: .regularExpression) != nil, "code \(kind.code)")
            let values = kind.placeholders.map { "<\($0)>" }
            let f = kind.finding(values: values)
            #expect(!f.message.contains("{{") && !f.code.contains("{{"), "\(kind.code) left a placeholder: \(f.message)")
            #expect(f.severity == kind.severity)
            // Only findings about oauthscope's own surroundings (the demo's faults, the browser command) cite no rule.
            if !kind.code.hasPrefix("demo."), !kind.code.hasPrefix("browser.") { #expect(kind.ref?.isEmpty == false, "\(kind.code) has no reference") }
            #expect(FindingCatalogue.kind(code: f.code) == kind)
        }
    }

    @Test("a kind fills its code and message in order, and keeps the step")
    func filling() {
        let f = FindingCatalogue.pkceUnsupportedMethod.finding("S256", step: "url")
        #expect(f.code == "pkce.unsupported_method")
        #expect(f.message.contains("does not list S256 in"))
        #expect(f.step == "url")
        #expect(f.ref == FindingCatalogue.pkceUnsupportedMethod.ref)
    }

    /// A grep over Sources: no `Finding(.severity, "code", ...)` outside the catalogue, and no catalogue code
    /// spelled out as a string literal anywhere else, so every module goes through the table.
    @Test("no module writes a finding code inline")
    func noInlineCodes() throws {
        let files = try Self.sourceFiles()
        #expect(files.count > 20, "Sources/ not found next to Tests/")
        let inline = try Regex(#"Finding\(\s*(\.(info|warn|error)|[a-z]+)\s*,\s*[".]"#)
        for (path, text) in files where !path.hasSuffix("/FindingCatalogue.swift") {
            #expect(text.firstMatch(of: inline) == nil, "\(path) makes a finding inline; add its kind to FindingCatalogue")
            for kind in FindingCatalogue.all {
                let literal = kind.code.range(of: "{{").map { "\"" + kind.code[..<$0.lowerBound] } ?? "\"\(kind.code)\""
                #expect(!text.contains(literal), "\(path) spells the finding code \(kind.code)")
            }
        }
    }
}
