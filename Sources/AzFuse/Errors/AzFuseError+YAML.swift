import AzFuseYAML

extension AzFuseError {
    /// The error for a configuration file the YAML reader refused: ``Code/invalidConfiguration``, the reader's
    /// message unchanged (`<file>:<line>:<column>: <what is wrong>; <what to do>`), the file as ``path``.
    ///
    /// The one place a `YAMLError` becomes an ``AzFuseError``; every library call of `YAMLReader` goes through it.
    init(_ error: YAMLError) {
        self.init(.invalidConfiguration, error.message, path: error.file, underlying: error.underlying)
    }
}
