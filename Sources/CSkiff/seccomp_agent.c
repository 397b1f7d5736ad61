// Handing a seccomp notify fd to a seccomp agent (linux.seccomp.listenerPath), as runc does.
#include "include/cskiff_seccomp.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int cskiff_seccomp_send_to_agent(const char *path, const void *state, size_t state_len, int fd, int *connected) {
    *connected = 0;
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof addr.sun_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(addr.sun_path, path);
    int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sock < 0) return -1;
    if (connect(sock, (struct sockaddr *)&addr, sizeof addr) != 0) {
        int e = errno;
        close(sock);
        errno = e;
        return -1;
    }
    *connected = 1;
    struct iovec iov = {.iov_base = (void *)state, .iov_len = state_len};
    char control[CMSG_SPACE(sizeof(int))];
    memset(control, 0, sizeof control);
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
    ssize_t n;
    do {
        n = sendmsg(sock, &msg, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    int e = errno;
    close(sock);
    if (n < 0) {
        errno = e;
        return -1;
    }
    if ((size_t)n != state_len) {
        errno = EMSGSIZE;
        return -1;
    }
    return 0;
}
