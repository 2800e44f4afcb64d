#if canImport(Glibc)
    import Glibc
#endif

/// The process's open-file limit, which bounds how many per-file locks AzFuse holds at once.
enum DescriptorLimit {
    /// The soft limit on open files, raised once to the hard limit the first time it is read (as Go's runtime does
    /// at start-up), so many concurrent misses and large `prepare` calls are not stopped by a default of 1,024.
    static let soft: Int = {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return Int(clamping: limit.rlim_cur)
    }()

    /// How many lock files AzFuse keeps open at once: a quarter of the limit, leaving the rest to sockets, cache
    /// files and the application.
    static var lockBudget: Int { max(16, soft / 4) }
}
