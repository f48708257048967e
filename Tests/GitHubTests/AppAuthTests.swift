import Crypto
import FakeGitHub
import Foundation
import GitHub
import Testing
import _CryptoExtras

@Suite("GitHub App authentication")
struct AppAuthTests {
    static let appID: Int64 = 4242
    static let clientID = "Iv1.fakeclient0001"

    static func seed() -> FakeSeed {
        var seed = TestData.seed()
        seed.apps = [FakeApp(id: appID, clientID: clientID, slug: "erp-sync", publicKeyPEM: TestKeys.privateKey.publicKey.pemRepresentation,
                             installations: [FakeInstallation(id: 77, account: "acme")])]
        return seed
    }

    static func decodeClaims(_ jwt: String) throws -> (header: JSONValue, claims: JSONValue, parts: [Substring]) {
        let parts = jwt.split(separator: ".", omittingEmptySubsequences: false)
        try #require(parts.count == 3)
        let header = try JSONDecoder().decode(JSONValue.self, from: try #require(Base64URL.decode(parts[0])))
        let claims = try JSONDecoder().decode(JSONValue.self, from: try #require(Base64URL.decode(parts[1])))
        return (header, claims, parts)
    }

    @Test("The JWT is RS256, verifies with the App's public key and carries integer iat/exp/iss as GitHub wants")
    func jwtClaimsAndSignature() throws {
        let credentials = GitHubAppCredentials(issuer: Self.clientID, privateKey: TestKeys.privateKey)
        let now = Date(timeIntervalSince1970: 1_800_000_000.75)
        let jwt = try credentials.makeJWT(now: now)
        let (header, claims, parts) = try Self.decodeClaims(jwt)

        #expect(header["alg"]?.stringValue == "RS256")
        #expect(header["typ"]?.stringValue == "JWT")
        #expect(claims["iss"]?.stringValue == Self.clientID)
        let iat = try #require(claims["iat"]?.intValue)
        let exp = try #require(claims["exp"]?.intValue)
        #expect(iat == 1_799_999_940, "iat is 60 s in the past, whole seconds")
        #expect(exp == 1_800_000_540, "exp within GitHub's 10 minutes")
        let payloadText = String(decoding: try #require(Base64URL.decode(parts[1])), as: UTF8.self)
        #expect(payloadText.contains(#""iat":1799999940,"#) && payloadText.contains(#""exp":1800000540,"#),
                "integers, no fractional seconds: GitHub rejects them")

        let signature = _RSA.Signing.RSASignature(rawRepresentation: try #require(Base64URL.decode(parts[2])))
        let signed = Data((parts[0] + "." + parts[1]).utf8)
        #expect(TestKeys.privateKey.publicKey.isValidSignature(signature, for: signed, padding: .insecurePKCS1v1_5))
        #expect(!TestKeys.privateKey.publicKey.isValidSignature(signature, for: Data("tampered".utf8), padding: .insecurePKCS1v1_5))
    }

    @Test("PKCS#1 and PKCS#8 PEMs both load; a bad PEM fails without echoing it")
    func pemFormats() throws {
        let pkcs8 = TestKeys.privateKey.pemRepresentation
        #expect(pkcs8.contains("BEGIN PRIVATE KEY") || pkcs8.contains("BEGIN RSA PRIVATE KEY"))
        let fromPKCS8 = try GitHubAppCredentials(issuer: "1", privateKeyPEM: pkcs8)
        // PKCS#1 is what GitHub hands out: re-wrap the DER of the key as "RSA PRIVATE KEY".
        let pkcs1DER = try Self.pkcs1DER(fromPKCS8DER: TestKeys.privateKey.derRepresentation)
        let pkcs1 = "-----BEGIN RSA PRIVATE KEY-----\n" + pkcs1DER.base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
            + "\n-----END RSA PRIVATE KEY-----\n"
        let fromPKCS1 = try GitHubAppCredentials(issuer: "1", privateKeyPEM: pkcs1)
        for credentials in [fromPKCS8, fromPKCS1] {
            let (_, _, parts) = try Self.decodeClaims(try credentials.makeJWT())
            let signature = _RSA.Signing.RSASignature(rawRepresentation: try #require(Base64URL.decode(parts[2])))
            #expect(TestKeys.privateKey.publicKey.isValidSignature(signature, for: Data((parts[0] + "." + parts[1]).utf8), padding: .insecurePKCS1v1_5))
        }
        let secretish = "-----BEGIN RSA PRIVATE KEY-----\nNOTAKEYsecretMaterial\n-----END RSA PRIVATE KEY-----"
        do {
            _ = try GitHubAppCredentials(issuer: "1", privateKeyPEM: secretish)
            Issue.record("expected invalidConfiguration")
        } catch {
            #expect(!"\(error)".contains("secretMaterial"))
        }
        #expect(!"\(fromPKCS1)".contains("PRIVATE"))
    }

    /// Extracts the PKCS#1 RSAPrivateKey from a PKCS#8 PrivateKeyInfo (the OCTET STRING after the
    /// algorithm identifier), or returns the input when it already is PKCS#1.
    static func pkcs1DER(fromPKCS8DER der: Data) throws -> Data {
        let bytes = [UInt8](der)
        func length(at index: inout Int) -> Int {
            let first = Int(bytes[index]); index += 1
            if first < 0x80 { return first }
            var value = 0
            for _ in 0..<(first & 0x7f) { value = value << 8 | Int(bytes[index]); index += 1 }
            return value
        }
        var index = 0
        guard bytes[index] == 0x30 else { return der }
        index += 1
        _ = length(at: &index)
        // version INTEGER
        guard bytes[index] == 0x02 else { return der }
        index += 1
        let versionLength = length(at: &index)
        index += versionLength
        if bytes[index] == 0x02 { return der }  // already PKCS#1 (second element is an INTEGER)
        guard bytes[index] == 0x30 else { return der }
        index += 1
        index += length(at: &index)  // skip AlgorithmIdentifier
        guard bytes[index] == 0x04 else { return der }
        index += 1
        let keyLength = length(at: &index)
        return Data(bytes[index..<(index + keyLength)])
    }

    @Test("FakeGitHub accepts the App JWT and rejects one signed by another key")
    func fakeVerifiesJWT() async throws {
        try await withFakeGitHub(seed: Self.seed()) { server in
            let credentials = GitHubAppCredentials(issuer: Self.clientID, appID: Self.appID, privateKey: TestKeys.privateKey)
            let app = GitHubClient(configuration: TestData.configuration(server), auth: .app(credentials))
            let installation = try await app.appInstallation(id: 77)
            #expect(installation.account?.login == "acme")
            #expect(installation.appID == Self.appID)

            let impostorKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            let impostor = app.with(auth: .app(GitHubAppCredentials(issuer: Self.clientID, privateKey: impostorKey)))
            await #expect(throws: GitHubError.self) { _ = try await impostor.appInstallation(id: 77) }
        }
    }

    @Test("An installation token is minted once, reused until a minute before expiry, then refreshed")
    func installationTokenCaching() async throws {
        let clock = TestClock()
        try await withFakeGitHub(seed: Self.seed(), options: FakeGitHubOptions(installationTokenLifetime: 3600, now: clock.nowFunction)) { server in
            let credentials = GitHubAppCredentials(issuer: String(Self.appID), privateKey: TestKeys.privateKey)
            let app = GitHubClient(configuration: TestData.configuration(server, clock: clock), auth: .app(credentials))
            let installation = try app.installation(77)
            func mints() async -> Int {
                await server.state.requestLog().filter { $0.path.hasSuffix("/access_tokens") }.count
            }

            _ = try await installation.repository(owner: "acme", repo: "widgets")
            _ = try await installation.repository(owner: "acme", repo: "widgets")
            #expect(await mints() == 1, "second call reuses the token")

            clock.advance(by: .seconds(3600 - 120))
            _ = try await installation.repository(owner: "acme", repo: "widgets")
            #expect(await mints() == 1, "two minutes left: still reused")

            clock.advance(by: .seconds(70))
            _ = try await installation.repository(owner: "acme", repo: "widgets")
            #expect(await mints() == 2, "under a minute left: refreshed before GitHub would refuse it")

            let calls = await server.state.requestLog().filter { $0.path == "/repos/acme/widgets" }
            #expect(calls.allSatisfy { $0.status == 200 && $0.identity == "installation:77" })
        }
    }

    @Test("Concurrent first calls share one mint")
    func concurrentMintsCoalesce() async throws {
        try await withFakeGitHub(seed: Self.seed(), options: FakeGitHubOptions(latency: .milliseconds(30))) { server in
            let credentials = GitHubAppCredentials(issuer: Self.clientID, privateKey: TestKeys.privateKey)
            let installation = try GitHubClient(configuration: TestData.configuration(server), auth: .app(credentials)).installation(77)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<5 { group.addTask { _ = try await installation.repository(owner: "acme", repo: "widgets") } }
                try await group.waitForAll()
            }
            #expect(await server.state.requestLog().filter { $0.path.hasSuffix("/access_tokens") }.count == 1)
        }
    }

    @Test("A revoked installation token (401) is replaced once, transparently")
    func revokedTokenIsReminted() async throws {
        try await withFakeGitHub(seed: Self.seed()) { server in
            let credentials = GitHubAppCredentials(issuer: Self.clientID, privateKey: TestKeys.privateKey)
            let installation = try GitHubClient(configuration: TestData.configuration(server), auth: .app(credentials)).installation(77)
            _ = try await installation.repository(owner: "acme", repo: "widgets")
            await server.state.inject(FakeFault(method: "GET", pathContains: "/repos/acme/widgets", kind: .status(401, message: "Bad credentials")))
            _ = try await installation.repository(owner: "acme", repo: "widgets")
            #expect(await server.state.requestLog().filter { $0.path.hasSuffix("/access_tokens") }.count == 2)
        }
    }

    @Test("Installation handles need App credentials")
    func installationNeedsApp() throws {
        let client = GitHubClient(auth: .token(GitHubToken("ghp_x")))
        #expect(throws: GitHubError.self) { _ = try client.installation(1) }
    }
}
