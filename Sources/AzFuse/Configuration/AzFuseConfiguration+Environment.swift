import Foundation

extension AzFuseConfiguration {
    /// The mapping file azfuse reads when `AZFUSE_CLOUD_FUSE_CONFIG_FILE` is not set.
    public static let defaultMappingFile = "aux_data/configs/azfuse.yaml"
    /// The storage account folder azfuse reads when `AZFUSE_STORAGE_ACCOUNT_CONFIG_FOLDER` is not set.
    public static let defaultStorageAccountFolder = "./aux_data/storage_account"

    /// Loads a configuration the way azfuse does, from environment variables and YAML files.
    ///
    /// Each variable may also be spelled with the legacy `QD_` prefix, which wins over `AZFUSE_`:
    /// - `AZFUSE_USE_FUSE` (and the legacy `AZFUSE_TSV_USE_FUSE`, summed with it): non-zero enables mounts.
    ///   Unset or 0 means every path is a plain local file and no file is read.
    /// - `AZFUSE_CLOUD_FUSE_CONFIG_FILE`: the mapping YAML, default ``defaultMappingFile``.
    /// - `AZFUSE_STORAGE_ACCOUNT_CONFIG_FOLDER`: where `<storage_account>.yaml` files are, default
    ///   ``defaultStorageAccountFolder``.
    /// - `AZFUSE_AZCOPY_PATH`: the azcopy executable.
    /// - `AZFUSE_TRANSFER_ENGINE`: `auto` (default), `azcopy` or `native`; see ``TransferOptions/Engine``.
    /// - `AZFUSE_MAX_RETRIES`: how many times a transient failure is retried (a whole number, 0 for none; default
    ///   30), setting ``TransferOptions/retry``'s ``RetryPolicy/maxAttempts`` to one more.
    /// - `AZFUSE_RETRY_BUDGET_SECONDS`: the seconds after which no retry starts (a positive number; default 60),
    ///   setting ``RetryPolicy/budget``.
    ///
    /// Relative paths are resolved against `currentFolder`.
    ///
    /// - Parameters:
    ///   - environment: The environment variables; defaults to the process environment.
    ///   - currentFolder: The folder relative paths are resolved against; defaults to the current one.
    /// - Returns: The configuration.
    /// - Throws: ``AzFuseError/Code/invalidConfiguration`` naming the variable or file that is wrong.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment,
        currentFolder: String? = nil
    ) throws -> AzFuseConfiguration {
        let variables = EnvironmentVariables(values: environment)
        let base = currentFolder ?? FileManager.default.currentDirectoryPath
        func absolute(_ path: String) -> String {
            ((path.hasPrefix("/") ? path : (base as NSString).appendingPathComponent(path)) as NSString)
                .standardizingPath
        }
        var configuration = AzFuseConfiguration(
            isEnabled: try variables.integerSwitch("USE_FUSE") + variables.integerSwitch("TSV_USE_FUSE") != 0,
            azcopyPath: variables.setting("AZCOPY_PATH")?.value,
            baseFolder: base)
        if let engine = variables.setting("TRANSFER_ENGINE"), !engine.value.isEmpty {
            guard let parsed = TransferOptions.Engine(rawValue: engine.value.lowercased()) else {
                throw AzFuseError(
                    .invalidConfiguration,
                    "\(engine.variable)='\(engine.value)' is not a transfer engine; use auto, azcopy or native")
            }
            configuration.transfer.engine = parsed
        }
        if let retries = variables.setting("MAX_RETRIES"), !retries.value.isEmpty {
            guard let count = Int(retries.value.trimmingCharacters(in: .whitespaces)), (0...1000).contains(count)
            else {
                throw AzFuseError(
                    .invalidConfiguration,
                    "\(retries.variable)='\(retries.value)' is not a retry count; use a whole number from 0 to 1000")
            }
            configuration.transfer.retry.maxAttempts = count + 1
        }
        if let budget = variables.setting("RETRY_BUDGET_SECONDS"), !budget.value.isEmpty {
            guard let seconds = Double(budget.value.trimmingCharacters(in: .whitespaces)), seconds.isFinite,
                seconds > 0, seconds <= 86_400
            else {
                throw AzFuseError(
                    .invalidConfiguration,
                    "\(budget.variable)='\(budget.value)' is not a retry budget; use a number of seconds above 0 "
                        + "and at most 86400")
            }
            configuration.transfer.retry.budget = .milliseconds(Int64((seconds * 1000).rounded()))
        }
        guard configuration.isEnabled else { return configuration }

        let mappingFile = absolute(variables.string("CLOUD_FUSE_CONFIG_FILE", default: defaultMappingFile))
        guard FileManager.default.fileExists(atPath: mappingFile) else {
            throw AzFuseError(
                .invalidConfiguration,
                "mapping file \(mappingFile) does not exist; create it or point AZFUSE_CLOUD_FUSE_CONFIG_FILE at it "
                    + "(AZFUSE_USE_FUSE is on)", path: mappingFile)
        }
        configuration.mounts = try MappingFile.load(mappingFile)
        let folder = absolute(variables.string("STORAGE_ACCOUNT_CONFIG_FOLDER", default: defaultStorageAccountFolder))
        for mount in configuration.mounts where configuration.storageAccounts[mount.storageAccount] == nil {
            configuration.storageAccounts[mount.storageAccount] = try StorageAccountFile.load(
                name: mount.storageAccount, folder: folder, namedBy: mount)
        }
        return configuration
    }
}
