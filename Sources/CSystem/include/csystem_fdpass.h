// A descriptor passed over a Unix socket (SCM_RIGHTS) with a few bytes of text, as the exec waiter
// (skiff-monitor -E) and skiff pass a terminal's master.
#ifndef CSYSTEM_FDPASS_H
#define CSYSTEM_FDPASS_H

#include <sys/types.h>

/// Send `len` bytes of `payload` (at least one) with `fd` over the connected socket `sock`. The bytes
/// sent, or -1 with errno.
ssize_t csys_send_fd_with(int sock, int fd, const void *payload, size_t len);

/// Receive up to `cap` bytes from `sock` into `buf`, and the descriptor passed with them into `*fd`
/// (close-on-exec; -1 when none came). The bytes received (0 at end of file), or -1 with errno.
ssize_t csys_recv_fd_with(int sock, void *buf, size_t cap, int *fd);

#endif
