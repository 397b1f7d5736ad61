// Named network namespaces: a file under the state root with the namespace bind-mounted on it.
#include "csystem_netns.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

struct netns_job {
    const char *path;
    int err;
};

static void *netns_thread(void *arg) {
    struct netns_job *job = arg;
    if (unshare(CLONE_NEWNET) != 0) {
        job->err = errno;
        return NULL;
    }
    char self[64];
    snprintf(self, sizeof self, "/proc/self/task/%ld/ns/net", (long)syscall(SYS_gettid));
    if (mount(self, job->path, "none", MS_BIND, NULL) != 0) job->err = errno;
    // The thread ends here; the namespace lives on through the mount.
    return NULL;
}

int csys_netns_create(const char *path) {
    int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
    if (fd < 0) return -errno;
    close(fd);
    struct netns_job job = {path, 0};
    pthread_t thread;
    int rc = pthread_create(&thread, NULL, netns_thread, &job);
    if (rc != 0) {
        unlink(path);
        return -rc;
    }
    pthread_join(thread, NULL);
    if (job.err != 0) {
        unlink(path);
        return -job.err;
    }
    return 0;
}

int csys_netns_remove(const char *path) {
    if (umount2(path, MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) return -errno;
    if (unlink(path) != 0 && errno != ENOENT) return -errno;
    return 0;
}

int csys_setns_net(int fd) { return setns(fd, CLONE_NEWNET); }

int csys_link_mtu(const char *name) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    int rc = ioctl(fd, SIOCGIFMTU, &ifr);
    close(fd);
    return rc == 0 ? ifr.ifr_mtu : -1;
}
