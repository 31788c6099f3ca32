import Foundation

/// Why an export could not be written.
public enum ExportFileError: Error, Hashable, CustomStringConvertible {
    case cannotCreate(path: String, reason: String)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotCreate(let p, let r): return "\(p): cannot create the export file: \(r) (check the folder exists and is writable; a symbolic link is refused)"
        case .cannotWrite(let p, let r): return "\(p): cannot write the export: \(r)"
        }
    }
}

/// Writes an export to a file that only its owner can read (mode 0600), refusing to follow a symbolic link at
/// `path`: an export may hold secrets (`--reveal`), and a link planted where it goes must not redirect it.
public enum ExportFile {
    public static func write(_ text: String, to path: String) throws(ExportFileError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .cannotCreate(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        // An existing file keeps its mode through O_TRUNC; make it private too.
        guard fchmod(fd, 0o600) == 0 else { throw .cannotCreate(path: path, reason: String(cString: strerror(errno))) }
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .cannotWrite(path: path, reason: String(cString: strerror(errno)))
            }
            bytes = bytes.dropFirst(n)
        }
    }

    /// A file name for exporting a session now, e.g. `oauthscope-fAb12-20261204T101500Z.har`.
    public static func defaultName(flowID: String, format: ExportFormat, at time: Date = Date()) -> String {
        let stamp = EventTime.format(time).prefix(19).replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
        let id = String(flowID.unicodeScalars.filter { $0.isASCII && (CharacterSet.alphanumerics.contains($0)) }.prefix(16).map(Character.init))
        return "oauthscope-\(id.isEmpty ? "session" : id)-\(stamp)Z.\(format.fileExtension)"
    }
}
