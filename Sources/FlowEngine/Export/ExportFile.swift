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

/// Writes an export to a `PrivateFile` (mode 0600, never through a symbolic link): an export may hold secrets
/// (`--reveal`), and a link planted where it goes must not redirect it.
public enum ExportFile {
    public static func write(_ text: String, to path: String) throws(ExportFileError) {
        let fd: Int32
        do { fd = try PrivateFile.create(path) } catch {
            switch error {
            case .symbolicLink: throw .cannotCreate(path: path, reason: "it is a symbolic link")
            case .notRegularFile: throw .cannotCreate(path: path, reason: "it exists and is not a regular file")
            case .cannotCreate(let reason): throw .cannotCreate(path: path, reason: reason)
            }
        }
        defer { close(fd) }
        if let e = FileDescriptor.writeAll(fd, Array(text.utf8)[...]) {
            throw .cannotWrite(path: path, reason: String(cString: strerror(e)))
        }
    }

    /// A file name for exporting a session now, e.g. `oauthscope-fAb12-20261204T101500Z.har`.
    public static func defaultName(flowID: String, format: ExportFormat, at time: Date = Date()) -> String {
        let stamp = EventTime.format(time).prefix(19).replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
        let id = String(flowID.unicodeScalars.filter { $0.isASCII && (CharacterSet.alphanumerics.contains($0)) }.prefix(16).map(Character.init))
        return "oauthscope-\(id.isEmpty ? "session" : id)-\(stamp)Z.\(format.fileExtension)"
    }
}
