extension AzFuseError {
    /// This error with `path` and `blob` filled in where they are still empty.
    func withContext(path: String?, blob: BlobLocation?) -> AzFuseError {
        var error = self
        if error.path == nil { error.path = path }
        if error.blob == nil { error.blob = blob }
        return error
    }
}
