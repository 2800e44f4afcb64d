import Foundation

extension BlobNamespace {
    func metadata() async throws -> [String: String] {
        let metadata = try await AzFuseError.naming(path) { try await client().properties(of: blob.blobName).metadata }
        return Dictionary(metadata.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    func setMetadata(_ metadata: [String: String]) async throws {
        for (name, value) in metadata {
            guard Self.isMetadataName(name) else {
                throw AzFuseError(
                    .invalidArgument,
                    "metadata name '\(name)' is not allowed; use letters, digits and '_', not starting with a digit",
                    path: path)
            }
            guard value.utf8.allSatisfy({ (0x20...0x7e).contains($0) }) else {
                throw AzFuseError(
                    .invalidArgument, "the value of metadata '\(name)' must be printable ASCII without line breaks",
                    path: path)
            }
        }
        try await AzFuseError.naming(path) { try await client().setMetadata(metadata, for: blob.blobName) }
    }

    func setAccessTier(_ tier: AccessTier) async throws {
        try await AzFuseError.naming(path) { try await client().setAccessTier(tier, for: blob.blobName) }
    }

    func signedURL(permissions: BlobSASPermissions, expiresIn: Duration) throws -> URL {
        guard expiresIn > .zero else {
            throw AzFuseError(.invalidArgument, "the signed URL's lifetime must be positive", path: path)
        }
        do {
            let token = try client().makeBlobSAS(
                for: blob.blobName, permissions: permissions, expiresOn: Date() + expiresIn.seconds)
            guard let url = URL(string: blob.url.absoluteString + "?" + token) else {
                throw AzFuseError(.invalidArgument, "the blob name does not form a valid URL", path: path)
            }
            return url
        } catch var error as AzFuseError {
            if error.path == nil { error.path = path }
            if error.code == .unsupported {
                error.message += "; add account_key to the storage account file '\(blob.storageAccountName)'"
            }
            throw error
        }
    }

    /// Whether `name` is a C# identifier (letters, digits and `_`, not starting with a digit), as Azure requires.
    private static func isMetadataName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
            return false
        }
        return name.utf8.allSatisfy {
            ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z"))
                || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "_")
        }
    }
}
