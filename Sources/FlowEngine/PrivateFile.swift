import Foundation
import OAuthCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file only its owner can read, for what may hold secrets (recordings, exports with `--reveal`): created with
/// `O_CREAT|O_EXCL|O_NOFOLLOW` and mode 0600. An existing regular file is replaced by a new 0600 file created
/// beside it and renamed over it, never rewritten in place (which would keep its mode, its owner and its other
/// hard links); a symbolic link is refused, so a link planted where the file goes cannot redirect it.
public enum PrivateFile {
    public enum Failure: Error, Hashable {
        case cannotCreate(reason: String)
        case symbolicLink
        case notRegularFile
    }

    /// Opens a new private file at `path` for writing and returns its descriptor.
    public static func create(_ path: String) throws(Failure) -> Int32 {
        let flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC
        let fd = open(path, flags, 0o600)
        if fd >= 0 { return fd }
        guard errno == EEXIST || errno == ELOOP else { throw .cannotCreate(reason: String(cString: strerror(errno))) }
        var st = stat()
        guard lstat(path, &st) == 0 else { throw .cannotCreate(reason: String(cString: strerror(errno))) }
        switch st.st_mode & S_IFMT {
        case S_IFLNK: throw .symbolicLink
        case S_IFREG: break
        default: throw .notRegularFile
        }
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        for _ in 0..<8 {
            let temp = folder + "/." + url.lastPathComponent + "." + SecureRandom.token(bytes: 6) + ".tmp"
            let tfd = open(temp, flags, 0o600)
            if tfd < 0 {
                if errno == EEXIST { continue }
                throw .cannotCreate(reason: String(cString: strerror(errno)))
            }
            // rename(2) replaces the name atomically and never follows a link at the target: if one was put
            // there since lstat, the link itself is replaced, and what it pointed to is untouched.
            guard rename(temp, path) == 0 else {
                let reason = String(cString: strerror(errno))
                close(tfd)
                unlink(temp)
                throw .cannotCreate(reason: reason)
            }
            return tfd
        }
        throw .cannotCreate(reason: "no free temporary name beside it")
    }
}

/// Whole writes to a file descriptor, for the terminal writer, the recorder and exports.
enum FileDescriptor {
    /// Writes all of `bytes`, going on after a partial write or EINTR. Returns the `errno` of a failed write
    /// (EPIPE when the reader has gone, ENOSPC on a full disk), nil when everything was written.
    static func writeAll(_ fd: Int32, _ bytes: ArraySlice<UInt8>) -> Int32? {
        bytes.withUnsafeBytes { writeAll(fd, $0) }
    }

    /// Writes all of `bytes`, again after a short write or an interrupted call; the `errno` of a failure, else nil.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32? {
        var offset = 0
        while offset < bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            #if canImport(Glibc)
            let n = Glibc.write(fd, rest.baseAddress, rest.count)
            #else
            let n = Darwin.write(fd, rest.baseAddress, rest.count)
            #endif
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += n
        }
        return nil
    }
}
