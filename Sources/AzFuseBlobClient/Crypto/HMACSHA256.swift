/// HMAC-SHA256 (RFC 2104), used to sign Shared Key requests and SAS tokens.
package struct HMACSHA256: Sendable {
    private var inner = SHA256()
    private var outer = SHA256()

    /// Creates an authenticator keyed with `key`; keys longer than a block are hashed first.
    package init(key: some Sequence<UInt8>) {
        var keyBlock = Array(key)
        if keyBlock.count > SHA256.blockSize {
            keyBlock = SHA256.hash(keyBlock)
        }
        keyBlock.append(contentsOf: repeatElement(0, count: SHA256.blockSize - keyBlock.count))
        inner.update(keyBlock.map { $0 ^ 0x36 })
        outer.update(keyBlock.map { $0 ^ 0x5c })
    }

    /// Adds `data` to the authenticated message.
    package mutating func update(_ data: some Sequence<UInt8>) {
        inner.update(data)
    }

    /// Returns the 32-byte authentication code. The authenticator must not be used afterwards.
    package mutating func finalize() -> [UInt8] {
        outer.update(inner.finalize())
        return outer.finalize()
    }

    /// Returns the authentication code of `message` under `key`.
    package static func authenticationCode(for message: some Sequence<UInt8>, key: some Sequence<UInt8>) -> [UInt8] {
        var authenticator = HMACSHA256(key: key)
        authenticator.update(message)
        return authenticator.finalize()
    }
}
