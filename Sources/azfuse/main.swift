import Foundation

#if canImport(Glibc)
    import Glibc
#endif

let status = await CommandLineTool.run(Array(CommandLine.arguments.dropFirst()))
exit(status)
