import CSkiff
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Which skiff-oci command lines re-execute sealed before Swift starts (CSkiffSealAtLoad): the C
/// shim's reading of runc's global flags must find the same command word as GlobalOptions does.
@Suite struct SealDecisionTests {
    func runsUnsealed(_ args: [String]) -> Bool {
        let argv = (["skiff-oci"] + args).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        return argv.withUnsafeBufferPointer {
            cskiff_oci_runs_unsealed(Int32(args.count + 1), $0.baseAddress) != 0
        }
    }

    @Test(arguments: [
        (["--root", "/r", "state", "c1"], true),
        (["--root=/r", "--debug", "kill", "c1", "KILL"], true),
        (["--log", "/l", "--log-format", "json", "delete", "--force", "c1"], true),
        ([], true),
        (["--help"], true),
        (["--root", "/r", "run", "--bundle", "b", "c1"], false),
        (["--log-format=text", "create", "c1"], false),
        (["exec", "c1", "state"], false),
        (["--root", "state", "run"], false),  // "state" is --root's value; the command is run
        (["some-new-command"], false),  // anything not known to stay outside containers is sealed
    ])
    func commandWordAfterGlobalFlags(args: [String], unsealed: Bool) {
        #expect(runsUnsealed(args) == unsealed, "\(args)")
    }
}
