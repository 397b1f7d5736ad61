import Foundation
import Testing

/// A UDP echo server for tests, since the fixture's busybox has no UDP server applet (its nc has no -u,
/// no udpsvd): a few lines of C compiled static at test time with the host's gcc (installed by
/// `Scripts/setup --test`), so it runs in any container as `/udp-echo PORT` (bind-mount it read-only).
enum UDPEcho {
    /// Answers every datagram with the same bytes, forever; port 7 (echo) by default.
    static let source = #"""
    #include <netinet/in.h>
    #include <stdio.h>
    #include <stdlib.h>
    #include <sys/socket.h>

    int main(int argc, char **argv) {
        int port = argc > 1 ? atoi(argv[1]) : 7;
        int fd = socket(AF_INET, SOCK_DGRAM, 0);
        if (fd < 0) { perror("socket"); return 1; }
        struct sockaddr_in addr = {0};
        addr.sin_family = AF_INET;
        addr.sin_port = htons((unsigned short)port);
        addr.sin_addr.s_addr = htonl(INADDR_ANY);
        if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) { perror("bind"); return 1; }
        fprintf(stderr, "udp-echo: listening on %d\n", port);
        for (;;) {
            char buf[2048];
            struct sockaddr_in peer;
            socklen_t len = sizeof peer;
            ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&peer, &len);
            if (n < 0) continue;
            sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&peer, len);
        }
    }
    """#

    static let gcc = "/usr/bin/gcc"

    /// Write the source into `directory` and compile it there (`gcc -static -O2`); the binary's path.
    /// Without gcc this is an error that says how to get it, never a silent skip.
    static func build(in directory: String) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: gcc) else {
            throw Failure("\(gcc) is missing: the UDP test compiles its echo server; install gcc and libc6-dev (Scripts/setup --test)")
        }
        let src = directory + "/udp-echo.c"
        let binary = directory + "/udp-echo"
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
            throw Failure("gcc -static -O2 -o \(binary) \(src) failed (status \(p.terminationStatus); is libc6-dev installed? Scripts/setup --test):\n\(message)")
        }
        return binary
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
