import CSkiffSeal
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Which command lines of skiff-oci and skiff run sealed: decided in C, by the launchers (launch.c) and
/// the programs' load-time seal alike, before Swift starts. The C shim's reading of runc's global flags
/// must find the same command word as GlobalOptions does.
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

    func cliRunsUnsealed(_ args: [String]) -> Bool {
        let argv = (["skiff"] + args).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        return argv.withUnsafeBufferPointer {
            cskiff_cli_runs_unsealed(Int32(args.count + 1), $0.baseAddress) != 0
        }
    }

    @Test(arguments: [
        (["exec", "c1", "true"], false),
        (["--root", "/r", "exec", "-it", "c1", "sh"], false),
        (["container-internal", "start", "c1"], false),  // the monitor's start clones the container
        (["create", "busybox"], false),
        (["start", "c1"], false),
        (["oci", "run", "c1"], false),
        (["compose", "up"], false),
        (["some-new-command"], false),
        (["ps"], true),
        (["--root=/r", "logs", "c1"], true),
        (["run", "-d", "busybox"], true),  // run seals itself once its flags say it is attached
        (["--version"], true),
        ([], true),
    ])
    func cliCommandWordAfterGlobalFlags(args: [String], unsealed: Bool) {
        #expect(cliRunsUnsealed(args) == unsealed, "\(args)")
    }
}
