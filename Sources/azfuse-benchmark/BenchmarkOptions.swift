import Foundation

/// Command-line options of `azfuse-benchmark`.
struct BenchmarkOptions: Sendable {
    var emulatorScript = "Tests/BlobEmulator/blob_emulator.py"
    var workRoot = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    var sections: [String]? = nil
    var largeMiB = 1024
    var smallCount = 1000
    var smallKiB = 4
    var smallParallelism = 32
    var hashMiB = 256
    var azcopyPath: String? =
        ProcessInfo.processInfo.environment["AZFUSE_AZCOPY_PATH"]
        ?? (FileManager.default.isExecutableFile(atPath: ".tools/azcopy/azcopy")
            ? FileManager.default.currentDirectoryPath + "/.tools/azcopy/azcopy" : nil)
    var readCount = 1000
    var clientParallelism: Int?
    var prepareCounts = [1000, 10_000]

    static let usage = """
        usage: azfuse-benchmark [--emulator PATH] [--work-root DIR] [--sections hashing,large,small,checkpoints,small-writes]
                                [--large-mib N] [--small-count N] [--small-kib N] [--small-parallelism N]
                                [--hash-mib N] [--azcopy PATH] [--read-count N] [--prepare-counts N,N]
                                [--client-parallelism N]
        Starts the blob emulator (python3 PATH, default Tests/BlobEmulator/blob_emulator.py from the current
        directory) and prints the native client's throughput beside curl's, the hash speeds beside coreutils', and
        the cache and transfer figures of the library (sections cache, cold, concurrent, behind-large, prepare,
        processes). Rows with a goal print it beside the ratio, with "met" or "MISSED".
        Build everything first (swift build -c release): the processes section runs the azfuse executable.
        """

    /// Parses `arguments` (without the program name).
    init(arguments: [String]) throws {
        var remaining = arguments[...]
        func value(_ flag: String) throws -> String {
            guard let value = remaining.popFirst() else { throw BenchmarkError("\(flag) needs a value\n\(Self.usage)") }
            return value
        }
        func number(_ flag: String) throws -> Int {
            guard let number = Int(try value(flag)), number > 0 else {
                throw BenchmarkError("\(flag) needs a positive number")
            }
            return number
        }
        while let flag = remaining.popFirst() {
            switch flag {
            case "--emulator": emulatorScript = try value(flag)
            case "--work-root": workRoot = try value(flag)
            case "--sections": sections = try value(flag).split(separator: ",").map(String.init)
            case "--large-mib": largeMiB = try number(flag)
            case "--small-count": smallCount = try number(flag)
            case "--small-kib": smallKiB = try number(flag)
            case "--small-parallelism": smallParallelism = try number(flag)
            case "--hash-mib": hashMiB = try number(flag)
            case "--azcopy": azcopyPath = try value(flag)
            case "--read-count": readCount = try number(flag)
            case "--client-parallelism": clientParallelism = try number(flag)
            case "--prepare-counts": prepareCounts = try value(flag).split(separator: ",").compactMap { Int($0) }
            case "-h", "--help": throw BenchmarkError(Self.usage)
            default: throw BenchmarkError("unknown option \(flag)\n\(Self.usage)")
            }
        }
    }
}

/// A benchmark failure, printed as is.
struct BenchmarkError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
