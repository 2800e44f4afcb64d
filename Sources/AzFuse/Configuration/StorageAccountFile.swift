import AzFuseYAML
import Foundation

/// Reads an azfuse storage account YAML file (`<folder>/<name>.yaml`), following `_base_` includes.
///
/// Keys: `account_name` and `container_name` (required), `account_key` and `sas_token` (either may be null), and
/// the AzFuse addition `endpoint` (the blob service base URL). A `_base_: <relative path>` entry loads that file
/// first (relative to the including file) and lets this file override it leaf by leaf, as azfuse does.
enum StorageAccountFile {
    /// How deep `_base_` includes may nest before AzFuse assumes a mistake.
    static let maximumIncludeDepth = 16

    /// Loads the account `name` from `folder`.
    ///
    /// - Parameters:
    ///   - name: The account's name, as a mount's `storage_account` gives it.
    ///   - folder: The storage account folder.
    ///   - mount: The mount that names the account, if any; errors about the name point at its mapping file.
    /// - Throws: ``AzFuseError/Code/invalidConfiguration`` naming the file when it is missing or wrong.
    static func load(name: String, folder: String, namedBy mount: Mount? = nil) throws -> StorageAccount {
        let reference = mount.map { " (\($0.errorPrefix(key: "storage_account")))" } ?? ""
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw AzFuseError(
                .invalidConfiguration,
                "storage account name '\(name)'\(reference) is not a plain file name; use the base name of a file in "
                    + folder, path: mount?.origin?.file)
        }
        let path = (folder as NSString).appendingPathComponent(name + ".yaml")
        guard FileManager.default.fileExists(atPath: path) else {
            throw AzFuseError(
                .invalidConfiguration,
                "storage account file \(path)\(reference) does not exist; create it with account_name, "
                    + "container_name and sas_token or account_key, or set AZFUSE_STORAGE_ACCOUNT_CONFIG_FOLDER to "
                    + "its folder",
                path: path)
        }
        return try account(from: try loadMerged(path, chain: []), file: path)
    }

    /// Loads `path` and the chain of `_base_` files under it, merged, without the `_base_` keys.
    static func loadMerged(_ path: String, chain: [String]) throws -> YAMLValue {
        let canonical = (path as NSString).standardizingPath
        if chain.contains(canonical) {
            throw AzFuseError(
                .invalidConfiguration,
                "\(path): '_base_' includes form a cycle (\((chain + [canonical]).joined(separator: " -> "))); "
                    + "remove one of them", path: path)
        }
        guard chain.count < maximumIncludeDepth else {
            throw AzFuseError(
                .invalidConfiguration, "\(path): '_base_' includes nest deeper than \(maximumIncludeDepth) files",
                path: path)
        }
        let document: YAMLValue
        do {
            document = try YAMLReader.parse(contentsOf: path)
        } catch {
            throw AzFuseError(error)
        }
        guard case .mapping(let entries) = document else {
            throw AzFuseError(
                .invalidConfiguration,
                "\(path): a storage account file must be a mapping (account_name: ..., container_name: ...), not "
                    + document.kindDescription, path: path)
        }
        guard let baseEntry = entries.first(where: { $0.key == "_base_" }) else { return document }
        guard let basePath = baseEntry.value.stringValue else {
            throw AzFuseError(
                .invalidConfiguration,
                "\(path):\(baseEntry.line):\(baseEntry.column): '_base_' must be a file path", path: path)
        }
        let resolvedBase =
            basePath.hasPrefix("/")
            ? basePath : ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(basePath)
        let base: YAMLValue
        do {
            base = try loadMerged(resolvedBase, chain: chain + [canonical])
        } catch var error as AzFuseError where error.path == resolvedBase {
            error.message += " (included by '_base_' at \(path):\(baseEntry.line):\(baseEntry.column))"
            throw error
        }
        return merge(base, .mapping(entries.filter { $0.key != "_base_" }))
    }

    /// `override` laid over `base`: mappings merge key by key, anything else replaces.
    static func merge(_ base: YAMLValue, _ override: YAMLValue) -> YAMLValue {
        guard case .mapping(let baseEntries) = base, case .mapping(let overrideEntries) = override else {
            return override
        }
        var merged = baseEntries.filter { $0.key != "_base_" }
        for entry in overrideEntries {
            if let index = merged.firstIndex(where: { $0.key == entry.key }) {
                merged[index].value = merge(merged[index].value, entry.value)
            } else {
                merged.append(entry)
            }
        }
        return .mapping(merged)
    }

    /// The account described by a merged document.
    static func account(from document: YAMLValue, file: String) throws -> StorageAccount {
        func string(_ key: String, required: Bool) throws -> String? {
            guard let value = document[key], !value.isNull else {
                if required {
                    throw AzFuseError(
                        .invalidConfiguration, "\(file): '\(key)' is missing; add '\(key): ...' to the file",
                        path: file)
                }
                return nil
            }
            guard let text = value.stringValue, !(required && text.isEmpty) else {
                throw AzFuseError(
                    .invalidConfiguration, "\(file): '\(key)' must be a non-empty string, not \(value.kindDescription)",
                    path: file)
            }
            return text
        }
        let accountName = try string("account_name", required: true)!
        let containerName = try string("container_name", required: true)!
        guard containerName == "$root" || containerName.utf8.allSatisfy(isContainerNameByte) else {
            throw AzFuseError(
                .invalidConfiguration,
                "\(file): container_name '\(containerName)' is not a valid container name; use lower-case letters, "
                    + "digits and hyphens", path: file)
        }
        if let flag = document["use_default_azure_cred"]?.stringValue, ["true", "1", "yes"].contains(flag.lowercased())
        {
            throw AzFuseError(
                .invalidConfiguration,
                "\(file): use_default_azure_cred (Entra ID) is not supported by AzFuse yet; set sas_token or "
                    + "account_key", path: file)
        }
        var endpoint: URL?
        if let text = try string("endpoint", required: false) {
            guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw AzFuseError(
                    .invalidConfiguration,
                    "\(file): endpoint '\(text)' is not an http(s) URL; use for example "
                        + "http://127.0.0.1:10000/devstoreaccount1", path: file)
            }
            endpoint = url
        }
        return StorageAccount(
            accountName: accountName, containerName: containerName,
            accountKey: try string("account_key", required: false),
            sasToken: try string("sas_token", required: false), endpoint: endpoint)
    }

    private static func isContainerNameByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            || byte == UInt8(ascii: "-")
    }
}
