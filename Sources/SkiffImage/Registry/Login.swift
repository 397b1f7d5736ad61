/// `login` and `logout`: check credentials against the registry, then keep them in the credentials file.
public enum RegistryLogin {
    /// Check `credential` against `registry` (GET /v2/, answering a Basic or Bearer challenge) and save
    /// it only when the registry accepts it.
    public static func login(
        registry: String, credential: Credential, tlsVerify: Bool = true,
        store: CredentialStore = .default()
    ) throws(RegistryError) {
        let client = RegistryClient(registry: registry, tlsVerify: tlsVerify, credential: credential, connections: 1)
        try client.checkAuthentication()
        try store.save(credential, for: registry)
    }

    /// Forget the credential for `registry`; returns whether there was one.
    @discardableResult
    public static func logout(registry: String, store: CredentialStore = .default()) throws(RegistryError) -> Bool {
        try store.remove(for: registry)
    }
}
