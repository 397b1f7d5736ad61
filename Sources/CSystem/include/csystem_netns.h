// Network namespaces kept by a file (as `ip netns add` does), for container networking.
#ifndef CSYSTEM_NETNS_H
#define CSYSTEM_NETNS_H

/// Make a new network namespace and bind-mount it on `path` (an empty file is created, which must not
/// exist yet). The namespace is made by a short-lived thread (unshare affects only that thread), so the
/// caller's own namespace never changes. Returns 0, or -errno.
int csys_netns_create(const char *path);

/// Detach the bind mount on `path` and unlink the file; a missing file or mount is no error.
/// Returns 0, or -errno.
int csys_netns_remove(const char *path);

/// setns(2) for a network namespace fd: -1 with errno on failure.
int csys_setns_net(int fd);

/// The MTU of a network device of the caller's network namespace (SIOCGIFMTU), or -1. Unlike
/// /sys/class/net, which shows the namespace of whoever mounted /sys, this is always the caller's.
int csys_link_mtu(const char *name);

#endif
