import AzFuseEmulator
import Foundation

/// Writes the configuration an azfuse user would have: `aux_data/configs/azfuse.yaml` and
/// `aux_data/storage_account/emulator.yaml`, and returns the environment that enables them.
enum DemoConfiguration {
    static func write(in folder: String, emulator: EmulatorServer, container: String) throws -> [String: String] {
        let configs = folder + "/aux_data/configs"
        let accounts = folder + "/aux_data/storage_account"
        for path in [configs, accounts] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        try """
        # logical path prefix -> blob prefix, cached under cache
        - local: \(folder)/data
          remote: \(DemoDataset.prefix)
          cache: \(folder)/cache/data
          storage_account: emulator
        - local: \(folder)/models
          remote: checkpoints/run-1
          cache: \(folder)/cache/models
          storage_account: emulator
        """.write(toFile: configs + "/azfuse.yaml", atomically: true, encoding: .utf8)
        try """
        account_name: \(EmulatorServer.accountName)
        container_name: \(container)
        account_key: \(EmulatorServer.accountKey)
        sas_token: null
        endpoint: \(emulator.endpoint.absoluteString)
        """.write(toFile: accounts + "/emulator.yaml", atomically: true, encoding: .utf8)
        return [
            "AZFUSE_USE_FUSE": "1", "AZFUSE_CLOUD_FUSE_CONFIG_FILE": configs + "/azfuse.yaml",
            "AZFUSE_STORAGE_ACCOUNT_CONFIG_FOLDER": accounts,
        ]
    }
}
