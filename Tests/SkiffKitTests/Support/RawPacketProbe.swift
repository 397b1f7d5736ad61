import Foundation

/// An attacker's tool for the network attack tests: it writes whole Ethernet frames to a container's
/// interface (an AF_PACKET socket, which a default container may open: it has CAP_NET_RAW), addressed
/// to the gateway's MAC, so the container's own routing (which keeps 127.0.0.1 on its lo) is bypassed
/// and the host receives packets to or from its loopback addresses over the bridge. Compiled static at
/// test time (`StaticHelper`) and bind-mounted into the container.
///
///     raw-probe syn IFACE GWMAC DST PORT            a TCP SYN from IFACE's address to DST:PORT; prints
///                                                   SYNACK or RST (the first answer seen) or NOREPLY (3 s)
///     raw-probe udp IFACE GWMAC SRC DST PORT TEXT   a UDP datagram from SRC (spoofable) to DST:PORT, 3 times
enum RawPacketProbe {
    static let source = #"""
        #include <arpa/inet.h>
        #include <net/if.h>
        #include <netinet/in.h>
        #include <linux/if_packet.h>
        #include <poll.h>
        #include <stdint.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <sys/ioctl.h>
        #include <sys/socket.h>
        #include <time.h>
        #include <unistd.h>

        static uint32_t sum16(const void *data, size_t len, uint32_t sum) {
            const uint8_t *p = data;
            for (; len > 1; p += 2, len -= 2) sum += (uint32_t)(p[0] << 8 | p[1]);
            if (len) sum += (uint32_t)(p[0] << 8);
            return sum;
        }

        static uint16_t fold(uint32_t sum) {
            while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
            return htons((uint16_t)~sum);
        }

        static int die(const char *what) { perror(what); return 2; }

        static long now_ms(void) {
            struct timespec t;
            clock_gettime(CLOCK_MONOTONIC, &t);
            return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
        }

        /* Ethernet (14) + IPv4 (20) + the layer-4 bytes; returns the frame's length. */
        static size_t frame(uint8_t *f, const uint8_t dmac[6], const uint8_t smac[6], uint32_t src, uint32_t dst,
                            uint8_t proto, const uint8_t *l4, size_t l4len) {
            memcpy(f, dmac, 6);
            memcpy(f + 6, smac, 6);
            f[12] = 0x08; f[13] = 0x00;
            uint8_t *ip = f + 14;
            memset(ip, 0, 20);
            ip[0] = 0x45;
            uint16_t total = htons((uint16_t)(20 + l4len));
            memcpy(ip + 2, &total, 2);
            ip[8] = 64;
            ip[9] = proto;
            memcpy(ip + 12, &src, 4);
            memcpy(ip + 16, &dst, 4);
            uint16_t c = fold(sum16(ip, 20, 0));
            memcpy(ip + 10, &c, 2);
            memcpy(ip + 20, l4, l4len);
            /* the layer-4 checksum over the pseudo header */
            uint8_t pseudo[12];
            memcpy(pseudo, &src, 4);
            memcpy(pseudo + 4, &dst, 4);
            pseudo[8] = 0; pseudo[9] = proto;
            uint16_t len = htons((uint16_t)l4len);
            memcpy(pseudo + 10, &len, 2);
            c = fold(sum16(ip + 20, l4len, sum16(pseudo, 12, 0)));
            memcpy(ip + 20 + (proto == 6 ? 16 : 6), &c, 2);
            return 34 + l4len;
        }

        int main(int argc, char **argv) {
            if (argc < 6) { fprintf(stderr, "usage: raw-probe syn|udp IFACE GWMAC ...\n"); return 2; }
            const char *mode = argv[1], *ifname = argv[2];
            uint8_t gw[6], mine[6];
            if (sscanf(argv[3], "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &gw[0], &gw[1], &gw[2], &gw[3], &gw[4], &gw[5]) != 6) {
                fprintf(stderr, "raw-probe: bad MAC %s\n", argv[3]);
                return 2;
            }
            int q = socket(AF_INET, SOCK_DGRAM, 0);
            struct ifreq ifr;
            memset(&ifr, 0, sizeof ifr);
            strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
            if (ioctl(q, SIOCGIFHWADDR, &ifr) < 0) return die("SIOCGIFHWADDR");
            memcpy(mine, ifr.ifr_hwaddr.sa_data, 6);
            if (ioctl(q, SIOCGIFADDR, &ifr) < 0) return die("SIOCGIFADDR");
            uint32_t self = ((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr.s_addr;
            int ifindex = (int)if_nametoindex(ifname);

            int fd = socket(AF_PACKET, SOCK_RAW, htons(0x0800));
            if (fd < 0) return die("socket(AF_PACKET)");
            struct sockaddr_ll ll;
            memset(&ll, 0, sizeof ll);
            ll.sll_family = AF_PACKET;
            ll.sll_protocol = htons(0x0800);
            ll.sll_ifindex = ifindex;
            if (bind(fd, (struct sockaddr *)&ll, sizeof ll) < 0) return die("bind");
            uint8_t f[1600];

            if (strcmp(mode, "udp") == 0 && argc >= 8) {
                uint32_t src = inet_addr(argv[4]), dst = inet_addr(argv[5]);
                uint16_t port = (uint16_t)atoi(argv[6]);
                size_t n = strlen(argv[7]);
                uint8_t udp[8 + 1024];
                if (n > 1024) n = 1024;
                uint16_t sport = htons(40000), dport = htons(port), len = htons((uint16_t)(8 + n));
                memcpy(udp, &sport, 2);
                memcpy(udp + 2, &dport, 2);
                memcpy(udp + 4, &len, 2);
                memset(udp + 6, 0, 2);
                memcpy(udp + 8, argv[7], n);
                size_t flen = frame(f, gw, mine, src, dst, 17, udp, 8 + n);
                for (int i = 0; i < 3; i++) {
                    if (send(fd, f, flen, 0) < 0) return die("send");
                    usleep(100000);
                }
                puts("SENT");
                return 0;
            }
            if (strcmp(mode, "syn") != 0) { fprintf(stderr, "raw-probe: unknown mode %s\n", mode); return 2; }
            uint32_t dst = inet_addr(argv[4]);
            uint16_t port = (uint16_t)atoi(argv[5]);
            uint16_t sport = (uint16_t)(30000 + getpid() % 20000);
            uint8_t tcp[20];
            memset(tcp, 0, sizeof tcp);
            uint16_t s = htons(sport), d = htons(port), win = htons(64240);
            uint32_t seq = htonl((uint32_t)now_ms() * 2654435761u);
            memcpy(tcp, &s, 2);
            memcpy(tcp + 2, &d, 2);
            memcpy(tcp + 4, &seq, 4);
            tcp[12] = 5 << 4;
            tcp[13] = 0x02; /* SYN */
            memcpy(tcp + 14, &win, 2);
            size_t flen = frame(f, gw, mine, self, dst, 6, tcp, sizeof tcp);
            uint8_t syn[64];
            memcpy(syn, f, flen);
            long start = now_ms(), sent = -1000;
            while (now_ms() - start < 3000) {
                if (now_ms() - sent >= 1000) {
                    if (send(fd, syn, flen, 0) < 0) return die("send");
                    sent = now_ms();
                }
                struct pollfd p = { fd, POLLIN, 0 };
                if (poll(&p, 1, 100) <= 0) continue;
                ssize_t n = recv(fd, f, sizeof f, 0);
                if (n < 14 + 20 + 20 || f[12] != 0x08 || f[13] != 0x00) continue;
                uint8_t *ip = f + 14;
                size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
                if (ip[9] != 6 || memcmp(ip + 12, &dst, 4) != 0 || (size_t)n < 14 + ihl + 20) continue;
                uint8_t *t = ip + ihl;
                if (memcmp(t, &d, 2) != 0 || memcmp(t + 2, &s, 2) != 0) continue;
                if ((t[13] & 0x12) == 0x12) { puts("SYNACK"); return 0; }
                if (t[13] & 0x04) { puts("RST"); return 0; }
            }
            puts("NOREPLY");
            return 0;
        }
        """#

    /// Compile it (`StaticHelper`) into `directory`; the binary's path.
    static func build(in directory: String) throws -> String {
        try StaticHelper.build("raw-probe", source: source, in: directory)
    }
}
