// Reports from the child to the parent: fixed-size records built without malloc or stdio.
#include "report.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

static const char *const step_names[CSKIFF_STEP_COUNT] = {
    [CSKIFF_STEP_NONE] = "none",
    [CSKIFF_STEP_CLONE] = "clone",
    [CSKIFF_STEP_SETNS] = "setns",
    [CSKIFF_STEP_WAIT_PARENT] = "wait for parent",
    [CSKIFF_STEP_UNSHARE_CGROUP] = "unshare cgroup namespace",
    [CSKIFF_STEP_OOM_SCORE] = "set oom_score_adj",
    [CSKIFF_STEP_PROPAGATION] = "set rootfs propagation",
    [CSKIFF_STEP_ROOTFS_OVERLAY] = "mount overlay rootfs",
    [CSKIFF_STEP_ROOTFS_BIND] = "bind rootfs",
    [CSKIFF_STEP_MKDIR] = "mkdir",
    [CSKIFF_STEP_MOUNT] = "mount",
    [CSKIFF_STEP_MKNOD] = "mknod",
    [CSKIFF_STEP_SYMLINK] = "symlink",
    [CSKIFF_STEP_PIVOT_ROOT] = "pivot_root",
    [CSKIFF_STEP_CHROOT] = "chroot",
    [CSKIFF_STEP_MASK_PATH] = "mask path",
    [CSKIFF_STEP_READONLY_PATH] = "make path read-only",
    [CSKIFF_STEP_ROOT_READONLY] = "make rootfs read-only",
    [CSKIFF_STEP_LOOPBACK] = "loopback up",
    [CSKIFF_STEP_SETHOSTNAME] = "sethostname",
    [CSKIFF_STEP_SETDOMAINNAME] = "setdomainname",
    [CSKIFF_STEP_SYSCTL] = "sysctl",
    [CSKIFF_STEP_RLIMIT] = "setrlimit",
    [CSKIFF_STEP_SETSID] = "setsid",
    [CSKIFF_STEP_OPEN_TERMINAL] = "open terminal",
    [CSKIFF_STEP_CONSOLE] = "set controlling terminal",
    [CSKIFF_STEP_STDIO] = "set up stdio",
    [CSKIFF_STEP_NO_NEW_PRIVS] = "set no_new_privs",
    [CSKIFF_STEP_CAP_BOUNDING] = "drop bounding capabilities",
    [CSKIFF_STEP_SETGROUPS] = "setgroups",
    [CSKIFF_STEP_SETGID] = "setgid",
    [CSKIFF_STEP_SETUID] = "setuid",
    [CSKIFF_STEP_CAPSET] = "capset",
    [CSKIFF_STEP_CAP_AMBIENT] = "raise ambient capabilities",
    [CSKIFF_STEP_SECCOMP] = "load seccomp filter",
    [CSKIFF_STEP_CHDIR] = "chdir",
    [CSKIFF_STEP_WAIT_START] = "wait for start",
    [CSKIFF_STEP_EXEC] = "exec",
    [CSKIFF_STEP_HOOK] = "run hook",
    [CSKIFF_STEP_JOIN_CGROUP] = "join cgroup",
};

const char *cskiff_step_name(int step) {
    if (step < 0 || step >= CSKIFF_STEP_COUNT || step_names[step] == NULL) return "unknown step";
    return step_names[step];
}

void msg_init(struct msg *m) {
    m->len = 0;
    m->buf[0] = '\0';
}

void msg_str(struct msg *m, const char *s) {
    if (s == NULL) s = "(null)";
    while (*s && m->len + 1 < sizeof m->buf) m->buf[m->len++] = *s++;
    m->buf[m->len] = '\0';
}

void msg_u64(struct msg *m, uint64_t v) {
    char digits[24];
    int n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v && n < (int)sizeof digits);
    while (n > 0 && m->len + 1 < sizeof m->buf) m->buf[m->len++] = digits[--n];
    m->buf[m->len] = '\0';
}

void msg_hex(struct msg *m, uint64_t v) {
    static const char hex[] = "0123456789abcdef";
    char digits[20];
    int n = 0;
    do {
        digits[n++] = hex[v & 0xf];
        v >>= 4;
    } while (v && n < (int)sizeof digits);
    msg_str(m, "0x");
    while (n > 0 && m->len + 1 < sizeof m->buf) m->buf[m->len++] = digits[--n];
    m->buf[m->len] = '\0';
}

void report_send(int fd, int kind, int step, int err, const char *detail) {
    struct cskiff_report r;
    memset(&r, 0, sizeof r);
    r.kind = kind;
    r.step = step;
    r.err = err;
    if (detail) {
        size_t n = strlen(detail);
        if (n >= sizeof r.detail) n = sizeof r.detail - 1;
        memcpy(r.detail, detail, n);
    }
    ssize_t w;
    do {
        w = write(fd, &r, sizeof r);
    } while (w < 0 && errno == EINTR);
}

int cskiff_read_report(int fd, struct cskiff_report *out) {
    size_t got = 0;
    while (got < sizeof *out) {
        ssize_t n = read(fd, (char *)out + got, sizeof *out - got);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (n == 0) return got == 0 ? 0 : (errno = EPROTO, -1);
        got += (size_t)n;
    }
    out->detail[sizeof out->detail - 1] = '\0';
    return 1;
}
