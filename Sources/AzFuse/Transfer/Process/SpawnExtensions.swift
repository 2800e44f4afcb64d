import Glibc

/// glibc's GNU-only process-spawning helpers, looked up at run time.
///
/// Swift's Glibc module does not import these `_np` declarations (they need `_GNU_SOURCE`), so they are found with
/// `dlsym` instead. The optional ones are nil when the C library is too old to have them.
enum SpawnExtensions {
    /// `posix_spawn_file_actions_addchdir_np(actions, path)`.
    typealias AddChdir =
        @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    /// `posix_spawn_file_actions_addclosefrom_np(actions, lowestDescriptor)`.
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// `pipe2(fds, flags)`.
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32

    /// Creates a pipe whose ends get the flags atomically. glibc has had it since 2.9.
    static let pipe2: Pipe2 = lookUp("pipe2")!
    /// Changes the child's working directory (glibc 2.29 and later).
    static let addChdir: AddChdir? = lookUp("posix_spawn_file_actions_addchdir_np")
    /// Closes every descriptor from a given number up in the child (glibc 2.34 and later).
    static let addCloseFrom: AddCloseFrom? = lookUp("posix_spawn_file_actions_addclosefrom_np")

    private static func lookUp<Function>(_ name: String) -> Function? {
        // A nil handle is RTLD_DEFAULT: search the global symbol table.
        guard let symbol = dlsym(nil, name) else { return nil }
        return unsafeBitCast(symbol, to: Function.self)
    }
}
