import CFuzzerDriver
import Foundation
import OAuthCore

/// What every fuzz target shares: a broken invariant is a crash, so libFuzzer keeps the input that caused it.
public enum Fuzz {
    /// Stops the run (libFuzzer saves the input) when `condition` is false.
    public static func require(_ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) {
        if condition { return }
        FileHandle.standardError.write(Data("invariant broken at \(file):\(line): \(message())\n".utf8))
        abort()
    }

    /// Runs libFuzzer with the program's arguments (`-max_total_time=...`, corpus folders), calling `target` for
    /// every input. Each target's main.swift ends with `exit(Fuzz.run(target))`.
    public static func run(_ target: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        return LLVMFuzzerRunDriver(&argc, &argv, target)
    }

    /// The input as text, the way a peer's bytes become a Swift String (invalid UTF-8 repaired).
    public static func text(_ data: UnsafePointer<UInt8>?, _ size: Int) -> String {
        String(decoding: UnsafeBufferPointer(start: data, count: data == nil ? 0 : size), as: UTF8.self)
    }

    public static func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
        Array(UnsafeBufferPointer(start: data, count: data == nil ? 0 : size))
    }

    /// Every finding says what it is and where the rule comes from (a reference, when given, is not empty).
    public static func requireWellFormed(_ findings: [Finding], file: StaticString = #fileID, line: UInt = #line) {
        for f in findings {
            require(!f.code.isEmpty && !f.message.isEmpty, "a finding without code or message", file: file, line: line)
            require(f.ref?.isEmpty != true, "finding \(f.code) with an empty reference", file: file, line: line)
        }
    }

    /// True when `s` has a character a terminal could act on: C0 (but `allowed`), DEL, C1, bidi controls.
    public static func hasTerminalControl(_ s: String, allowed: Set<Unicode.Scalar> = []) -> Bool {
        s.unicodeScalars.contains { u in
            if allowed.contains(u) { return false }
            switch u.value {
            case 0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C: return true
            default: return false
            }
        }
    }
}
