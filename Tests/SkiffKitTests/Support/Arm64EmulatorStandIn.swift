import Foundation
import SkiffTestSupport
import Testing

/// A stand-in arm64 emulator registered with binfmt_misc for one test: the host's static busybox,
/// registered with the F flag for the aarch64 ELF magic, so the kernel runs an "arm64 program" (an
/// aarch64 ELF header, `program`) as `busybox PATH ARGS…`, which runs the applet the program's path
/// names (`/bin/sh` runs busybox's sh). `remove()` unregisters it (and unmounts binfmt_misc if this
/// mounted it).
final class Arm64EmulatorStandIn {
    static let binfmt = "/proc/sys/fs/binfmt_misc"
    static let name = "skiff-test-aarch64"
    static let magic = "7f454c460201010000000000000000000200b700"
    static let mask = "ffffffffffffff00fffffffffffffffffeffffff"
    private var mounted = false
    private var registered = false

    /// Register it; `directory` holds the emulator's copy of busybox.
    init(directory: String) throws {
        if !FileManager.default.fileExists(atPath: Self.binfmt + "/register") {
            try #require(TestShell.run("mount -t binfmt_misc binfmt_misc \(Self.binfmt)").status == 0)
            mounted = true
        }
        // Named busybox: busybox then runs the applet its first argument (the program's path) names.
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let emulator = directory + "/busybox"
        try FileManager.default.copyItem(atPath: TestImage.busyboxRootfs + "/bin/busybox", toPath: emulator)
        func escaped(_ hex: String) -> String {
            stride(from: 0, to: hex.count, by: 2).map { i in "\\x" + hex.dropFirst(i).prefix(2) }.joined()
        }
        let registration = ":\(Self.name):M:0:\(escaped(Self.magic)):\(escaped(Self.mask)):\(emulator):F"
        let done = TestShell.run("printf '%s' '\(registration)' > \(Self.binfmt)/register")
        if done.status != 0 {
            remove()
            Issue.record("registering the stand-in emulator failed: \(done.output)")
            throw Failed()
        }
        registered = true
    }

    struct Failed: Error {}

    func remove() {
        if registered { _ = TestShell.run("echo -1 > \(Self.binfmt)/\(Self.name)") }
        registered = false
        if mounted { _ = TestShell.run("umount \(Self.binfmt)") }
        mounted = false
    }

    /// An "arm64 program": an aarch64 ELF header, which only a registered handler runs.
    static var program: Data {
        var header = [UInt8](repeating: 0, count: 128)
        for i in 0..<(magic.count / 2) {
            header[i] = UInt8(String(magic.dropFirst(2 * i).prefix(2)), radix: 16)!
        }
        return Data(header)
    }
}
