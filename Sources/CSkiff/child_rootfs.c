// The container's filesystem, built in the child's new mount namespace.
//
// Every path inside the rootfs is resolved with openat2(RESOLVE_IN_ROOT), so a symlink in an image
// (say /proc -> /etc) can never send a mount or a mknod outside the rootfs. Mounts go onto
// /proc/self/fd/N of the resolved target, as runc and crun do.
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

static int open_in_root(int rootfd, const char *path, int flags, mode_t mode) {
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)(flags | O_CLOEXEC);
    how.mode = (flags & O_CREAT) ? mode : 0;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    while (*path == '/') path++;
    if (*path == '\0') path = ".";
    return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
}

static void fd_path(char out[32], int fd) {
    struct msg m;
    msg_init(&m);
    msg_str(&m, "/proc/self/fd/");
    msg_u64(&m, (uint64_t)fd);
    memcpy(out, m.buf, m.len + 1);
}

static void describe(struct msg *m, const char *what, const char *path) {
    msg_init(m);
    msg_str(m, what);
    msg_str(m, path);
}

/// mkdir -p of `path` (or of its parent when `parent_only`) inside the rootfs.
static void mkdir_in_root(struct child *c, int rootfd, const char *path, int parent_only) {
    char prefix[PATH_MAX];
    size_t n = strlen(path);
    if (n >= sizeof prefix) {
        struct msg m;
        describe(&m, "path too long: ", path);
        child_fail_errno(c, CSKIFF_STEP_MKDIR, ENAMETOOLONG, &m);
    }
    size_t end = n;
    if (parent_only) {
        while (end > 0 && path[end - 1] != '/') end--;
    }
    size_t i = 0;
    while (i < end) {
        while (i < end && path[i] == '/') i++;
        size_t start = i;
        while (i < end && path[i] != '/') i++;
        if (i == start) break;
        // Parent of this component, then the component itself.
        memcpy(prefix, path, start);
        prefix[start] = '\0';
        int parent = open_in_root(rootfd, prefix, O_PATH | O_DIRECTORY, 0);
        if (parent < 0) {
            struct msg m;
            describe(&m, "open ", prefix[0] ? prefix : "/");
            child_fail(c, CSKIFF_STEP_MKDIR, &m);
        }
        char comp[256];
        size_t clen = i - start;
        if (clen >= sizeof comp) clen = sizeof comp - 1;
        memcpy(comp, path + start, clen);
        comp[clen] = '\0';
        if (mkdirat(parent, comp, 0755) != 0 && errno != EEXIST) {
            int err = errno;
            close(parent);
            memcpy(prefix, path, i);
            prefix[i] = '\0';
            struct msg m;
            describe(&m, "mkdir ", prefix);
            child_fail_errno(c, CSKIFF_STEP_MKDIR, err, &m);
        }
        close(parent);
    }
}

/// Open the parent directory of `path` inside the rootfs and point `base` at the last component.
static int open_parent_in_root(struct child *c, int rootfd, const char *path, const char **base, int step) {
    const char *slash = strrchr(path, '/');
    *base = slash ? slash + 1 : path;
    char parent[PATH_MAX];
    size_t len = slash ? (size_t)(slash - path) : 0;
    if (len >= sizeof parent) len = sizeof parent - 1;
    memcpy(parent, path, len);
    parent[len] = '\0';
    int fd = open_in_root(rootfd, parent, O_PATH | O_DIRECTORY, 0);
    if (fd < 0) {
        struct msg m;
        describe(&m, "open parent of ", path);
        child_fail(c, step, &m);
    }
    return fd;
}

static void make_target(struct child *c, int rootfd, const struct cskiff_mount *mt) {
    if (mt->target_kind == CSKIFF_TARGET_DIR) {
        mkdir_in_root(c, rootfd, mt->target, 0);
    } else if (mt->target_kind == CSKIFF_TARGET_FILE) {
        int fd = open_in_root(rootfd, mt->target, O_PATH, 0);
        if (fd >= 0) {
            close(fd);
            return;
        }
        mkdir_in_root(c, rootfd, mt->target, 1);
        const char *base;
        int parent = open_parent_in_root(c, rootfd, mt->target, &base, CSKIFF_STEP_MOUNT);
        fd = openat(parent, base, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
        int err = errno;
        close(parent);
        if (fd < 0 && err != EEXIST) {
            struct msg m;
            describe(&m, "create mount target ", mt->target);
            child_fail_errno(c, CSKIFF_STEP_MOUNT, err, &m);
        }
        if (fd >= 0) close(fd);
    }
}

/// Resolve `path` in the rootfs and mount onto it. Returns after the mount, or fails the child.
static void mount_in_root(struct child *c, int rootfd, const char *source, const char *path, const char *fstype,
                          unsigned long flags, const char *data, int step) {
    struct msg m;
    msg_init(&m);
    msg_str(&m, "mount ");
    msg_str(&m, source ? source : "none");
    msg_str(&m, " on ");
    msg_str(&m, path);
    if (fstype) {
        msg_str(&m, " type ");
        msg_str(&m, fstype);
    }
    msg_str(&m, " flags ");
    msg_hex(&m, flags);
    if (data && *data) {
        msg_str(&m, " (");
        msg_str(&m, data);
        msg_str(&m, ")");
    }
    child_event(c, step, &m);
    int fd = open_in_root(rootfd, path, O_PATH, 0);
    if (fd < 0) child_fail(c, step, &m);
    char proc[32];
    fd_path(proc, fd);
    int rc = mount(source, proc, fstype, flags, data);
    int err = errno;
    close(fd);
    if (rc != 0) child_fail_errno(c, step, err, &m);
}

/// rro, rnosuid and the like: mount_setattr(AT_RECURSIVE) on the mount at `path` and every mount below it.
static void set_recursive_attrs(struct child *c, int rootfd, const struct cskiff_mount *mt) {
    struct msg m;
    msg_init(&m);
    msg_str(&m, "set recursive mount attributes on ");
    msg_str(&m, mt->target);
    msg_str(&m, " set ");
    msg_hex(&m, mt->rec_attr_set);
    msg_str(&m, " clear ");
    msg_hex(&m, mt->rec_attr_clr);
    child_event(c, CSKIFF_STEP_MOUNT, &m);
    int fd = open_in_root(rootfd, mt->target, O_PATH, 0);
    if (fd < 0) child_fail(c, CSKIFF_STEP_MOUNT, &m);
    struct mount_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.attr_set = mt->rec_attr_set;
    attr.attr_clr = mt->rec_attr_clr;
    int rc = (int)syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr);
    int err = errno;
    close(fd);
    if (rc != 0) child_fail_errno(c, CSKIFF_STEP_MOUNT, err, &m);
}

static void do_mounts(struct child *c, int rootfd) {
    const struct cskiff_spawn *s = c->spec;
    for (int i = 0; i < s->n_mounts; i++) {
        const struct cskiff_mount *mt = &s->mounts[i];
        make_target(c, rootfd, mt);
        mount_in_root(c, rootfd, mt->source, mt->target, mt->fstype, mt->flags, mt->data, CSKIFF_STEP_MOUNT);
        // Flags such as ro or nosuid on a bind mount take effect only with a second, remounting call,
        // which must name the new mount: resolve the target again.
        if (mt->bind_remount)
            mount_in_root(c, rootfd, NULL, mt->target, NULL, MS_BIND | MS_REMOUNT | mt->bind_remount, NULL,
                          CSKIFF_STEP_MOUNT);
        if (mt->propagation)
            mount_in_root(c, rootfd, NULL, mt->target, NULL, mt->propagation, NULL, CSKIFF_STEP_MOUNT);
        if (mt->rec_attr_set || mt->rec_attr_clr) set_recursive_attrs(c, rootfd, mt);
    }
}

/// Mounts asked read-only that the runtime itself still writes into (a tmpfs /dev gets pts, mqueue, the
/// device nodes): mounted rw, and made read-only here, once everything is in place (as runc does).
static void remount_readonly_last(struct child *c) {
    const struct cskiff_spawn *s = c->spec;
    for (int i = 0; i < s->n_mounts; i++) {
        const struct cskiff_mount *mt = &s->mounts[i];
        if (!mt->readonly_last) continue;
        struct msg m;
        describe(&m, "remount read-only ", mt->target);
        child_event(c, CSKIFF_STEP_MOUNT, &m);
        unsigned long keep = mt->flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME |
                                          MS_STRICTATIME | MS_SYNCHRONOUS | MS_DIRSYNC);
        if (mount(NULL, mt->target, NULL, MS_REMOUNT | MS_RDONLY | keep, NULL) != 0)
            child_fail(c, CSKIFF_STEP_MOUNT, &m);
    }
}

static void do_devices(struct child *c, int rootfd) {
    const struct cskiff_spawn *s = c->spec;
    for (int i = 0; i < s->n_devices; i++) {
        const struct cskiff_device *d = &s->devices[i];
        struct msg m;
        describe(&m, "mknod ", d->path);
        child_event(c, CSKIFF_STEP_MKNOD, &m);
        mkdir_in_root(c, rootfd, d->path, 1);
        const char *base;
        int parent = open_parent_in_root(c, rootfd, d->path, &base, CSKIFF_STEP_MKNOD);
        if (d->bind_from_host) {
            int fd = openat(parent, base, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
            int err = errno;
            close(parent);
            if (fd < 0 && err != EEXIST) child_fail_errno(c, CSKIFF_STEP_MKNOD, err, &m);
            if (fd >= 0) close(fd);
            mount_in_root(c, rootfd, d->path, d->path, NULL, MS_BIND, NULL, CSKIFF_STEP_MKNOD);
            continue;
        }
        unlinkat(parent, base, 0);
        if (mknodat(parent, base, d->mode, makedev(d->major, d->minor)) != 0) {
            int err = errno;
            close(parent);
            child_fail_errno(c, CSKIFF_STEP_MKNOD, err, &m);
        }
        // mknod honours the umask; set the mode the spec asked for.
        if (fchmodat(parent, base, d->mode & 07777, 0) != 0 ||
            fchownat(parent, base, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) != 0) {
            int err = errno;
            close(parent);
            child_fail_errno(c, CSKIFF_STEP_MKNOD, err, &m);
        }
        close(parent);
    }
}

static void do_symlinks(struct child *c, int rootfd) {
    const struct cskiff_spawn *s = c->spec;
    for (int i = 0; i < s->n_symlinks; i++) {
        const struct cskiff_symlink *l = &s->symlinks[i];
        struct msg m;
        msg_init(&m);
        msg_str(&m, "symlink ");
        msg_str(&m, l->linkpath);
        msg_str(&m, " -> ");
        msg_str(&m, l->target);
        child_event(c, CSKIFF_STEP_SYMLINK, &m);
        const char *base;
        int parent = open_parent_in_root(c, rootfd, l->linkpath, &base, CSKIFF_STEP_SYMLINK);
        int rc = symlinkat(l->target, parent, base);
        int err = errno;
        close(parent);
        if (rc != 0 && err != EEXIST) child_fail_errno(c, CSKIFF_STEP_SYMLINK, err, &m);
    }
}

/// The flags a remount must keep: in a user namespace, nosuid/nodev/noexec set by the owner are
/// locked and a remount that drops them is refused.
static unsigned long locked_flags(const char *path) {
    struct statvfs sv;
    unsigned long flags = 0;
    if (statvfs(path, &sv) != 0) return 0;
    if (sv.f_flag & ST_NOSUID) flags |= MS_NOSUID;
    if (sv.f_flag & ST_NODEV) flags |= MS_NODEV;
    if (sv.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
    if (sv.f_flag & ST_RELATIME) flags |= MS_RELATIME;
    if (sv.f_flag & ST_NOATIME) flags |= MS_NOATIME;
    return flags;
}

/// --no-pivot: the host's proc and sysfs mounts outside the rootfs are detached (made slaves first, so
/// the detach does not reach the host), as runc's msMoveRoot does; one that cannot be detached is covered.
static void detach_host_pseudo_filesystems(struct child *c) {
    const struct cskiff_spawn *s = c->spec;
    for (int i = 0; i < s->n_no_pivot_detach; i++) {
        const char *p = s->no_pivot_detach[i];
        struct msg m;
        describe(&m, "detach host mount ", p);
        child_event(c, CSKIFF_STEP_CHROOT, &m);
        if (mount(NULL, p, NULL, MS_SLAVE | MS_REC, NULL) != 0) {
            if (errno == ENOENT || errno == EINVAL) continue; // went with an earlier detach
            child_fail(c, CSKIFF_STEP_CHROOT, &m);
        }
        if (umount2(p, MNT_DETACH) == 0) continue;
        if (errno != EINVAL && errno != EPERM) child_fail(c, CSKIFF_STEP_CHROOT, &m);
        if (mount("tmpfs", p, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
            child_fail(c, CSKIFF_STEP_CHROOT, &m);
    }
}

static void enter_root(struct child *c, int rootfd) {
    const struct cskiff_spawn *s = c->spec;
    struct msg m;
    describe(&m, s->use_chroot || s->host_mount_namespace ? "chroot " : "pivot_root ", s->rootfs);
    if (fchdir(rootfd) != 0) child_fail(c, CSKIFF_STEP_PIVOT_ROOT, &m);
    if (s->host_mount_namespace) {
        child_event(c, CSKIFF_STEP_CHROOT, &m);
        if (chroot(".") != 0) child_fail(c, CSKIFF_STEP_CHROOT, &m);
    } else if (s->use_chroot) {
        detach_host_pseudo_filesystems(c);
        if (fchdir(rootfd) != 0) child_fail(c, CSKIFF_STEP_CHROOT, &m);
        child_event(c, CSKIFF_STEP_CHROOT, &m);
        // The rootfs mount moved over "/", then chroot into it: nothing of the old root stays reachable
        // by path, and pivot_root's conditions (no ramfs root) are not needed.
        if (mount(".", "/", NULL, MS_MOVE, NULL) != 0) child_fail(c, CSKIFF_STEP_CHROOT, &m);
        if (chroot(".") != 0) child_fail(c, CSKIFF_STEP_CHROOT, &m);
    } else {
        // pivot_root(".", ".") stacks the old root on top of the new one; detaching "." then drops it,
        // with no directory needed for the old root inside the image.
        child_event(c, CSKIFF_STEP_PIVOT_ROOT, &m);
        if (syscall(SYS_pivot_root, ".", ".") != 0) child_fail(c, CSKIFF_STEP_PIVOT_ROOT, &m);
        // With a shared propagation the old root may still have peers on the host: make it a slave so
        // that detaching it unmounts nothing there.
        if ((s->rootfs_propagation & MS_SHARED) && mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) != 0)
            child_fail(c, CSKIFF_STEP_PIVOT_ROOT, &m);
        if (umount2(".", MNT_DETACH) != 0) child_fail(c, CSKIFF_STEP_PIVOT_ROOT, &m);
    }
    if (chdir("/") != 0) child_fail(c, CSKIFF_STEP_PIVOT_ROOT, &m);
}

/// What a node is, for a message about a /dev/null that is not the null device.
static const char *node_kind(mode_t mode) {
    switch (mode & S_IFMT) {
    case S_IFREG: return "a regular file";
    case S_IFDIR: return "a directory";
    case S_IFLNK: return "a symbolic link";
    case S_IFIFO: return "a FIFO";
    case S_IFSOCK: return "a socket";
    case S_IFBLK: return "a block device";
    default: return "a character device";
    }
}

/// The container's /dev/null, opened once to mask files with. The image, a racing process (one sharing
/// the rootfs or /dev) or a linux.devices entry can make /dev/null a symlink or another node, and binding
/// it by path would then cover a masked file with whatever it points to (CVE-2025-31133). So no symlink
/// is followed anywhere on the path, and the node must be the null device (c 1:3); the mount is made from
/// this fd, so what was checked is what is bound.
static int open_dev_null(struct child *c, const char *masking) {
    struct msg m;
    msg_init(&m);
    msg_str(&m, "mask ");
    msg_str(&m, masking);
    msg_str(&m, ": open /dev/null (no symlinks allowed on the path)");
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC;
    how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    int fd = (int)syscall(SYS_openat2, AT_FDCWD, "/dev/null", &how, sizeof how);
    if (fd < 0) child_fail(c, CSKIFF_STEP_MASK_PATH, &m);
    struct stat st;
    if (fstat(fd, &st) != 0) child_fail(c, CSKIFF_STEP_MASK_PATH, &m);
    if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 1 || minor(st.st_rdev) != 3) {
        msg_init(&m);
        msg_str(&m, "mask ");
        msg_str(&m, masking);
        msg_str(&m, ": refusing to bind /dev/null, which is ");
        msg_str(&m, node_kind(st.st_mode));
        if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
            msg_str(&m, " ");
            msg_u64(&m, major(st.st_rdev));
            msg_str(&m, ":");
            msg_u64(&m, minor(st.st_rdev));
        }
        msg_str(&m, ", not the null device (c 1:3)");
        child_fail_errno(c, CSKIFF_STEP_MASK_PATH, ENODEV, &m);
    }
    return fd;
}

/// Bind the checked /dev/null fd onto `path`: a detached clone of that very node (open_tree) moved onto
/// the target. (openat2 above already needs Linux 5.6, so open_tree, 5.2, is there.)
static int bind_fd(int fd, const char *path) {
    int tree = (int)syscall(SYS_open_tree, fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
    if (tree < 0) return -1;
    int rc = (int)syscall(SYS_move_mount, tree, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_SYMLINKS);
    int err = errno;
    close(tree);
    errno = err;
    return rc;
}

// After pivot_root a symlink in the container can only point inside it, so plain paths are safe here.
void child_protect_paths(struct child *c) {
    const struct cskiff_spawn *s = c->spec;
    remount_readonly_last(c);
    // The read-only paths first, then the masks, as runc does (the container's mountinfo lists them so).
    for (int i = 0; i < s->n_readonly_paths; i++) {
        const char *p = s->readonly_paths[i];
        if (access(p, F_OK) != 0) continue;
        struct msg m;
        describe(&m, "read-only ", p);
        child_event(c, CSKIFF_STEP_READONLY_PATH, &m);
        if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) != 0 ||
            mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags(p), NULL) != 0)
            child_fail(c, CSKIFF_STEP_READONLY_PATH, &m);
    }
    int null_fd = -1;
    for (int i = 0; i < s->n_masked_paths; i++) {
        const char *p = s->masked_paths[i];
        struct stat st;
        if (stat(p, &st) != 0) continue; // nothing to hide
        struct msg m;
        describe(&m, "mask ", p);
        child_event(c, CSKIFF_STEP_MASK_PATH, &m);
        int rc;
        if (S_ISDIR(st.st_mode)) {
            rc = mount("tmpfs", p, "tmpfs", MS_RDONLY, NULL);
        } else {
            if (null_fd < 0) null_fd = open_dev_null(c, p);
            rc = bind_fd(null_fd, p);
        }
        if (rc != 0) child_fail(c, CSKIFF_STEP_MASK_PATH, &m);
    }
    if (null_fd >= 0) close(null_fd);
    if (s->root_readonly) {
        struct msg m;
        describe(&m, "remount read-only ", "/");
        child_event(c, CSKIFF_STEP_ROOT_READONLY, &m);
        if (mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags("/"), NULL) != 0)
            child_fail(c, CSKIFF_STEP_ROOT_READONLY, &m);
    }    // linux.rootfsPropagation on the container's own root, last: the masks and read-only paths above are
    // binds, which an unbindable tree would refuse.
    if (s->rootfs_propagation_after && !s->host_mount_namespace) {
        struct msg m;
        describe(&m, "set propagation of the container's ", "/");
        child_event(c, CSKIFF_STEP_PROPAGATION, &m);
        if (mount(NULL, "/", NULL, s->rootfs_propagation_after, NULL) != 0) child_fail(c, CSKIFF_STEP_PROPAGATION, &m);
    }
}

/// pivot_root refuses a shared parent of the new root and a shared current root, and a bind of the rootfs
/// under a shared parent would propagate to the host: with a shared propagation, make the mount holding
/// the rootfs (the nearest mount point at or above it) and "/" private, as runc and crun do.
static void make_rootfs_parent_private(struct child *c, const char *rootfs) {
    char path[PATH_MAX];
    struct msg m;
    size_t n = strlen(rootfs);
    describe(&m, "make the parent mount private of ", rootfs);
    child_event(c, CSKIFF_STEP_PROPAGATION, &m);
    if (n >= sizeof path) child_fail_errno(c, CSKIFF_STEP_PROPAGATION, ENAMETOOLONG, &m);
    memcpy(path, rootfs, n + 1);
    for (;;) {
        if (mount(NULL, path, NULL, MS_PRIVATE, NULL) == 0) break;
        if (errno != EINVAL) child_fail(c, CSKIFF_STEP_PROPAGATION, &m); // EINVAL: not a mount point
        char *slash = strrchr(path, '/');
        if (slash == NULL || slash == path) break;
        *slash = '\0';
    }
    if (mount(NULL, "/", NULL, MS_PRIVATE, NULL) != 0) child_fail(c, CSKIFF_STEP_PROPAGATION, &m);
}

void child_setup_rootfs(struct child *c) {
    const struct cskiff_spawn *s = c->spec;
    struct msg m;

    if (!s->host_mount_namespace) {
        // Keep our mounts from propagating back to the host (slave unless the spec asks otherwise).
        describe(&m, "set propagation of ", "/");
        child_event(c, CSKIFF_STEP_PROPAGATION, &m);
        if (mount(NULL, "/", NULL, s->rootfs_propagation, NULL) != 0) child_fail(c, CSKIFF_STEP_PROPAGATION, &m);
        if (s->rootfs_propagation & MS_SHARED) make_rootfs_parent_private(c, s->rootfs);
    }

    if (s->rootfs_overlay_options) {
        describe(&m, "mount overlay on ", s->rootfs);
        child_event(c, CSKIFF_STEP_ROOTFS_OVERLAY, &m);
        if (s->rootfs_overlay_dir && chdir(s->rootfs_overlay_dir) != 0) child_fail(c, CSKIFF_STEP_ROOTFS_OVERLAY, &m);
        if (mount("overlay", s->rootfs, "overlay", 0, s->rootfs_overlay_options) != 0)
            child_fail(c, CSKIFF_STEP_ROOTFS_OVERLAY, &m);
    }

    // pivot_root needs the new root to be a mount point (in the host's mount namespace nothing is pivoted).
    describe(&m, "bind rootfs ", s->rootfs);
    if (!s->host_mount_namespace) {
        child_event(c, CSKIFF_STEP_ROOTFS_BIND, &m);
        if (mount(s->rootfs, s->rootfs, NULL, MS_BIND | MS_REC, NULL) != 0) child_fail(c, CSKIFF_STEP_ROOTFS_BIND, &m);
    }
    int rootfd = open(s->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0) child_fail(c, CSKIFF_STEP_ROOTFS_BIND, &m);

    do_mounts(c, rootfd);
    do_devices(c, rootfd);
    do_symlinks(c, rootfd);
    if (s->pause_for_hooks || s->n_create_container_hooks > 0) {
        // createContainer hooks run from the rootfs, as runc runs them: paths relative to it work.
        describe(&m, "chdir ", s->rootfs);
        if (fchdir(rootfd) != 0) child_fail(c, CSKIFF_STEP_HOOK, &m);
        child_create_hooks(c);
    }
    enter_root(c, rootfd);
    close(rootfd);
}
