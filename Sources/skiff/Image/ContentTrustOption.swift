import ArgumentParser

/// Docker's `--disable-content-trust` (pull, push, run, create, build): true by default, which is what skiff
/// does (an image is checked by its digests, not by Notary signatures). `--disable-content-trust=false`
/// (`--no-disable-content-trust`) asks for Notary's signed-tag verification, which skiff does not have:
/// refused before anything is pulled, pushed or created, rather than done without it.
enum ContentTrust {
    static let help: ArgumentHelp =
        "Skip image verification (the default; =false asks for Notary signatures, which skiff does not check)."

    static func check(disabled: Bool) throws {
        guard !disabled else { return }
        throw ValidationError(
            "--disable-content-trust=false: content trust (Docker Notary's signed tags) is not supported by skiff; "
                + "images are checked by their digests only")
    }
}

/// The flag for commands that take it as an option group (pull, push, build).
struct ContentTrustOption: ParsableArguments {
    @Flag(
        name: .customLong("disable-content-trust"), inversion: .prefixedNo, exclusivity: .chooseLast,
        help: ContentTrust.help)
    var disableContentTrust = true

    func check() throws { try ContentTrust.check(disabled: disableContentTrust) }
}
