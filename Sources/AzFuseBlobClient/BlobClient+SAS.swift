import Foundation

extension BlobClient {
    /// Mints a service SAS for one blob from the account key.
    ///
    /// - Parameters:
    ///   - blob: The blob name inside the container.
    ///   - permissions: What the token allows: the `sp` letters in canonical order (`racwdl`).
    ///   - expiresOn: When the token stops working.
    ///   - startsOn: When it starts working; `nil` for at once.
    /// - Returns: The token: a query string without the leading `?`. Treat it as a secret.
    /// - Throws: `BlobError` `.unsupported` when the account has no key.
    package func makeBlobSAS(
        for blob: String, permissions: String, expiresOn: Date, startsOn: Date? = nil
    ) throws -> String {
        try mintSAS(.blob(container: account.containerName, name: blob), permissions, expiresOn, startsOn)
    }

    /// Mints a service SAS for the whole container from the account key.
    ///
    /// - Parameters:
    ///   - permissions: What the token allows: the `sp` letters in canonical order (`racwdl`).
    ///   - expiresOn: When the token stops working.
    ///   - startsOn: When it starts working; `nil` for at once.
    /// - Returns: The token: a query string without the leading `?`. Treat it as a secret.
    /// - Throws: `BlobError` `.unsupported` when the account has no key.
    package func makeContainerSAS(permissions: String, expiresOn: Date, startsOn: Date? = nil) throws
        -> String
    {
        try mintSAS(.container(account.containerName), permissions, expiresOn, startsOn)
    }

    /// A URL of the container, or of a blob name prefix inside it, that carries a SAS: for tools such as azcopy
    /// that accept nothing else.
    ///
    /// The account's own SAS token is used if it has one; otherwise a container SAS is minted from the key with
    /// `permissions`, valid for ``Configuration/mintedSASLifetime``.
    ///
    /// - Parameters:
    ///   - prefix: A blob name or name prefix (`data/2024/`); empty for the container itself.
    ///   - permissions: What a minted token allows: the `sp` letters in canonical order (`racwdl`).
    /// - Returns: `<endpoint>/<container>/<encoded prefix>?<sas>`. Treat it as a secret.
    /// - Throws: `BlobError` `.unsupported` when the account has neither a SAS token nor a key.
    package func authorizedURL(forBlobPrefix prefix: String, permissions: String) throws -> URL {
        let token: String
        if let sas = account.sasToken, !sas.isEmpty {
            token = sas
        } else {
            token = try makeContainerSAS(
                permissions: permissions, expiresOn: Date() + configuration.mintedSASLifetime.seconds)
        }
        let base = service.resourceURLString(blobPath: prefix.isEmpty ? nil : prefix)
        guard let url = URL(string: base + "?" + token) else {
            throw BlobError(.invalidArgument, "the prefix does not form a valid URL", blob: service.location(prefix))
        }
        return url
    }

    private func mintSAS(
        _ resource: ServiceSAS.Resource, _ permissions: String, _ expiresOn: Date, _ startsOn: Date?
    ) throws -> String {
        guard let signer = service.keySigner else {
            throw BlobError(
                .unsupported,
                "minting a SAS needs the account key, and storage account '\(account.accountName)' has none",
                blob: service.location(nil))
        }
        let sas = ServiceSAS(
            resource: resource, permissions: permissions, start: startsOn.map(HTTPDate.iso8601),
            expiry: HTTPDate.iso8601(expiresOn), allowedProtocol: nil, allowedIP: nil,
            version: BlobService.serviceVersion)
        return sas.token(signedWith: signer)
    }
}
