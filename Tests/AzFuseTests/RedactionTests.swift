import Testing

@testable import AzFuse
@testable import AzFuseBlobClient

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

    /// Every spelling of a secret that reaches a message, and the fields around it that must survive.
    static let table: [(input: String, expected: String)] = [
        ("sv=2021-08-06&sig=abc", "sv=2021-08-06&sig=REDACTED"),
        ("sig=abc%2Bdef%3D&sp=r", "sig=REDACTED&sp=r"),
        ("?sig=abc", "?sig=REDACTED"),
        (
            "https://a.blob.core.windows.net/c/b?se=2026&SIG=abc&sp=r",
            "https://a.blob.core.windows.net/c/b?se=2026&SIG=REDACTED&sp=r"
        ),
        ("?sv=1&Sig=abc#frag", "?sv=1&Sig=REDACTED#frag"),
        ("?sv=1&%73ig=abc&sp=r", "?sv=1&%73ig=REDACTED&sp=r"),
        ("?sv=1&%53%49%47=abc", "?sv=1&%53%49%47=REDACTED"),
        ("?sv=1&sig%3Dabc%26sp%3Dr", "?sv=1&sig%3DREDACTED%26sp%3Dr"),
        (
            "copy?src=https%3A%2F%2Fa%2Fc%2Fb%3Fsv%3D1%26sig%3Dabc%252B%26se%3D2",
            "copy?src=https%3A%2F%2Fa%2Fc%2Fb%3Fsv%3D1%26sig%3DREDACTED%26se%3D2"
        ),
        ("'https://h/c/b?sig=abc' failed", "'https://h/c/b?sig=REDACTED' failed"),
        ("\"sasToken\":\"sv=1&sig=abc\"", "\"sasToken\":\"sv=1&sig=REDACTED\""),
        ("<Url>https://h/c?sv=1&amp;sig=abc</Url>", "<Url>https://h/c?sv=1&amp;sig=REDACTED</Url>"),
        (
            "skoid=00000000-1111&sktid=2222&sig=abc&se=2026",
            "skoid=00000000-1111&sktid=2222&sig=REDACTED&se=2026"
        ),
        ("sig=", "sig="),
        (
            "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=S2V5+/==;EndpointSuffix=core.windows.net",
            "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=REDACTED;EndpointSuffix=core.windows.net"
        ),
        ("account_key=S2V5", "account_key=REDACTED"),
        (
            "Authorization: Bearer eyJ0eXAi.eyJhdWQi.c2ln\nx-ms-version: 2021",
            "Authorization: Bearer REDACTED\nx-ms-version: 2021"
        ),
        (
            "x-ms-copy-source-authorization: bearer eyJ0eXAi.eyJ1c2Vy.c2ln",
            "x-ms-copy-source-authorization: bearer REDACTED"
        ),
        ("Authorization: SharedKeyLite acct:c2lnbmF0dXJlLXNpZw==", "Authorization: SharedKeyLite REDACTED"),
        (
            "grant_type=client_credentials&client_id=app&client_secret=s3cr~et.x&scope=https%3A%2F%2Fstorage",
            "grant_type=client_credentials&client_id=app&client_secret=REDACTED&scope=https%3A%2F%2Fstorage"
        ),
        (
            "client_assertion_type=jwt-bearer&CLIENT_ASSERTION=eyJ.eyJ.sig&x=1",
            "client_assertion_type=jwt-bearer&CLIENT_ASSERTION=REDACTED&x=1"
        ),
        ("access_token=abc&refresh_token=def", "access_token=REDACTED&refresh_token=REDACTED"),
        ("the bearer token expired", "the bearer token expired"),
        (
            "no secrets: signature=keep, sigma=keep, sig-nal=keep",
            "no secrets: signature=keep, sigma=keep, sig-nal=keep"
        ),
    ]

    @Test(arguments: table.indices)
    func redactsEverySpellingOfASecret(_ index: Int) {
        let (input, expected) = Self.table[index]
        #expect(Redaction.redactSecrets(in: input) == expected)
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
