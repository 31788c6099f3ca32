import Foundation

/// A sample screen in `theme`, with every role on it, for `oauthscope themes preview NAME`: a timeline with
/// each step state, a detail pane with HTTP, JSON, secrets and findings, a status line with key hints, and a
/// table naming every role in its own style. Pure; print it with `ANSIText.render` or draw it with ncurses.
public func renderThemePreview(theme: Theme, width: Int, height: Int, glyphs: Glyphs = .unicode) -> CellGrid {
    var grid = CellGrid(width: width, height: height, asciiOnly: glyphs.asciiOnly)
    guard width >= 40, height >= 12 else {
        grid.write("Theme \(theme.name): the preview needs at least 40x12.", x: 0, y: 0, role: .title)
        return grid
    }
    let renderer = ScreenRenderer(state: .init(), ui: UIState(), theme: theme, glyphs: glyphs, now: nil)
    grid.fill(x: 0, y: 0, width: width, height: 1, role: .title)
    var x = grid.write(" oauthscope theme \(theme.name) ", x: 0, y: 0, role: .title)
    if !theme.description.isEmpty { grid.write("\(glyphs.separator) \(theme.description)", x: x, y: 0, role: .muted) }

    let sideWidth = min(34, width / 3)
    let mainHeight = height - 2
    let side = Rect(x: 0, y: 1, width: sideWidth, height: mainHeight)
    let main = Rect(x: sideWidth, y: 1, width: width - sideWidth, height: mainHeight)
    renderer.drawBox(&grid, side, title: "Flow", focused: false)
    renderer.drawBox(&grid, main, title: "Detail \(glyphs.separator) focused", focused: true)

    let steps: [(String, String, ThemeRole)] = [
        (glyphs.done, "URL built", .stepDone), (glyphs.done, "User redirected", .stepDone),
        (glyphs.inProgress, "Code received", .stepInProgress), (glyphs.failed, "Token exchanged", .stepFailed),
        (glyphs.waiting, "Refresh (waiting)", .stepWaiting),
    ]
    var y = side.y + 1
    for (i, (glyph, label, role)) in steps.enumerated() where y < side.y + side.height - 1 {
        let cx = grid.write(glyph + " ", x: side.x + 1, y: y, role: role, limit: side.maxX - 1)
        grid.write(Text.pad(label, to: side.width - 4), x: cx, y: y, role: i == 1 ? .selection : .text, limit: side.maxX - 1)
        y += 1
    }
    let subs: [(String, String, ThemeRole)] = [(glyphs.ok, "state matches", .stepDone), (glyphs.info, "a note", .findingInfo),
                                               (glyphs.warn, "a warning", .findingWarn), (glyphs.fail, "a failed check", .findingError)]
    for (glyph, text, role) in subs where y < side.y + side.height - 1 {
        let cx = grid.write("  " + glyph + " ", x: side.x + 1, y: y, role: role, limit: side.maxX - 1)
        grid.write(text, x: cx, y: y, role: role == .findingError ? .findingError : .text, limit: side.maxX - 1)
        y += 1
    }

    var doc = Document()
    doc.line(Span("POST", .httpMethod), Span(" https://id.example/token "), Span("HTTP 200", .httpStatus2xx), Span(" "), Span("302", .httpStatus3xx), Span(" "), Span("400", .httpStatus4xx), Span(" "), Span("503", .httpStatus5xx), Span(" \(glyphs.separator) 38 ms", .muted))
    doc.line(Span("{"))
    doc.line(Span("  "), Span("\"access_token\"", .jsonKey), Span(": "), Span("\"eyJh…(812)\"", .secret), Span(","))
    doc.line(Span("  "), Span("\"token_type\"", .jsonKey), Span(": "), Span("\"Bearer\"", .jsonString), Span(","))
    doc.line(Span("  "), Span("\"expires_in\"", .jsonKey), Span(": "), Span("3600", .jsonNumber))
    doc.line(Span("}"))
    doc.line(Span("\(glyphs.info) info: ", .findingInfo), Span("a refresh token was issued"), Span("  \(glyphs.warn) warn: ", .findingWarn), Span("no PKCE"), Span("  \(glyphs.fail) error: ", .findingError), Span("state mismatch"))
    doc.line(Span("A "), Span("search match", .searchMatch), Span(" in the text, a "), Span("selected row", .selection), Span(", and "), Span("muted notes", .muted), Span("."))
    doc.blank()
    doc.line(Span("Roles", .title))
    let lines = doc.layout(width: max(1, main.inner.width - 2), asciiOnly: glyphs.asciiOnly)
    y = main.inner.y
    for line in lines where y < main.y + main.height - 1 {
        grid.draw(line, x: main.inner.x + 1, y: y, limit: main.inner.maxX)
        y += 1
    }
    // Every role by its theme-file name, in its own style, in as many columns as fit.
    let names = ThemeRole.allCases
    let cellWidth = (names.map { CellGrid.columns($0.rawValue) }.max() ?? 10) + 2
    let columns = max(1, (main.inner.width - 2) / cellWidth)
    for (i, role) in names.enumerated() {
        let row = y + i / columns
        guard row < main.y + main.height - 1 else { break }
        grid.write(role.rawValue, x: main.inner.x + 1 + (i % columns) * cellWidth, y: row, role: role, limit: main.inner.maxX)
    }

    let status = Rect(x: 0, y: height - 1, width: width, height: 1)
    grid.fill(x: 0, y: status.y, width: width, height: 1, role: .background)
    x = grid.write(" \(glyphs.done) completed in 271ms", x: 0, y: status.y, role: .stepDone)
    for (key, action) in [("j/k", "step"), ("/", "search"), ("y", "copy"), ("?", "help"), ("q", "quit")] {
        x = grid.write(" " + key, x: x, y: status.y, role: .keyHint)
        x = grid.write(" " + action + " ", x: x, y: status.y, role: .muted)
    }
    return grid
}
