// The bench's floor for a container on a bridge (Scripts/bench.d/lifecycle.sh): the kernel's part of
// the network a bridged container needs, done as directly as a program can, so that crun's bare `run -d`
// into the namespace made here is what any runtime's bridged start must at least pay. For each container:
// a network namespace kept in a file (unshare, bind mount), a veth pair made with its peer inside it and
// its host end on BRIDGE and up, then inside: lo up, the peer's address, the peer up, a default route.
// No firewall, no lease, no record: those are the runtime's choices, not the kernel's floor.
//
//   netfloor up BRIDGE DIR FIRST COUNT    make DIR/nsI and veth nflI for I in FIRST..FIRST+COUNT-1
//   netfloor down DIR FIRST COUNT         unmount and remove DIR/nsI (the kernel then deletes the veths)
//
// Addresses are 192.0.2.I+2/24 (TEST-NET-1) with the route via 192.0.2.1, inside each namespace only:
// the bridge has no address, so the host gains no route. Built by the bench with `cc`; not part of Skiff.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

struct request {
    struct nlmsghdr header;
    char body[1024];
};

static void die(const char *what) {
    fprintf(stderr, "netfloor: %s: %s\n", what, strerror(errno));
    exit(1);
}

static struct rtattr *attr(struct request *r, unsigned short type, const void *data, size_t size) {
    struct rtattr *a = (struct rtattr *)((char *)r + NLMSG_ALIGN(r->header.nlmsg_len));
    a->rta_type = type;
    a->rta_len = (unsigned short)RTA_LENGTH(size);
    if (size && data) memcpy(RTA_DATA(a), data, size);
    else if (size) memset(RTA_DATA(a), 0, size);
    r->header.nlmsg_len = NLMSG_ALIGN(r->header.nlmsg_len) + RTA_ALIGN(a->rta_len);
    return a;
}

static void close_nest(struct request *r, struct rtattr *nest) {
    nest->rta_len = (unsigned short)((char *)r + r->header.nlmsg_len - (char *)nest);
}

static void *start(struct request *r, unsigned short type, unsigned short flags, size_t fixed) {
    memset(r, 0, sizeof *r);
    r->header.nlmsg_len = (unsigned)NLMSG_LENGTH(fixed);
    r->header.nlmsg_type = type;
    r->header.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
    return NLMSG_DATA(&r->header);
}

// Send one request on a route socket and wait for its acknowledgement.
static void talk(int fd, struct request *r, const char *what) {
    if (send(fd, r, r->header.nlmsg_len, 0) < 0) die(what);
    char reply[4096];
    ssize_t n = recv(fd, reply, sizeof reply, 0);
    if (n < 0) die(what);
    struct nlmsghdr *h = (struct nlmsghdr *)reply;
    if (h->nlmsg_type == NLMSG_ERROR) {
        int error = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
        if (error) {
            errno = -error;
            die(what);
        }
    }
}

static int route_socket(void) {
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) die("netlink socket");
    return fd;
}

static void set_up(int fd, int index, const char *name) {
    struct request r;
    struct ifinfomsg *info = start(&r, RTM_NEWLINK, 0, sizeof *info);
    info->ifi_family = AF_UNSPEC;
    info->ifi_index = index;
    info->ifi_flags = IFF_UP;
    info->ifi_change = IFF_UP;
    if (name) attr(&r, IFLA_IFNAME, name, strlen(name) + 1);
    talk(fd, &r, "link up");
}

static void up(const char *dir, int i, int host_netns, int bridge_index) {
    char path[4096], veth[IFNAMSIZ];
    snprintf(path, sizeof path, "%s/ns%d", dir, i);
    snprintf(veth, sizeof veth, "nfl%d", i);
    int made = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (made < 0) die(path);
    close(made);
    if (unshare(CLONE_NEWNET) < 0) die("unshare");
    if (mount("/proc/thread-self/ns/net", path, NULL, MS_BIND, NULL) < 0) die("bind mount");
    int netns = open(path, O_RDONLY | O_CLOEXEC);
    if (netns < 0) die(path);

    // Inside: lo up (a new namespace's lo is always index 1).
    int inside = route_socket();
    set_up(inside, 1, NULL);
    if (setns(host_netns, CLONE_NEWNET) < 0) die("setns host");

    // On the host: the pair, its host end on the bridge and up, its peer (eth0) in the namespace.
    int host = route_socket();
    struct request r;
    struct ifinfomsg *info = start(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof *info);
    info->ifi_family = AF_UNSPEC;
    info->ifi_flags = IFF_UP;
    info->ifi_change = IFF_UP;
    unsigned mtu = 1500, master = (unsigned)bridge_index;
    attr(&r, IFLA_IFNAME, veth, strlen(veth) + 1);
    attr(&r, IFLA_MTU, &mtu, sizeof mtu);
    attr(&r, IFLA_MASTER, &master, sizeof master);
    struct rtattr *linkinfo = attr(&r, IFLA_LINKINFO, NULL, 0);
    attr(&r, IFLA_INFO_KIND, "veth", 4);
    struct rtattr *data = attr(&r, IFLA_INFO_DATA, NULL, 0);
    struct rtattr *peer = attr(&r, VETH_INFO_PEER, NULL, sizeof(struct ifinfomsg));
    unsigned char mac[6] = {0x02, 0x42, 192, 0, 2, (unsigned char)(i + 2)};
    attr(&r, IFLA_IFNAME, "eth0", 5);
    attr(&r, IFLA_MTU, &mtu, sizeof mtu);
    attr(&r, IFLA_ADDRESS, mac, sizeof mac);
    attr(&r, IFLA_NET_NS_FD, &netns, sizeof netns);
    close_nest(&r, peer);
    close_nest(&r, data);
    close_nest(&r, linkinfo);
    talk(host, &r, "veth pair");
    close(host);

    // Inside again: the address, eth0 up, the default route.
    if (setns(netns, CLONE_NEWNET) < 0) die("setns container");
    int eth0 = (int)if_nametoindex("eth0");
    if (eth0 == 0) die("eth0");
    struct ifaddrmsg *addr = start(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, sizeof *addr);
    addr->ifa_family = AF_INET;
    addr->ifa_prefixlen = 24;
    addr->ifa_index = (unsigned)eth0;
    struct in_addr local = {htonl(0xC0000200u + (unsigned)i + 2)}, gateway = {htonl(0xC0000201u)};
    attr(&r, IFA_LOCAL, &local, sizeof local);
    attr(&r, IFA_ADDRESS, &local, sizeof local);
    talk(inside, &r, "address");
    set_up(inside, eth0, NULL);
    struct rtmsg *route = start(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, sizeof *route);
    route->rtm_family = AF_INET;
    route->rtm_table = RT_TABLE_MAIN;
    route->rtm_protocol = RTPROT_BOOT;
    route->rtm_scope = RT_SCOPE_UNIVERSE;
    route->rtm_type = RTN_UNICAST;
    attr(&r, RTA_GATEWAY, &gateway, sizeof gateway);
    attr(&r, RTA_OIF, &eth0, sizeof eth0);
    talk(inside, &r, "default route");
    close(inside);
    close(netns);
    if (setns(host_netns, CLONE_NEWNET) < 0) die("setns host");
}

int main(int argc, char **argv) {
    if (argc == 6 && strcmp(argv[1], "up") == 0) {
        int first = atoi(argv[4]), count = atoi(argv[5]);
        int bridge_index = (int)if_nametoindex(argv[2]);
        if (bridge_index == 0) die(argv[2]);
        int host_netns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        if (host_netns < 0) die("host netns");
        for (int i = first; i < first + count; i++) up(argv[3], i, host_netns, bridge_index);
        return 0;
    }
    if (argc == 5 && strcmp(argv[1], "down") == 0) {
        int first = atoi(argv[3]), count = atoi(argv[4]);
        for (int i = first; i < first + count; i++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/ns%d", argv[2], i);
            umount2(path, MNT_DETACH);
            unlink(path);
        }
        return 0;
    }
    fprintf(stderr, "usage: netfloor up BRIDGE DIR FIRST COUNT | netfloor down DIR FIRST COUNT\n");
    return 2;
}
