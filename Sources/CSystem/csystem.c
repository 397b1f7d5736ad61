#include "csystem.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <linux/close_range.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

const int CSYS_O_PATH = O_PATH;
const uint64_t CSYS_RESOLVE_BENEATH = RESOLVE_BENEATH;
const uint64_t CSYS_RESOLVE_IN_ROOT = RESOLVE_IN_ROOT;
const uint64_t CSYS_RESOLVE_NO_SYMLINKS = RESOLVE_NO_SYMLINKS;
const uint64_t CSYS_RESOLVE_NO_MAGICLINKS = RESOLVE_NO_MAGICLINKS;
const uint64_t CSYS_RESOLVE_NO_XDEV = RESOLVE_NO_XDEV;

ssize_t csys_lgetxattr(const char *path, const char *name, void *value, size_t size) {
    return lgetxattr(path, name, value, size);
}

int csys_lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags) {
    return lsetxattr(path, name, value, size, flags);
}

int csys_fsetxattr(int fd, const char *name, const void *value, size_t size, int flags) {
    return fsetxattr(fd, name, value, size, flags);
}

ssize_t csys_llistxattr(const char *path, char *list, size_t size) {
    return llistxattr(path, list, size);
}

int csys_openat2(int dirfd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve) {
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = flags;
    how.mode = mode;
    how.resolve = resolve;
    return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

const int CSYS_CLONE_NEWNS = CLONE_NEWNS;
const int CSYS_CLONE_NEWNET = CLONE_NEWNET;

int csys_unshare(int flags) {
    return unshare(flags);
}

int csys_setns(int fd, int nstype) {
    return setns(fd, nstype);
}

int csys_cloexec_from(unsigned int first) {
    if (syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return 0;
    if (errno != ENOSYS && errno != EINVAL) return -1;
    long max = sysconf(_SC_OPEN_MAX);
    for (long fd = first; fd < (max > 0 ? max : 1024); fd++) fcntl((int)fd, F_SETFD, FD_CLOEXEC);
    return 0;
}

int csys_mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data) {
    return mount(source, target, fstype, flags, data);
}

int csys_umount(const char *target, int flags) {
    return umount2(target, flags);
}

ssize_t csys_copy_file_range(int fd_in, int fd_out, size_t len) {
    return copy_file_range(fd_in, NULL, fd_out, NULL, len, 0);
}

#ifndef FSCONFIG_SET_STRING
#define FSCONFIG_SET_STRING 1
#endif

int csys_mount_overlay(const char *target, const char *const *lowerdirs, int n_lower, const char *upperdir,
                       const char *workdir, const char *const *extra_options, int n_extra) {
    int fs = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
    if (fs < 0) return -1;
    int err = 0;
    for (int i = 0; i < n_lower && !err; i++) {
        if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "lowerdir+", lowerdirs[i], 0) != 0) err = errno;
    }
    if (!err && upperdir && syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "upperdir", upperdir, 0) != 0) err = errno;
    if (!err && workdir && syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "workdir", workdir, 0) != 0) err = errno;
    for (int i = 0; i < n_extra && !err; i++) {
        const char *opt = extra_options[i];
        const char *eq = strchr(opt, '=');
        char key[64];
        if (eq) {
            size_t len = (size_t)(eq - opt);
            if (len >= sizeof key) { err = EINVAL; break; }
            memcpy(key, opt, len);
            key[len] = 0;
            if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, key, eq + 1, 0) != 0) err = errno;
        } else if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_FLAG, opt, NULL, 0) != 0) {
            err = errno;
        }
    }
    if (!err && syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) != 0) err = errno;
    int mnt = -1;
    if (!err) {
        mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
        if (mnt < 0) err = errno;
    }
    close(fs);
    if (!err && syscall(SYS_move_mount, mnt, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) != 0) err = errno;
    if (mnt >= 0) close(mnt);
    if (err) {
        errno = err;
        return -1;
    }
    return 0;
}

int64_t csys_statfs_type(const char *path) {
    struct statfs fs;
    if (statfs(path, &fs) != 0) return -1;
    return (int64_t)fs.f_type;
}

int csys_eventfd(void) { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }
