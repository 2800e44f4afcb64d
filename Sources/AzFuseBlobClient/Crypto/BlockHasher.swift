/// The compression function of a Merkle–Damgård hash with 64-byte blocks and a 64-bit message length (MD5, SHA-256).
package protocol BlockCompression: Sendable {
    /// The initial chaining state.
    init()
    /// Whether the padded message length is written big-endian (SHA-256) or little-endian (MD5).
    static var lengthIsBigEndian: Bool { get }
    /// Folds `blocks` (a multiple of 64 bytes) into the chaining state.
    mutating func compress(_ blocks: UnsafeRawBufferPointer)
    /// The digest of the current chaining state.
    var digest: [UInt8] { get }
}

/// An incremental hash over a ``BlockCompression``: feed bytes in any number of pieces, then ``finalize()``.
///
/// Whole blocks are compressed straight from the caller's buffer; only a partial block (under 64 bytes) is copied.
package struct BlockHasher<Compression: BlockCompression>: Sendable {
    package static var blockSize: Int { 64 }

    private var compression = Compression()
    private var pending: [UInt8] = []
    private var totalBytes: UInt64 = 0

    package init() {
        pending.reserveCapacity(Self.blockSize)
    }

    /// Adds `bytes` to the message.
    package mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        totalBytes &+= UInt64(bytes.count)
        var remaining = bytes[...]
        if !pending.isEmpty {
            let take = min(Self.blockSize - pending.count, remaining.count)
            pending.append(contentsOf: remaining.prefix(take))
            remaining = remaining.dropFirst(take)
            guard pending.count == Self.blockSize else { return }
            pending.withUnsafeBytes { compression.compress($0) }
            pending.removeAll(keepingCapacity: true)
        }
        let wholeBlocks = remaining.count / Self.blockSize * Self.blockSize
        if wholeBlocks > 0 {
            compression.compress(UnsafeRawBufferPointer(rebasing: remaining.prefix(wholeBlocks)))
        }
        pending.append(contentsOf: remaining.dropFirst(wholeBlocks))
    }

    /// Adds the bytes of `data` (an array, `Data`, a slice...) to the message.
    package mutating func update(_ data: some Sequence<UInt8>) {
        let handled: Void? = data.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0)) }
        if handled == nil {
            Array(data).withUnsafeBytes { update($0) }
        }
    }

    /// Pads the message and returns its digest. The hasher must not be used afterwards.
    package mutating func finalize() -> [UInt8] {
        let bitLength = totalBytes &* 8
        var tail = pending
        tail.append(0x80)
        let zeros = (Self.blockSize - 8 - tail.count % Self.blockSize + Self.blockSize) % Self.blockSize
        tail.append(contentsOf: repeatElement(0, count: zeros))
        for index in 0..<8 {
            let shift = Compression.lengthIsBigEndian ? UInt64(56 - 8 * index) : UInt64(8 * index)
            tail.append(UInt8(truncatingIfNeeded: bitLength >> shift))
        }
        tail.withUnsafeBytes { compression.compress($0) }
        pending.removeAll()
        return compression.digest
    }

    /// Returns the digest of `data` in one call.
    package static func hash(_ data: some Sequence<UInt8>) -> [UInt8] {
        var hasher = Self()
        hasher.update(data)
        return hasher.finalize()
    }
}
