import Foundation
import Testing

/// A UDP echo server for tests, since the fixture's busybox has no UDP server applet (its nc has no -u,
/// no udpsvd): a StaticHelper, run in a container as `/udp-echo PORT` (bind-mount it read-only).
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

    /// Compile the server into `directory`; the binary's path.
    static func build(in directory: String) throws -> String {
        try StaticHelper.build("udp-echo", source: source, in: directory)
    }
}
