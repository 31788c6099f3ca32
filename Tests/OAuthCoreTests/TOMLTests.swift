import Testing

@testable import OAuthCore

/// The TOML reader against the examples of the TOML v1.0.0 specification (https://toml.io/en/v1.0.0), quoted
/// verbatim where the reader supports the feature, and against the errors it must give (with their lines).
@Suite struct TOMLTests {
    func parse(_ text: String) throws -> TOMLTable { try TOML.parse(text) }

    func error(_ text: String) -> TOMLError? {
        do {
            _ = try TOML.parse(text)
            return nil
        } catch {
            return error
        }
    }

    // MARK: Spec examples

    @Test func specIntroductionExample() throws {
        // toml.io v1.0.0, "Example" (without the dates, which this reader refuses, and the array of tables).
        let doc = """
        # This is a TOML document

        title = "TOML Example"

        [owner]
        name = "Tom Preston-Werner"

        [database]
        enabled = true
        ports = [ 8000, 8001, 8002 ]
        data = [ ["delta", "phi"], [3.14] ]
        temp_targets = { cpu = 79.5, case = 72.0 }

        [servers]

        [servers.alpha]
        ip = "10.0.0.1"
        role = "frontend"

        [servers.beta]
        ip = "10.0.0.2"
        role = "backend"
        """
        let t = try parse(doc)
        #expect(t.keys == ["title", "owner", "database", "servers"])
        #expect(t["title"] == .string("TOML Example"))
        #expect(t[path: ["owner", "name"]] == .string("Tom Preston-Werner"))
        #expect(t[path: ["database", "enabled"]] == .bool(true))
        #expect(t[path: ["database", "ports"]] == .array([.integer(8000), .integer(8001), .integer(8002)]))
        #expect(t[path: ["database", "data"]] == .array([.array([.string("delta"), .string("phi")]), .array([.float(3.14)])]))
        #expect(t[path: ["database", "temp_targets", "case"]] == .float(72.0))
        #expect(t[path: ["servers", "beta", "role"]] == .string("backend"))
        #expect(t.line(of: "title") == 3)
        #expect(t["database"]?.tableValue?.line(of: "ports") == 10)
        #expect(t["servers"]?.tableValue?["alpha"]?.tableValue?.line == 16)
    }

    @Test func keys() throws {
        // toml.io v1.0.0, "Keys".
        let t = try parse("""
        key = "value"
        bare_key = "value"
        bare-key = "value"
        1234 = "value"
        "127.0.0.1" = "value"
        "character encoding" = "value"
        "ʎǝʞ" = "value"
        'key2' = "value"
        'quoted "value"' = "value"
        name = "Orange"
        physical.color = "orange"
        physical.shape = "round"
        site."google.com" = true
        fruit.name = "banana"     # this is best practice
        fruit. color = "yellow"    # same as fruit.color
        fruit . flavor = "banana"   # same as fruit.flavor
        """)
        #expect(t["1234"] == .string("value"))
        #expect(t["127.0.0.1"] == .string("value"))
        #expect(t["ʎǝʞ"] == .string("value"))
        #expect(t["quoted \"value\""] == .string("value"))
        #expect(t[path: ["physical", "shape"]] == .string("round"))
        #expect(t[path: ["site", "google.com"]] == .bool(true))
        #expect(t["fruit"]?.tableValue?.keys == ["name", "color", "flavor"])
        #expect(t["physical"]?.tableValue?.line(of: "shape") == 12)
    }

    @Test func strings() throws {
        // toml.io v1.0.0, "String".
        let t = try parse(#"""
        str = "I'm a string. \"You can quote me\". Name\tJos\u00E9\nLocation\tSF."
        str1 = """
        Roses are red
        Violets are blue"""
        str2 = """
        The quick brown \


          fox jumps over \
            the lazy dog."""
        str4 = """Here are two quotation marks: "". Simple enough."""
        str5 = """Here are three quotation marks: ""\"."""
        str7 = """"This," she said, "is just a pointless statement.""""
        winpath  = 'C:\Users\nodejs\templates'
        quoted   = 'Tom "Dubs" Preston-Werner'
        regex    = '<\i\c*\s*>'
        lines  = '''
        The first newline is
        trimmed in raw strings.
           All other whitespace
           is preserved.
        '''
        quot15 = '''Here are fifteen quotation marks: """""""""""""""'''
        apos15 = "Here are fifteen apostrophes: '''''''''''''''"
        str8 = "\U0001F600 \b\f\r"
        """#)
        #expect(t["str"] == .string("I'm a string. \"You can quote me\". Name\tJosé\nLocation\tSF."))
        #expect(t["str1"] == .string("Roses are red\nViolets are blue"))
        #expect(t["str2"] == .string("The quick brown fox jumps over the lazy dog."))
        #expect(t["str4"] == .string(#"Here are two quotation marks: "". Simple enough."#))
        #expect(t["str5"] == .string(#"Here are three quotation marks: """."#))
        #expect(t["str7"] == .string(#""This," she said, "is just a pointless statement.""#))
        #expect(t["winpath"] == .string(#"C:\Users\nodejs\templates"#))
        #expect(t["quoted"] == .string(#"Tom "Dubs" Preston-Werner"#))
        #expect(t["regex"] == .string(#"<\i\c*\s*>"#))
        #expect(t["lines"] == .string("The first newline is\ntrimmed in raw strings.\n   All other whitespace\n   is preserved.\n"))
        #expect(t["quot15"] == .string("Here are fifteen quotation marks: " + String(repeating: "\"", count: 15)))
        #expect(t["apos15"] == .string("Here are fifteen apostrophes: " + String(repeating: "'", count: 15)))
        #expect(t["str8"] == .string("😀 \u{08}\u{0C}\r"))
    }

    @Test func integersAndFloats() throws {
        // toml.io v1.0.0, "Integer" and "Float".
        let t = try parse("""
        int1 = +99
        int2 = 42
        int3 = 0
        int4 = -17
        int5 = 1_000
        int6 = 5_349_221
        int7 = 53_49_221
        int8 = 1_2_3_4_5
        hex1 = 0xDEADBEEF
        hex2 = 0xdeadbeef
        hex3 = 0xdead_beef
        oct1 = 0o01234567
        oct2 = 0o755
        bin1 = 0b11010110
        flt1 = +1.0
        flt2 = 3.1415
        flt3 = -0.01
        flt4 = 5e+22
        flt5 = 1e06
        flt6 = -2E-2
        flt7 = 6.626e-34
        flt8 = 224_617.445_991_228
        sf1 = inf
        sf2 = +inf
        sf3 = -inf
        sf4 = nan
        """)
        let ints: [(String, Int)] = [("int1", 99), ("int2", 42), ("int3", 0), ("int4", -17), ("int5", 1000), ("int6", 5_349_221),
                                     ("int7", 5_349_221), ("int8", 12345), ("hex1", 0xDEADBEEF), ("hex2", 0xDEADBEEF),
                                     ("hex3", 0xDEADBEEF), ("oct1", 0o1234567), ("oct2", 0o755), ("bin1", 0b11010110)]
        for (k, v) in ints { #expect(t[k] == .integer(v), "\(k)") }
        let floats: [(String, Double)] = [("flt1", 1.0), ("flt2", 3.1415), ("flt3", -0.01), ("flt4", 5e22), ("flt5", 1e6),
                                          ("flt6", -0.02), ("flt7", 6.626e-34), ("flt8", 224_617.445_991_228),
                                          ("sf1", .infinity), ("sf2", .infinity), ("sf3", -.infinity)]
        for (k, v) in floats { #expect(t[k] == .float(v), "\(k)") }
        #expect(t["sf4"]?.doubleValue?.isNaN == true)
    }

    @Test func booleansArraysAndComments() throws {
        // toml.io v1.0.0, "Boolean", "Array" and "Comment".
        let t = try parse("""
        # This is a full-line comment
        key = "value"  # This is a comment at the end of a line
        another = "# This is not a comment"
        bool1 = true
        bool2 = false
        integers = [ 1, 2, 3 ]
        colors = [ "red", "yellow", "green" ]
        nested_mixed_array = [ [ 1, 2 ], ["a", "b", "c"] ]
        string_array = [ "all", 'strings', \"""are the same\""", '''type''' ]
        numbers = [ 0.1, 0.2, 0.5, 1, 2, 5 ]
        contributors = [
          "Foo Bar <foo@example.com>",
          { name = "Baz Qux", email = "bazqux@example.com", url = "https://example.com/bazqux" }
        ]
        integers2 = [
          1, 2, 3
        ]
        integers3 = [
          1,
          2, # this is ok
        ]
        """)
        #expect(t["another"] == .string("# This is not a comment"))
        #expect(t["bool2"] == .bool(false))
        #expect(t["string_array"] == .array(["all", "strings", "are the same", "type"].map(TOMLValue.string)))
        #expect(t["contributors"]?.arrayValue?[1].tableValue?["email"] == .string("bazqux@example.com"))
        #expect(t["integers3"] == .array([.integer(1), .integer(2)]))
        #expect(t["numbers"]?.arrayValue?.count == 6)
    }

    @Test func tablesAndInlineTables() throws {
        // toml.io v1.0.0, "Table" and "Inline Table".
        let t = try parse("""
        name = { first = "Tom", last = "Preston-Werner" }
        point = { x = 1, y = 2 }
        animal = { type.name = "pug" }

        [table-1]
        key1 = "some string"
        key2 = 123

        [dog."tater.man"]
        type.name = "pug"

        [ j . "ʞ" . 'l' ]

        # [x] you
        # [x.y] don't
        # [x.y.z] need these
        [x.y.z.w] # for this to work

        [x] # defining a super-table afterward is ok

        [fruit]
        apple.color = "red"
        apple.taste.sweet = true

        [fruit.apple.texture]  # you can add sub-tables
        smooth = true
        """)
        #expect(t[path: ["name", "last"]] == .string("Preston-Werner"))
        #expect(t[path: ["animal", "type", "name"]] == .string("pug"))
        #expect(t[path: ["table-1", "key2"]] == .integer(123))
        #expect(t[path: ["dog", "tater.man", "type", "name"]] == .string("pug"))
        #expect(t[path: ["j", "ʞ", "l"]]?.tableValue?.isEmpty == true)
        #expect(t[path: ["x", "y", "z", "w"]] != nil)
        #expect(t[path: ["fruit", "apple", "texture", "smooth"]] == .bool(true))
        #expect(t[path: ["fruit", "apple", "taste", "sweet"]] == .bool(true))
        #expect(t.line(of: "table-1") == 5)
    }

    @Test func crlfLineEndings() throws {
        let t = try parse("a = 1\r\n[b]\r\nc = \"x\" # note\r\n")
        #expect(t["a"] == .integer(1))
        #expect(t[path: ["b", "c"]] == .string("x"))
        #expect(t["b"]?.tableValue?.line(of: "c") == 3)
    }

    // MARK: Errors name the line and column

    @Test(arguments: [
        // Each case: document, line, column, a phrase the message must contain. Invalid examples from toml.io.
        ("key = # INVALID", 1, 7, "expected a value"),
        ("first = \"Tom\" last = \"Preston-Werner\" # INVALID", 1, 15, "end of the line"),
        ("= \"no key name\"  # INVALID", 1, 1, "expected a key"),
        ("a = 1\nname = \"Tom\"\nname = \"Pradyun\"", 3, 1, "defined twice (first on line 2)"),
        ("spelling = \"favorite\"\n\"spelling\" = \"favourite\"", 2, 1, "defined twice"),
        ("fruit.apple = 1\nfruit.apple.smooth = true", 2, 7, "already holds a value"),
        ("[fruit]\napple = \"red\"\n\n[fruit]\norange = \"orange\"", 4, 1, "defined twice"),
        ("[fruit]\napple = \"red\"\n\n[fruit.apple]\ntexture = \"smooth\"", 4, 8, "already holds a value"),
        ("[fruit]\napple.color = \"red\"\n[fruit.apple]", 3, 1, "dotted keys"),
        ("[product]\ntype = { name = \"Nail\" }\ntype.edible = false", 3, 1, "inline table"),
        ("[product]\ntype.name = \"Nail\"\n[product.type]", 3, 1, "dotted keys"),
        ("x = [1, 2", 1, 10, "not closed"),
        ("x = { a = 1, }", 1, 14, "may not end with a comma"),
        ("x = { a = 1,\n b = 2 }", 1, 13, "one line"),
        ("s = \"abc", 1, 5, "not closed"),
        ("s = \"a\\qb\"", 1, 7, "not an escape"),
        ("s = \"\\u12\"", 1, 6, "4 hexadecimal digits"),
        ("n = 01", 1, 5, "leading zeros"),
        ("n = 1__000", 1, 5, "not a number"),
        ("n = 3.", 1, 5, "digits after the point"),
        ("n = .7", 1, 5, "digits before the point"),
        ("n = 99999999999999999999", 1, 5, "64-bit"),
        ("d = 1979-05-27", 1, 5, "dates and times"),
        ("t = 07:32:00", 1, 5, "dates and times"),
        ("b = yes", 1, 5, "strings need quotes"),
        ("[[fruits]]", 1, 1, "arrays of tables"),
        ("[a\nb = 1", 1, 3, "expected \"]\""),
        ("ok = 1\n\n  [tbl]\n  k = 'x\n", 4, 7, "not closed"),
        ("a = \"\u{01}\"", 1, 6, "control character U+0001"),
    ])
    func errorsSayWhereAndWhat(doc: String, line: Int, column: Int, phrase: String) throws {
        let e = try #require(error(doc), "\(doc.debugDescription) should not parse")
        #expect(e.line == line, "\(doc.debugDescription): \(e)")
        #expect(e.column == column, "\(doc.debugDescription): \(e)")
        #expect(e.message.contains(phrase), "\(doc.debugDescription): \(e)")
        #expect(e.description.hasPrefix("line \(line), column \(column): "))
    }

    @Test func everyKeyKeepsItsLine() throws {
        let t = try parse("""
        # theme
        inherits = "default"

        [palette]
        blue = "#268bd2"
        "step.done" = { fg = "green", modifiers = ["bold"] }
        """)
        #expect(t.line(of: "inherits") == 2)
        let palette = try #require(t["palette"]?.tableValue)
        #expect(palette.line == 4)
        #expect(palette.line(of: "blue") == 5)
        #expect(palette.line(of: "step.done") == 6)
        #expect(palette.column(of: "step.done") == 1)
        let style = try #require(palette["step.done"]?.tableValue)
        #expect(style.line(of: "modifiers") == 6)
        #expect(style.column(of: "modifiers") == 31)
    }
}
