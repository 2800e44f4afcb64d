import AzFuseSystem
import Glibc

/// Starts a child process the way `posix_spawnp` does, and ties its life to the thread that starts it.
///
/// `posix_spawn` cannot run code in the child, so it cannot set the parent-death signal. This launcher does what glibc's
/// `posix_spawn` does internally: `clone(CLONE_VM | CLONE_VFORK)` onto a private stack (no page tables are copied, so
/// starting azcopy from a process with a large heap is as cheap as `posix_spawn` and cannot fail for want of memory),
/// then, in the child, resets every signal handler and the signal mask, redirects stdin to `/dev/null` and stdout and
/// stderr to the given pipes, closes every other inherited descriptor, changes directory, asks the kernel for
/// `SIGKILL` when the parent dies (`PR_SET_PDEATHSIG`), and `execve`s the first executable found on `PATH`.
///
/// The parent-death signal is sent when the *thread* that started the child ends, so ``launch(_:)`` must be called on
/// a thread that outlives the child (``ChildProcess`` calls it on the thread that then waits for the child's exit).
/// The race after `clone` is handled: if the parent died before the child set the signal, the child is already
/// re-parented, sees a different `getppid()`, and exits without running the command.
///
/// Everything the child touches is prepared before `clone` in a ``Plan``: the child calls only async-signal-safe C
/// functions (`sigaction`, `sigprocmask`, `open`, `dup2`, `close`, `closefrom`, `chdir`, `prctl`, `getppid`,
/// `execve`, `_exit`) and allocates nothing. The parent thread is suspended until the child has called `execve` or
/// exited, and reads the failure the child recorded in the plan.
enum ChildLauncher {
    /// What the child does, prepared by the parent. Every field is a plain value or a pointer into memory the parent
    /// keeps alive until ``launch(_:)`` returns.
    struct Plan {
        /// The executable paths to try in order (one for a path with a slash, else one per `PATH` entry).
        var candidates: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
        /// The NULL-terminated argument vector.
        var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
        /// The NULL-terminated environment.
        var environment: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
        /// `/dev/null`, for stdin.
        var devNull: UnsafeMutablePointer<CChar>
        /// The working directory, or nil to keep the parent's.
        var directory: UnsafeMutablePointer<CChar>?
        /// The descriptors that become stdout and stderr.
        var standardOutput: Int32
        var standardError: Int32
        /// The parent's process id, to detect that it died before the parent-death signal was set.
        var parentProcess: pid_t
        /// `SIG_DFL`, for every signal.
        var defaultAction: sigaction
        /// The empty signal set.
        var emptyMask: sigset_t
        /// `prctl`, or nil when the C library has none.
        var prctl: Prctl?
        /// `closefrom`, or nil when the C library is older than 2.34.
        var closeFrom: CloseFrom?
        /// Set by the child when it fails: which ``Step`` failed, and the `errno`.
        var failedStep: Int32 = 0
        var failure: Int32 = 0
    }

    /// The steps of the child that can fail, as recorded in ``Plan/failedStep``.
    enum Step: Int32 {
        case openDevNull = 1
        case redirectOutput
        case redirectError
        case changeDirectory
        case execute
    }

    /// `prctl(option, arg2, arg3, arg4, arg5)`. The C function is variadic; on x86-64 and arm64 Linux a call through
    /// this fixed prototype passes the same registers.
    typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
    /// `closefrom(lowestDescriptor)`.
    typealias CloseFrom = @convention(c) (Int32) -> Void
    /// `clone(function, stackTop, flags, argument)`.
    typealias Clone =
        @convention(c) (
            @convention(c) (UnsafeMutableRawPointer?) -> Int32, UnsafeMutableRawPointer, Int32,
            UnsafeMutableRawPointer?
        ) -> Int32

    /// Why a launch failed: the step and the `errno`.
    struct Failure: Error {
        var step: Step?
        var code: Int32
    }

    static let prctl: Prctl? = lookUp("prctl")
    static let closeFrom: CloseFrom? = lookUp("closefrom")
    static let clone: Clone? = lookUp("clone")

    private static let childStackSize = 512 * 1024
    /// `CLONE_VM` and `CLONE_VFORK` (Swift's Glibc module does not import these GNU macros).
    private static let cloneVM: Int32 = 0x100
    private static let cloneVFork: Int32 = 0x4000

    /// Starts the child described by `plan` and returns its process id once it has called `execve`.
    ///
    /// - Throws: ``Failure`` if `clone` failed or the child could not get to `execve` (it has then been reaped).
    static func launch(_ plan: UnsafeMutablePointer<Plan>) throws -> pid_t {
        guard let clone else { throw Failure(step: nil, code: ENOSYS) }
        let stack = UnsafeMutableRawPointer.allocate(byteCount: childStackSize, alignment: 16)
        defer { stack.deallocate() }
        // Block every signal while the child shares this thread's memory: a handler of the parent must not run in
        // the child before it has reset them. The child starts with this mask and clears it itself.
        var all = sigset_t()
        sigfillset(&all)
        var previous = sigset_t()
        pthread_sigmask(SIG_SETMASK, &all, &previous)
        let pid = clone(childMain, stack + childStackSize, cloneVM | cloneVFork | SIGCHLD, plan)
        let cloneError = errno
        pthread_sigmask(SIG_SETMASK, &previous, nil)
        guard pid > 0 else { throw Failure(step: nil, code: cloneError) }
        if plan.pointee.failedStep != 0 {
            // Parent side: the child has exited (it never reached `execve`), so this reaps it.
            _ = try? Syscall.wait(for: pid)
            throw Failure(step: Step(rawValue: plan.pointee.failedStep), code: plan.pointee.failure)
        }
        return pid
    }

    /// The child, between `clone` and `execve`. Only async-signal-safe calls, no allocation, no Swift runtime.
    private static let childMain: @convention(c) (UnsafeMutableRawPointer?) -> Int32 = { raw in
        let plan = raw!.assumingMemoryBound(to: Plan.self)
        var signal: Int32 = 1
        while signal < 65 {
            _ = sigaction(signal, &plan.pointee.defaultAction, nil)
            signal += 1
        }
        _ = sigprocmask(SIG_SETMASK, &plan.pointee.emptyMask, nil)

        let null = open(plan.pointee.devNull, O_RDONLY)
        if null < 0 {
            plan.pointee.failure = errno
            plan.pointee.failedStep = Step.openDevNull.rawValue
            _exit(127)
        }
        if null != 0 {
            _ = dup2(null, 0)
            _ = close(null)
        }
        if dup2(plan.pointee.standardOutput, 1) < 0 {
            plan.pointee.failure = errno
            plan.pointee.failedStep = Step.redirectOutput.rawValue
            _exit(127)
        }
        if dup2(plan.pointee.standardError, 2) < 0 {
            plan.pointee.failure = errno
            plan.pointee.failedStep = Step.redirectError.rawValue
            _exit(127)
        }
        if let closeFrom = plan.pointee.closeFrom { closeFrom(3) }
        if let directory = plan.pointee.directory, chdir(directory) != 0 {
            plan.pointee.failure = errno
            plan.pointee.failedStep = Step.changeDirectory.rawValue
            _exit(127)
        }
        if let prctl = plan.pointee.prctl {
            _ = prctl(1, UInt(SIGKILL), 0, 0, 0)  // PR_SET_PDEATHSIG
            // The parent died before the signal was armed: this child now belongs to another process.
            if getppid() != plan.pointee.parentProcess { _exit(127) }
        }

        var failure = ENOENT
        var sawAccessError = false
        var index = 0
        while let candidate = plan.pointee.candidates[index] {
            _ = execve(candidate, plan.pointee.arguments, plan.pointee.environment)
            failure = errno
            if failure == EACCES {
                sawAccessError = true
            } else if failure != ENOENT && failure != ENOTDIR && failure != ESTALE && failure != ENODEV
                && failure != ETIMEDOUT
            {
                break
            }
            index += 1
        }
        plan.pointee.failure = sawAccessError && (failure == ENOENT || failure == ENOTDIR) ? EACCES : failure
        plan.pointee.failedStep = Step.execute.rawValue
        _exit(127)
    }

    /// A ``Plan`` and the memory it points to, freed when this is released (after ``launch(_:)`` has returned).
    ///
    /// `@unchecked Sendable`: it is built on one thread and then used only by the thread that launches the child.
    final class Preparation: @unchecked Sendable {
        let plan: UnsafeMutablePointer<Plan>
        private let strings: [UnsafeMutablePointer<CChar>]
        private let vectors: [UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>]

        /// Prepares `command` with stdout and stderr going to the given descriptors.
        init(_ command: ProcessRunner.Command, standardOutput: Int32, standardError: Int32) {
            var strings: [UnsafeMutablePointer<CChar>] = []
            var vectors: [UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>] = []
            func string(_ text: String) -> UnsafeMutablePointer<CChar> {
                let copy = strdup(text)!
                strings.append(copy)
                return copy
            }
            func vector(_ texts: [String]) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> {
                let array = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: texts.count + 1)
                for (index, text) in texts.enumerated() { array[index] = string(text) }
                array[texts.count] = nil
                vectors.append(array)
                return array
            }
            var defaultAction = sigaction()
            defaultAction.__sigaction_handler.sa_handler = SIG_DFL
            var emptyMask = sigset_t()
            sigemptyset(&emptyMask)
            let environment = command.resolvedEnvironment().map { "\($0.key)=\($0.value)" }
            let searchPath = getenv("PATH").map { String(cString: $0) }
            let plan = UnsafeMutablePointer<Plan>.allocate(capacity: 1)
            plan.initialize(
                to: Plan(
                    candidates: vector(ChildLauncher.candidates(for: command.executable, path: searchPath)),
                    arguments: vector([command.executable] + command.arguments),
                    environment: vector(environment),
                    devNull: string("/dev/null"),
                    directory: command.workingDirectory.map { string($0) },
                    standardOutput: standardOutput,
                    standardError: standardError,
                    parentProcess: getpid(),
                    defaultAction: defaultAction,
                    emptyMask: emptyMask,
                    prctl: ChildLauncher.prctl,
                    closeFrom: ChildLauncher.closeFrom))
            self.plan = plan
            self.strings = strings
            self.vectors = vectors
        }

        deinit {
            plan.deinitialize(count: 1)
            plan.deallocate()
            for string in strings { free(string) }
            for vector in vectors { vector.deallocate() }
        }
    }

    /// The paths `posix_spawnp` would try for `executable`: itself if it contains a slash, else `executable` in each
    /// directory of the parent's `PATH` (an empty entry meaning the current directory; `/bin:/usr/bin` when unset).
    static func candidates(for executable: String, path: String?) -> [String] {
        if executable.contains("/") { return [executable] }
        guard !executable.isEmpty else { return [] }
        return (path ?? "/bin:/usr/bin").split(separator: ":", omittingEmptySubsequences: false).map { directory in
            directory.isEmpty ? executable : directory + "/" + executable
        }
    }

    private static func lookUp<Function>(_ name: String) -> Function? {
        // A nil handle is RTLD_DEFAULT: search the global symbol table.
        guard let symbol = dlsym(nil, name) else { return nil }
        return unsafeBitCast(symbol, to: Function.self)
    }
}
