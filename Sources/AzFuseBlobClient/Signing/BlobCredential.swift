/// How ``BlobService`` authenticates requests.
enum BlobCredential: Sendable {
    /// Requests signed with the account key.
    case sharedKey(SharedKeySigner)
    /// The SAS token appended to every request's query.
    case sas(String)
    /// No authentication (public containers).
    case anonymous

    /// The credential for `account`: its SAS if it has one, else its key, else none.
    init(account: BlobAccount) throws(BlobError) {
        if let sas = account.sasToken, !sas.isEmpty {
            self = .sas(sas)
        } else if let key = account.accountKey, !key.isEmpty {
            self = .sharedKey(try SharedKeySigner(accountName: account.accountName, base64Key: key))
        } else {
            self = .anonymous
        }
    }
}
