// Running from a sealed copy of our own binary (the CVE-2019-5736 class).
//
// A process cloned into a container keeps the parent's executable as its /proc/PID/exe until its
// execve(). A process in the container that opens that link (or a container whose entry point is
// /proc/self/exe) holds the host's skiff binary, and once no host process is running it any more it
// can open it for writing and replace it: the next `skiff` on the host runs the attacker's code as
// root. So before anything else, skiff re-executes itself from a copy that cannot be written:
//
//   1. an overlayfs with two lower layers and no upper layer (the binary's own directory on top of an
//      empty one), mounted detached with fsmount() and never attached anywhere. A file in a lower-only
//      overlay can never be opened for writing (EROFS), and, unlike a read-only bind mount, no remount
//      can make it writable. Costs a mount and one execve, no copy (runc 1.2 does the same);
//   2. where overlayfs or the new mount API is missing: a memfd holding a copy of the binary, sealed
//      against writes, growing and shrinking.
//
// Tearing the detached mount down costs an RCU grace period, paid by whoever drops the last
// reference to it: closing the fsmount() fd dissolves it, and the exit of the sealed process, whose
// exe file holds it, frees it. That is 2 to 10 ms (more on a loaded machine) that every sealed start
// would wait for, so a small process of its own (the "seal keeper", see keep_mount_until_exit) holds
// the last references and drops them once the sealed process is gone.
//
// The original path goes to the new image in SKIFF_SEALED_FROM, since its /proc/self/exe no longer
// names a path on the host (the tools beside the binary are found from it).
//
// The launchers `skiff` and `skiff-oci` (launch.c) seal the program they run (cskiff_seal_exec) before
// it is ever loaded; the programs' own load-time seal (cskiff_seal_at_load) then finds them sealed,
// and still seals them when they are run directly.
#include "cskiff_seal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <limits.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

#define SEALED_ENV "SKIFF_SEALED_FROM"
#define MEMFD_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

static void set_error(char *err, size_t len, const char *what, int e) {
    if (err && len) snprintf(err, len, "%s: %s", what, strerror(e));
}

/// The running image is one of ours: a lower-only (read-only) overlay or a fully sealed memfd.
static int running_sealed(void) {
    if (!getenv(SEALED_ENV)) return 0;
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    int sealed = 0;
    int seals = fcntl(fd, F_GET_SEALS);
    if (seals >= 0) {
        sealed = (seals & MEMFD_SEALS) == MEMFD_SEALS;
    } else {
        struct statfs fs;
        sealed = fstatfs(fd, &fs) == 0 && fs.f_type == OVERLAYFS_SUPER_MAGIC && (fs.f_flags & ST_RDONLY);
    }
    close(fd);
    return sealed;
}

/// Escape a path for overlayfs' lowerdir list (':' separates layers, '\' escapes).
static int escape_lower(const char *in, char *out, size_t len) {
    size_t o = 0;
    for (const char *p = in; *p; p++) {
        if (*p == ':' || *p == '\\' || *p == ',') {
            if (o + 1 >= len) return -1;
            out[o++] = '\\';
        }
        if (o + 1 >= len) return -1;
        out[o++] = *p;
    }
    out[o] = 0;
    return 0;
}

/// An O_PATH fd of `dir/name` seen through a detached lower-only overlay, or -1 with errno. The
/// mount's own fd goes to *mount_fd.
static int open_through_overlay(const char *dir, const char *name, int *mount_fd) {
    // overlayfs needs two lower layers to run without an upper one; the second stays empty.
    const char *empty = "/run/skiff/exe-seal";
    if (mkdir("/run/skiff", 0700) != 0 && errno != EEXIST) return -1;
    if (mkdir(empty, 0500) != 0 && errno != EEXIST) return -1;

    char a[PATH_MAX], b[64], lower[2 * PATH_MAX + 2];
    if (escape_lower(dir, a, sizeof a) != 0 || escape_lower(empty, b, sizeof b) != 0) {
        errno = ENAMETOOLONG;
        return -1;
    }
    snprintf(lower, sizeof lower, "%s:%s", a, b);

    int ctx = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
    if (ctx < 0) return -1;
    int fd = -1, mnt = -1;
    if (syscall(SYS_fsconfig, ctx, FSCONFIG_SET_STRING, "lowerdir", lower, 0) != 0) goto out;
    // Only to keep overlayfs quiet in dmesg where the two layers are on different filesystems.
    (void)syscall(SYS_fsconfig, ctx, FSCONFIG_SET_STRING, "xino", "off", 0);
    if (syscall(SYS_fsconfig, ctx, FSCONFIG_CMD_CREATE, NULL, NULL, 0) != 0) goto out;
    mnt = (int)syscall(SYS_fsmount, ctx, FSMOUNT_CLOEXEC,
                       MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID);
    if (mnt < 0) goto out;
    fd = openat(mnt, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
out:;
    int e = errno;
    if (fd >= 0) *mount_fd = mnt;
    else if (mnt >= 0) close(mnt);
    close(ctx);
    errno = e;
    return fd;
}

/// Close the fds from `from` to `to` (close_range, or one by one before Linux 5.9).
static void close_fds(unsigned int from, unsigned int to) {
    if (syscall(SYS_close_range, from, to, 0) == 0) return;
    long max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > 65536) max = 65536;
    for (unsigned int fd = from; fd <= to && fd < (unsigned int)max; fd++) close((int)fd);
}

/// Close every fd but the `n` in `keep` (ascending).
static void close_all_but(const int *keep, int n) {
    unsigned int from = 0;
    for (int i = 0; i < n; i++) {
        if ((unsigned int)keep[i] > from) close_fds(from, (unsigned int)keep[i] - 1);
        from = (unsigned int)keep[i] + 1;
    }
    close_fds(from, ~0U);
}

/// Hand the last references to the detached mount (its fd `mnt`, and `exe`, the sealed binary opened
/// in it) to the seal keeper: a child that holds nothing else (no stdio, no working directory, its own
/// session so ^C is not for it, "skiff-seal" in ps and in its command line) and drops them once this
/// process has exited; it is then reparented and reaped like any orphan, so skiff never has a
/// finished child it did not make. When no keeper can be made, the mount fd is closed here (the
/// synchronous cost).
static void keep_mount_until_exit(int mnt, int exe, char *const argv[]) {
    int self = (int)syscall(SYS_pidfd_open, getpid(), 0);
    if (self < 0) {
        close(mnt);
        return;
    }
    pid_t keeper = fork();
    if (keeper == 0) {
        int keep[3] = {mnt, exe, self};
        for (int i = 0; i < 3; i++)
            for (int j = i + 1; j < 3; j++)
                if (keep[j] < keep[i]) { int t = keep[i]; keep[i] = keep[j]; keep[j] = t; }
        close_all_but(keep, 3);
        if (chdir("/") != 0) {}
        setsid();
        prctl(PR_SET_NAME, "skiff-seal");
        // Its command line was the caller's (state roots and container names that scripts look for).
        size_t room = argv[0] ? strlen(argv[0]) : 0;
        for (int i = 0; argv[i]; i++) memset(argv[i], 0, strlen(argv[i]));
        if (room >= sizeof "skiff-seal" - 1) memcpy(argv[0], "skiff-seal", sizeof "skiff-seal" - 1);
        struct pollfd p = {.fd = self, .events = POLLIN};
        while (poll(&p, 1, -1) < 0 && errno == EINTR) {}
        _exit(0);  // the exit drops the references (and pays for the teardown)
    }
    close(self);
    close(mnt);  // with a keeper holding its own reference, this is cheap
}

/// A memfd holding a sealed copy of the binary at `path`, or -1 with errno.
static int sealed_memfd_copy(const char *path) {
    int src = open(path, O_RDONLY | O_CLOEXEC);
    if (src < 0) return -1;
    int fd = memfd_create("skiff", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (fd < 0 && errno == EINVAL) fd = memfd_create("skiff", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    int e = errno;
    if (fd >= 0) {
        struct stat st;
        off_t off = 0;
        e = 0;
        if (fstat(src, &st) != 0) e = errno;
        while (!e && off < st.st_size) {
            ssize_t n = sendfile(fd, src, &off, (size_t)(st.st_size - off));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) e = n < 0 ? errno : EIO;
        }
        if (!e && fcntl(fd, F_ADD_SEALS, MEMFD_SEALS) != 0) e = errno;
        if (e) {
            close(fd);
            fd = -1;
        }
    }
    close(src);
    errno = e;
    return fd;
}

int cskiff_seal_exec(const char *path, char *const argv[], char *err, size_t err_len) {
    char self[PATH_MAX];
    if (!path || path[0] != '/' || strlen(path) >= sizeof self) {
        set_error(err, err_len, "the binary to seal has no absolute path", EINVAL);
        return -1;
    }
    strcpy(self, path);
    if (setenv(SEALED_ENV, self, 1) != 0) {
        set_error(err, err_len, "setenv " SEALED_ENV, errno);
        return -1;
    }

    char *slash = strrchr(self, '/');
    int fd = -1, mnt = -1;
    if (slash[1]) {
        *slash = 0;
        fd = open_through_overlay(slash == self ? "/" : self, slash + 1, &mnt);
        *slash = '/';
    }
    if (mnt >= 0) keep_mount_until_exit(mnt, fd, argv);
    if (fd < 0) fd = sealed_memfd_copy(self);
    if (fd < 0) {
        int e = errno;
        char what[PATH_MAX + 80];
        snprintf(what, sizeof what, "a sealed copy of %s (overlayfs and memfd both failed)", self);
        set_error(err, err_len, what, e);
        return -1;
    }
    extern char **environ;
    syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
    int e = errno;
    close(fd);
    char what[PATH_MAX + 40];
    snprintf(what, sizeof what, "execveat of the sealed %s", self);
    set_error(err, err_len, what, e);
    return -1;
}

int cskiff_seal_exe(char *const argv[], char *err, size_t err_len) {
    if (geteuid() != 0) return 0; // only root can put a process in a container
    if (running_sealed()) return 0;

    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        set_error(err, err_len, "readlink /proc/self/exe", n < 0 ? errno : ENOENT);
        return -1;
    }
    self[n] = 0;
    return cskiff_seal_exec(self, argv, err, err_len);
}

const char *const cskiff_oci_unsealed_commands[] = {
    "state", "kill", "delete", "list", "ps", "spec", "start", "version", "--version", "-v", "--help", "-h",
    "help", "pause", "resume", "update", "events", "features", NULL,
};

const char *cskiff_oci_unsealed_commands_at(int i) {
    int n = 0;
    while (cskiff_oci_unsealed_commands[n]) n++;
    return i >= 0 && i < n ? cskiff_oci_unsealed_commands[i] : NULL;
}

const char *cskiff_oci_command_word(int argc, char *const argv[]) {
    for (int i = 1; i < argc && argv[i]; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--root") || !strcmp(a, "--log") || !strcmp(a, "--log-format")) {
            i++;
            continue;
        }
        if (!strncmp(a, "--root=", 7) || !strncmp(a, "--log=", 6) || !strncmp(a, "--log-format=", 13) ||
            !strcmp(a, "--debug"))
            continue;
        return a;
    }
    return NULL;
}

int cskiff_word_in(const char *word, const char *const list[]) {
    if (!word) return 1;  // no command: help
    for (int i = 0; list[i]; i++)
        if (!strcmp(word, list[i])) return 1;
    return 0;
}

int cskiff_oci_word_runs_unsealed(const char *word) { return cskiff_word_in(word, cskiff_oci_unsealed_commands); }

int cskiff_oci_runs_unsealed(int argc, char *const argv[]) {
    return cskiff_oci_word_runs_unsealed(cskiff_oci_command_word(argc, argv));
}

const char *const cskiff_cli_unsealed_commands[] = {
    // never clone a process into a container: they read, signal, copy bytes or talk to registries
    "ps", "images", "inspect", "history", "pull", "push", "login", "logout", "save", "load", "tag", "rmi",
    "stop", "kill", "wait", "logs", "attach", "top", "stats", "port", "rename", "rm", "pause", "unpause",
    "version", "--version", "-v", "--help", "-h", "help",
    // seals itself once its flags are parsed: attached, it clones the container in this process;
    // detached, the monitor's `container-internal start` does, sealed
    "run", NULL,
};

const char *cskiff_cli_unsealed_commands_at(int i) {
    int n = 0;
    while (cskiff_cli_unsealed_commands[n]) n++;
    return i >= 0 && i < n ? cskiff_cli_unsealed_commands[i] : NULL;
}

int cskiff_cli_word_runs_unsealed(const char *word) { return cskiff_word_in(word, cskiff_cli_unsealed_commands); }

int cskiff_cli_runs_unsealed(int argc, char *const argv[]) {
    return cskiff_cli_word_runs_unsealed(cskiff_oci_command_word(argc, argv));
}

void cskiff_seal_at_load(int argc, char **argv, const char *const unsealed[]) {
    if (argc < 1 || !argv || cskiff_word_in(cskiff_oci_command_word(argc, argv), unsealed)) return;
    char message[512] = {0};
    if (cskiff_seal_exe(argv, message, sizeof message) == 0) return;  // already sealed, or not root
    char line[600];
    int n = snprintf(line, sizeof line, "skiff: refusing to run from a writable binary: %s\n", message);
    if (n > 0) (void)!write(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
    _exit(125);
}
