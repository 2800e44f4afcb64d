// The Transfer/AzCopy folder's contract: batches through the real azcopy, one job per batch with --list-of-files and
// JSON output, staged in the cache's staging folder and checked file by file afterwards (azcopy can report success
// for files it skipped). Failed jobs are retried per RetryPolicy (AzCopyJobRetry).

import AzFuseBlobClient
import Foundation
import Synchronization

/// Transfers batches of blobs with the azcopy executable: one azcopy job per batch, never one per file.
///
/// azcopy costs about 2 seconds per job whatever its size, so the engine sends a whole batch through one job with
/// azcopy's `--list-of-files`, staged in a private job folder:
///
/// - Downloads land in the job folder's staging tree (named by blob name), are checked (present, expected size, not
///   reported as failed), then renamed atomically onto their destinations, which can be anywhere and need not
///   share any name with the blobs. A reader never sees a partial file.
/// - Uploads are staged as hard links (or copies) named by blob name, so local names need not match blob names.
///
/// Every call passes `--output-type json` and an explicit `--from-to`, points `AZCOPY_LOG_LOCATION` and
/// `AZCOPY_JOB_PLAN_LOCATION` at the job folder, removes `SSH_AUTH_SOCK` from azcopy's environment, and deletes the
/// job folder afterwards (set `AZFUSE_KEEP_AZCOPY_FILES=1` to keep it, with full azcopy logs, for debugging). SAS
/// signatures are redacted from everything the engine reports.
///
/// Per-item failures (a missing blob, a rejected upload) fail only their item. Failures azcopy does not attribute
/// to particular files fail every unaccounted item with one job-level error that quotes azcopy's last output lines.
struct AzCopyEngine: Sendable {
    /// Counts azcopy processes started, for tests and benchmarks.
    final class InvocationCounter: Sendable {
        private let count = Atomic(0)

        /// Creates a counter at zero.
        init() {}

        /// How many azcopy processes have been started.
        var value: Int { count.load(ordering: .relaxed) }

        fileprivate func increment() {
            count.add(1, ordering: .relaxed)
        }
    }

    /// The environment variable that keeps job folders (logs, plans, list files) for debugging when set to `1`.
    static let keepFilesVariable = "AZFUSE_KEEP_AZCOPY_FILES"

    /// The azcopy executable.
    var executable: String
    /// Where job folders are created; put it on the destinations' file system (for example
    /// `<cacheRoot>/.azfuse/staging`) so downloaded files can be renamed into place without copying.
    var workRoot: String
    /// How long azcopy may print nothing before it is stopped and the batch fails with `.transport`.
    var stallTimeout: Duration = .seconds(60)
    /// How long a cancelled azcopy gets between `SIGTERM` and `SIGKILL`.
    var terminationGracePeriod: Duration = .seconds(2)
    /// Whether to keep job folders and write full azcopy logs.
    var keepJobFiles: Bool
    /// Counts the azcopy processes this engine (and its copies) started.
    let invocations = InvocationCounter()

    /// Creates an engine.
    ///
    /// - Parameters:
    ///   - executable: The azcopy executable, typically from ``AzCopyLocator/locate(environment:)``.
    ///   - workRoot: Where private job folders are created (see ``workRoot``).
    ///   - environment: Read for ``keepFilesVariable``.
    init(executable: String, workRoot: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.executable = executable
        self.workRoot = workRoot
        self.keepJobFiles = environment[Self.keepFilesVariable] == "1"
    }

    /// Downloads blobs to local files with one azcopy job (more only when blob names collide as paths, such as
    /// `a` and `a/b`, or repeat).
    ///
    /// - Parameters:
    ///   - items: What to download and where to. Destinations must be absolute paths.
    ///   - containerURL: The container's URL with a SAS query that allows reading, for example
    ///     `https://account.blob.core.windows.net/container?sv=...&sig=...`.
    ///   - progress: Receives azcopy's job summaries (about every 2 seconds) on a background thread.
    /// - Returns: One result per item, in the order of `items`. A blob azcopy did not find fails with `.notFound`, a
    ///   size other than the expected one with `.integrityCheckFailed`.
    /// - Throws: ``AzFuseError`` with code `.cancelled` if the task was cancelled (azcopy is stopped, the job folder
    ///   removed, and no destination touched); `.fileSystem` if the job folder cannot be created; `.transferFailed`
    ///   if azcopy cannot be started; `.transport` if azcopy stalled.
    func download(
        _ items: [DownloadItem],
        from containerURL: URL,
        progress: (@Sendable (AzCopyJobSummary) -> Void)? = nil
    ) async throws -> [BatchItemResult] {
        let location = ContainerLocation(containerURL)
        return try await runInRounds(items, blobName: \.blobName, localPath: \.destination) { item in
            if let problem = BlobNameLayout.problem(with: item.blobName) {
                return AzFuseError(
                    .invalidArgument, "\(problem), so azcopy cannot download it to a file", path: item.destination,
                    blob: location.blob(item.blobName))
            }
            guard item.destination.hasPrefix("/") else {
                return AzFuseError(
                    .invalidArgument, "the download destination must be an absolute path", path: item.destination,
                    blob: location.blob(item.blobName))
            }
            return nil
        } round: { round in
            try await downloadRound(round, from: containerURL, progress)
        }
    }

    /// Uploads local files to blobs with one azcopy job (more only when blob names collide as paths, such as `a`
    /// and `a/b`, or repeat; then the later item wins), storing each blob's Content-MD5.
    ///
    /// - Parameters:
    ///   - items: What to upload and under which blob names. Sources must be regular files.
    ///   - containerURL: The container's URL with a SAS query that allows creating and writing blobs.
    ///   - progress: Receives azcopy's job summaries (about every 2 seconds) on a background thread.
    /// - Returns: One result per item, in the order of `items`. A missing source fails with `.notFound`.
    /// - Throws: ``AzFuseError`` with code `.cancelled` if the task was cancelled (azcopy is stopped and the job
    ///   folder removed; blobs already written stay); `.fileSystem` if the job folder cannot be created;
    ///   `.transferFailed` if azcopy cannot be started; `.transport` if azcopy stalled.
    func upload(
        _ items: [UploadItem],
        to containerURL: URL,
        progress: (@Sendable (AzCopyJobSummary) -> Void)? = nil
    ) async throws -> [BatchItemResult] {
        let location = ContainerLocation(containerURL)
        return try await runInRounds(items, blobName: \.blobName, localPath: \.source) { item in
            BlobNameLayout.problem(with: item.blobName).map { problem in
                AzFuseError(
                    .invalidArgument, "\(problem), so azcopy cannot upload to it", path: item.source,
                    blob: location.blob(item.blobName))
            }
        } round: { round in
            try await uploadRound(round, to: containerURL, progress)
        }
    }

    /// Rejects the items `rejection` objects to, runs the rest in rounds whose blob names can coexist as files (one
    /// azcopy job per round), and returns one result per item, in order.
    private func runInRounds<Item>(
        _ items: [Item],
        blobName: (Item) -> String,
        localPath: (Item) -> String,
        rejection: (Item) -> AzFuseError?,
        round: ([Item]) async throws -> [Result<Void, AzFuseError>]
    ) async throws -> [BatchItemResult] {
        var outcomes = [Result<Void, AzFuseError>?](repeating: nil, count: items.count)
        var runnable: [Int] = []
        for (index, item) in items.enumerated() {
            if let error = rejection(item) {
                outcomes[index] = .failure(error)
            } else {
                runnable.append(index)
            }
        }
        for conflictFree in BlobNameLayout.conflictFreeRounds(runnable.map { blobName(items[$0]) }) {
            let indices = conflictFree.map { runnable[$0] }
            let roundOutcomes = try await round(indices.map { items[$0] })
            for (index, outcome) in zip(indices, roundOutcomes) { outcomes[index] = outcome }
        }
        return zip(items, outcomes).map { item, outcome in
            BatchItemResult(blobName: blobName(item), localPath: localPath(item), outcome: outcome!)
        }
    }

    // MARK: - Rounds

    private func downloadRound(
        _ items: [DownloadItem],
        from containerURL: URL,
        _ progress: (@Sendable (AzCopyJobSummary) -> Void)?
    ) async throws -> [Result<Void, AzFuseError>] {
        let location = ContainerLocation(containerURL)
        let folder = try AzCopyJobFolder.create(in: workRoot)
        defer { if !keepJobFiles { folder.remove() } }
        try folder.writeListOfFiles(items.map(\.blobName))
        let outcome = try await runAzCopy(
            verb: "download of \(items.count) blob(s)",
            arguments: [
                "copy", Self.azCopyURL(containerURL), folder.staging,
                "--from-to", "BlobLocal",
                "--list-of-files", folder.listOfFiles,
                "--recursive",
                "--as-subdir=false",
                "--overwrite", "true",
                "--check-md5", "FailIfDifferent",
            ],
            folder: folder,
            progress: progress
        )
        // Cancellation while azcopy ran has already thrown; this covers cancellation right after it finished, so
        // that a cancelled download never touches a destination.
        if Task.isCancelled {
            throw AzFuseError(
                .cancelled, "azcopy download of \(items.count) blob(s) was cancelled before files were moved")
        }
        let report = AzCopyJobReport(outcome, folder: folder, itemCount: items.count, verb: "download")
        return items.map { item in
            let blob = location.blob(item.blobName)
            let staged = folder.stagingPath(for: item.blobName)
            if let failure = report.failure(for: item.blobName) {
                return .failure(failure.withContext(path: item.destination, blob: blob))
            }
            guard let size = LocalFiles.regularFileSize(at: staged) else {
                if let jobError = report.jobError {
                    return .failure(jobError.withContext(path: item.destination, blob: blob))
                }
                return .failure(
                    AzFuseError(
                        .notFound,
                        "azcopy did not download the blob: it does not exist (or is a virtual folder)",
                        path: item.destination,
                        blob: blob
                    )
                )
            }
            if let expected = item.expectedSize, expected != size {
                return .failure(
                    AzFuseError(
                        .integrityCheckFailed,
                        "azcopy downloaded \(size) bytes where \(expected) were expected",
                        path: item.destination,
                        blob: blob
                    )
                )
            }
            do {
                try LocalFiles.moveAtomically(from: staged, to: item.destination)
                return .success(())
            } catch let error as AzFuseError {
                return .failure(error.withContext(path: item.destination, blob: blob))
            } catch {
                return .failure(AzFuseError(.fileSystem, "\(error)", path: item.destination, blob: blob))
            }
        }
    }

    private func uploadRound(
        _ items: [UploadItem],
        to containerURL: URL,
        _ progress: (@Sendable (AzCopyJobSummary) -> Void)?
    ) async throws -> [Result<Void, AzFuseError>] {
        let location = ContainerLocation(containerURL)
        let folder = try AzCopyJobFolder.create(in: workRoot)
        defer { if !keepJobFiles { folder.remove() } }
        var outcomes = [Result<Void, AzFuseError>?](repeating: nil, count: items.count)
        var staged: [Int] = []
        for (index, item) in items.enumerated() {
            do {
                try LocalFiles.linkOrCopy(item.source, to: folder.stagingPath(for: item.blobName))
                staged.append(index)
            } catch let error as AzFuseError {
                outcomes[index] = .failure(error.withContext(path: item.source, blob: location.blob(item.blobName)))
            }
        }
        guard !staged.isEmpty else { return outcomes.map { $0! } }
        try folder.writeListOfFiles(staged.map { items[$0].blobName })
        let outcome = try await runAzCopy(
            verb: "upload of \(staged.count) file(s)",
            arguments: [
                "copy", folder.staging, Self.azCopyURL(containerURL),
                "--from-to", "LocalBlob",
                "--list-of-files", folder.listOfFiles,
                "--recursive",
                "--as-subdir=false",
                "--overwrite", "true",
                "--put-md5",
            ],
            folder: folder,
            progress: progress
        )
        let report = AzCopyJobReport(outcome, folder: folder, itemCount: staged.count, verb: "upload")
        for index in staged {
            let item = items[index]
            let blob = location.blob(item.blobName)
            if let failure = report.failure(for: item.blobName) {
                outcomes[index] = .failure(failure.withContext(path: item.source, blob: blob))
            } else if report.accountsForEveryItem {
                outcomes[index] = .success(())
            } else {
                outcomes[index] = .failure(report.unaccountedError.withContext(path: item.source, blob: blob))
            }
        }
        return outcomes.map { $0! }
    }

    // MARK: - Running azcopy

    private func runAzCopy(
        verb: String,
        arguments: [String],
        folder: AzCopyJobFolder,
        progress: (@Sendable (AzCopyJobSummary) -> Void)?
    ) async throws -> AzCopyInvocation.Outcome {
        let command = ProcessRunner.Command(
            executable: executable,
            arguments: arguments + [
                "--output-type", "json",
                "--skip-version-check",
                "--log-level", keepJobFiles ? "INFO" : "ERROR",
            ],
            environmentOverrides: [
                "AZCOPY_LOG_LOCATION": folder.logs,
                "AZCOPY_JOB_PLAN_LOCATION": folder.plans,
                "AZCOPY_DISABLE_SYSLOG": "true",
            ],
            removedEnvironmentVariables: ["SSH_AUTH_SOCK"]
        )
        var runner = ProcessRunner()
        runner.terminationGracePeriod = terminationGracePeriod
        let invocation = AzCopyInvocation(command: command, runner: runner, stallTimeout: stallTimeout)
        invocations.increment()
        do {
            return try await invocation.run(progress: progress)
        } catch is CancellationError {
            throw AzFuseError(.cancelled, "azcopy \(verb) was cancelled; azcopy was stopped")
        } catch let error as AzFuseError {
            var error = error
            error.message = "azcopy \(verb): \(error.message) (command: \(Self.describe(command)))"
            throw error
        }
    }

    /// The URL as azcopy should get it: no trailing slash on the container path.
    private static func azCopyURL(_ containerURL: URL) -> String {
        guard var components = URLComponents(url: containerURL, resolvingAgainstBaseURL: false) else {
            return containerURL.absoluteString
        }
        while components.percentEncodedPath.hasSuffix("/") { components.percentEncodedPath.removeLast() }
        return components.string ?? containerURL.absoluteString
    }

    /// The command line, secrets redacted, for error messages.
    private static func describe(_ command: ProcessRunner.Command) -> String {
        Redaction.redactSecrets(in: ([command.executable] + command.arguments).joined(separator: " "))
    }
}
