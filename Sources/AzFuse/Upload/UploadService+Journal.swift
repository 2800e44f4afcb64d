import AzFuseSystem
import Foundation

extension UploadService {
    /// Uploads every journaled file not uploaded yet (see ``AzFuseClient/resumePendingUploads(paths:)``), after
    /// waiting for the background resume, whose outcome comes first in the report.
    ///
    /// - Parameter paths: When given, only the records of these paths (by logical path or cache file).
    /// - Returns: The paths uploaded and the files that still could not be.
    /// - Throws: `CancellationError` if the task is cancelled before it starts.
    func resume(paths: [String]?) async throws -> ResumedUploads {
        try Task.checkCancellation()
        let background = await backgroundResumeOutcome() ?? ResumedUploads()
        return background.merged(with: await resume(includingParked: true, selected: recordSelector(paths)))
    }

    /// Every journal record of every mount's cache folder, as entries (see ``AzFuseClient/pendingUploads()``).
    func list() async throws -> [PendingUploadEntry] {
        var entries: [PendingUploadEntry] = []
        for cacheRoot in Set(resolver.cacheRoots).sorted() {
            let listed = try await BlockingIO.run { UploadJournal.listRecords(cacheRoot: cacheRoot) }
            entries += listed.map { PendingUploadEntry($0.record, recordFile: $0.path, state: $0.state) }
        }
        return entries
    }

    /// Removes the journal records of `paths` not held by a live process, with their snapshots (see
    /// ``AzFuseClient/discardPendingUploads(paths:)``).
    ///
    /// - Returns: The entries discarded.
    /// - Throws: ``AzFuseError/Code/invalidArgument`` when `paths` is empty.
    func discard(paths: [String]) async throws -> [PendingUploadEntry] {
        guard !paths.isEmpty, let selected = recordSelector(paths) else {
            throw AzFuseError(.invalidArgument, "name the paths whose pending uploads to discard")
        }
        var entries: [PendingUploadEntry] = []
        for cacheRoot in Set(resolver.cacheRoots).sorted() {
            let discarded = try await BlockingIO.run { UploadJournal.discard(cacheRoot: cacheRoot, where: selected) }
            entries += discarded.map { PendingUploadEntry($0.record, recordFile: $0.path, state: $0.state) }
        }
        return entries
    }

    /// Resumes, in the background, what earlier processes left (not parked records); at most once per instance.
    func startBackgroundResume() {
        backgroundResume.withLock { task in
            guard task == nil else { return }
            task = Task { await self.resume(includingParked: false) }
        }
    }

    /// The outcome of the background resume, once it is over (`nil` if none was started).
    private func backgroundResumeOutcome() async -> ResumedUploads? {
        guard let task = backgroundResume.withLock({ $0 }) else { return nil }
        return await task.value
    }

    /// Selects the journal records of `paths` (by logical path as written, or by cache file), or all for `nil`.
    private func recordSelector(_ paths: [String]?) -> (@Sendable (UploadJournalRecord) -> Bool)? {
        guard let paths else { return nil }
        let logical = Set(paths)
        let currentFolder = FileManager.default.currentDirectoryPath
        let cacheFiles = Set(
            paths.compactMap { try? resolver.resolve($0, currentFolder: currentFolder).blob?.cachePath })
        return { logical.contains($0.logicalPath) || cacheFiles.contains($0.cachePath) }
    }

    /// Queues the abandoned records (`selected` ones only, when given) on a new uploader and waits for its report.
    private func resume(
        includingParked: Bool, selected: (@Sendable (UploadJournalRecord) -> Bool)? = nil
    ) async -> ResumedUploads {
        let uploader = AsyncUploader(pipeline: pipeline, options: options)
        let (abandoned, lost) = await finder.find(includingParked: includingParked, selected: selected)
        for error in lost { await uploader.report(error) }
        for pending in abandoned { await uploader.submit(pending) }
        return await uploader.finishReport()
    }
}
