// System calls and constants that Glibc's Swift module does not bring in (they sit behind _GNU_SOURCE
// or in headers it leaves out), as plain wrappers. Host-side use only; nothing here runs between
// clone and exec (that is CSkiff's job).
#ifndef CSYSTEM_H
#define CSYSTEM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "csystem_netns.h"
#include "csystem_signals.h"
#include "csystem_fdpass.h"
#include "csystem_quota.h"

/// getxattr/lgetxattr/setxattr/lsetxattr/fsetxattr/llistxattr: -1 with errno on failure.
ssize_t csys_lgetxattr(const char *path, const char *name, void *value, size_t size);
int csys_lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags);
int csys_fsetxattr(int fd, const char *name, const void *value, size_t size, int flags);
ssize_t csys_llistxattr(const char *path, char *list, size_t size);

/// statfs(2)'s f_type (the filesystem's magic number) for `path`, or -1 with errno.
int64_t csys_statfs_type(const char *path);

/// eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK): the descriptor, or -1 with errno.
int csys_eventfd(void);

/// openat2(2) with RESOLVE_* flags; -1 with errno on failure (ENOSYS on kernels before 5.6).
int csys_openat2(int dirfd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve);

extern const int CSYS_O_PATH;
extern const uint64_t CSYS_RESOLVE_BENEATH;
extern const uint64_t CSYS_RESOLVE_IN_ROOT;
extern const uint64_t CSYS_RESOLVE_NO_SYMLINKS;
extern const uint64_t CSYS_RESOLVE_NO_MAGICLINKS;
extern const uint64_t CSYS_RESOLVE_NO_XDEV;

/// unshare(2) and setns(2), for host-side work on one thread (e.g. a private mount namespace).
int csys_unshare(int flags);
int csys_setns(int fd, int nstype);
extern const int CSYS_CLONE_NEWNS;
extern const int CSYS_CLONE_NEWNET;

/// close_range(first, ~0, CLOSE_RANGE_CLOEXEC): every descriptor from `first` on closes at the next
/// execve (a loop of fcntl where the kernel lacks it, before 5.11). 0, or -1 with errno.
int csys_cloexec_from(unsigned int first);

/// mount(2) and umount2(2).
int csys_mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data);
int csys_umount(const char *target, int flags);

/// copy_file_range(2) between the fds' current offsets (Glibc's Swift module lacks it).
ssize_t csys_copy_file_range(int fd_in, int fd_out, size_t len);

/// The new mount API: create an overlay superblock with one fsconfig call per option (so the number of
/// lower layers is not limited by a page of mount options) and attach it at `target`. Returns 0, or -1
/// with errno (ENOSYS or EINVAL on kernels without fsopen or "lowerdir+").
int csys_mount_overlay(const char *target, const char *const *lowerdirs, int n_lower, const char *upperdir,
                       const char *workdir, const char *const *extra_options, int n_extra);

#endif
