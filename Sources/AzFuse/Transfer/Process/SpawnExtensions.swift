import Glibc

/// glibc's GNU-only helpers that Swift's Glibc module does not import (they need `_GNU_SOURCE`), looked up at run
/// time with `dlsym`.
enum SpawnExtensions {
    /// `pipe2(fds, flags)`.
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32

    /// Creates a pipe whose ends get the flags atomically. glibc has had it since 2.9.
    static let pipe2: Pipe2 = lookUp("pipe2")!

    private static func lookUp<Function>(_ name: String) -> Function? {
        // A nil handle is RTLD_DEFAULT: search the global symbol table.
        guard let symbol = dlsym(nil, name) else { return nil }
        return unsafeBitCast(symbol, to: Function.self)
    }
}
