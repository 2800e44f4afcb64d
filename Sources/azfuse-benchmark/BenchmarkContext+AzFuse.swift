import AzFuse
import Foundation

extension BenchmarkContext {
    /// An instance mapping `<work>/<name>/data` onto blobs under `<name>/` in the benchmark container, cached in
    /// `<work>/<name>/cache`.
    ///
    /// - Returns: The instance and the logical folder to write under.
    func makeFuse(_ name: String) throws -> (fuse: AzFuse, folder: String) {
        let root = workDirectory + "/" + name
        let configuration = AzFuseConfiguration(
            mounts: [Mount(local: root + "/data", remote: name, cache: root + "/cache", storageAccount: "emulator")],
            storageAccounts: ["emulator": client.account],
            upload: UploadOptions(sharedMemoryFolder: workDirectory))
        return (try AzFuse(configuration: configuration), root + "/data")
    }
}
