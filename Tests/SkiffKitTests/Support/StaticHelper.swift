import Foundation

/// A small C program compiled static at test time with the host's gcc (installed by
/// `Scripts/setup --test`), so that it runs in any container (bind-mount it read-only): a UDP echo
/// server, an attacker that races for /proc/PID/exe, and so on.
enum StaticHelper {
    static let gcc = "/usr/bin/gcc"

    /// Write `source` into `directory` as NAME.c and compile it there (`gcc -static -O2`); the binary's
    /// path. Without gcc this is an error that says how to get it, never a silent skip.
    static func build(_ name: String, source: String, in directory: String) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: gcc) else {
            throw Failure(
                "\(gcc) is missing: this test compiles its helper \(name); install gcc and libc6-dev (Scripts/setup --test)"
            )
        }
        let src = directory + "/" + name + ".c"
        let binary = directory + "/" + name
        try source.write(toFile: src, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: gcc)
        p.arguments = ["-static", "-O2", "-o", binary, src]
        let err = Pipe()
        p.standardOutput = FileHandle.nullDevice
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0, FileManager.default.isExecutableFile(atPath: binary) else {
            throw Failure(
                "gcc -static -O2 -o \(binary) \(src) failed (status \(p.terminationStatus); is libc6-dev installed? Scripts/setup --test):\n\(message)"
            )
        }
        return binary
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
