/// Keeps the last bytes a child process wrote to one stream, up to a limit, and optionally splits them into lines.
///
/// Used by ``ChildProcess`` on its reader thread only, so it needs no locking. Memory stays bounded: the tail keeps at
/// most twice `limit` bytes between trims, and a partial line longer than `maximumLineLength` is delivered in pieces.
struct BoundedOutputCapture {
    /// How many trailing bytes to keep.
    let limit: Int
    /// The longest line handed to `lineHandler` in one piece.
    let maximumLineLength: Int
    /// Called once per complete line (without its `\n` or a trailing `\r`), in output order, if set.
    let lineHandler: (@Sendable (String) -> Void)?

    private var tail: [UInt8] = []
    private var droppedByteCount = 0
    private var pendingLine: [UInt8] = []

    /// Creates an empty capture.
    init(limit: Int, maximumLineLength: Int = 16 * 1024 * 1024, lineHandler: (@Sendable (String) -> Void)?) {
        self.limit = max(0, limit)
        self.maximumLineLength = max(1, maximumLineLength)
        self.lineHandler = lineHandler
    }

    /// Appends bytes just read from the stream, delivering every line they complete.
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        tail.append(contentsOf: bytes)
        if tail.count > 2 * limit { trimTail() }
        guard lineHandler != nil else { return }
        var lineStart = bytes.startIndex
        for index in bytes.indices where bytes[index] == UInt8(ascii: "\n") {
            pendingLine.append(contentsOf: bytes[lineStart..<index])
            deliverPendingLine()
            lineStart = index + 1
        }
        pendingLine.append(contentsOf: bytes[lineStart..<bytes.endIndex])
        while pendingLine.count > maximumLineLength {
            let piece = Array(pendingLine.prefix(maximumLineLength))
            pendingLine.removeFirst(maximumLineLength)
            lineHandler?(String(decoding: piece, as: UTF8.self))
        }
    }

    /// Delivers a final line that had no terminating newline and returns what was kept.
    mutating func finish() -> ProcessRunner.CapturedOutput {
        if !pendingLine.isEmpty { deliverPendingLine() }
        trimTail()
        return ProcessRunner.CapturedOutput(
            text: String(decoding: tail, as: UTF8.self), droppedByteCount: droppedByteCount)
    }

    private mutating func deliverPendingLine() {
        if pendingLine.last == UInt8(ascii: "\r") { pendingLine.removeLast() }
        lineHandler?(String(decoding: pendingLine, as: UTF8.self))
        pendingLine.removeAll(keepingCapacity: true)
    }

    private mutating func trimTail() {
        guard tail.count > limit else { return }
        let excess = tail.count - limit
        tail.removeFirst(excess)
        droppedByteCount += excess
    }
}
