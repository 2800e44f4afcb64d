import Testing

@testable import AzFuse

@Suite struct RedactionTests {
    @Test func redactsSASSignatureAndKeepsOtherFields() {
        let text = "GET http://h/a/c/b?sv=2021-08-06&sp=r&sig=abc%2Bdef%3D&se=2026 failed"
        let redacted = Redaction.redactSecrets(in: text)
        #expect(!redacted.contains("abc%2Bdef"))
        #expect(redacted == "GET http://h/a/c/b?sv=2021-08-06&sp=r&sig=REDACTED&se=2026 failed")
    }

    @Test func redactsSharedKeyAuthorizationAndUppercaseSig() {
        let text = "Authorization: SharedKey devstoreaccount1:c2lnbmF0dXJl, url ?SIG=xyz"
        let redacted = Redaction.redactSecrets(in: text)
        #expect(redacted == "Authorization: SharedKey REDACTED, url ?SIG=REDACTED")
    }

    @Test func leavesLookalikeNamesAlone() {
        #expect(Redaction.redactSecrets(in: "xsig=keep&design=keep") == "xsig=keep&design=keep")
    }

    @Test func errorDescriptionAndStorageAccountNeverShowSecrets() {
        let error = AzFuseError(.authenticationFailed, "request to http://h/a/c/b?sp=r&sig=SECRET1 was rejected")
        #expect(!error.description.contains("SECRET1"))
        let account = StorageAccount(
            accountName: "acct", containerName: "c", accountKey: "S2V5S2V5", sasToken: "?sp=r&sig=SECRET2")
        var dumped = ""
        dump(account, to: &dumped)
        for text in [account.description, account.debugDescription, dumped, "\(account)"] {
            #expect(!text.contains("S2V5S2V5"))
            #expect(!text.contains("SECRET2"))
        }
        #expect(account.sasToken == "sp=r&sig=SECRET2")
    }
}
