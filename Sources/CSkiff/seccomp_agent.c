// Handing a seccomp notify fd to a seccomp agent (linux.seccomp.listenerPath), as runc does.
#include "include/cskiff_seccomp.h"
#include "include/cskiff_spawn.h"

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
    ssize_t n = cskiff_send_fd_with(sock, fd, state, state_len);
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
