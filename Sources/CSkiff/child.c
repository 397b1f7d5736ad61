// The child, from clone() to execve(): one function per step, in the order the kernel needs them.
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <linux/filter.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

void child_event(struct child *c, int step, const struct msg *m) {
    if (c->spec->debug) report_send(c->report_fd, CSKIFF_REPORT_EVENT, step, 0, m ? m->buf : NULL);
}

void child_fail_errno(struct child *c, int step, int err, const struct msg *m) {
    report_send(c->report_fd, CSKIFF_REPORT_ERROR, step, err, m ? m->buf : NULL);
    _exit(127);
}

void child_fail(struct child *c, int step, const struct msg *m) {
    child_fail_errno(c, step, errno, m);
}

static void fail_simple(struct child *c, int step, const char *what) {
    struct msg m;
    msg_init(&m);
    msg_str(&m, what);
    child_fail(c, step, &m);
}

static void event_simple(struct child *c, int step, const char *what) {
    if (!c->spec->debug) return;
    struct msg m;
    msg_init(&m);
    msg_str(&m, what);
    child_event(c, step, &m);
}

/// The parent blocked every signal around clone() so no handler of the Swift process runs here.
/// Reset handlers to their defaults; the mask is cleared just before exec.
static void reset_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        sigaction(sig, &sa, NULL); // fails harmlessly for the libc-reserved signals
    }
}

/// No fd of the caller reaches the container except stdio and the preserved ones (CVE-2024-21626).
static void mark_fds_cloexec(const struct cskiff_spawn *s) {
    unsigned int first = 3u + (unsigned int)(s->preserve_fds > 0 ? s->preserve_fds : 0);
    if (syscall(SYS_close_range, first, ~0u, CLOSE_RANGE_CLOEXEC) != 0) {
        for (int fd = (int)first; fd < 1024; fd++) fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    for (int fd = 3; fd < (int)first; fd++) {
        int flags = fcntl(fd, F_GETFD);
        if (flags >= 0) fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
    }
}

static void join_namespaces(struct child *c) {
    const struct cskiff_spawn *s = c->spec;
    for (int i = 0; i < s->n_joins; i++) {
        struct msg m;
        msg_init(&m);
        msg_str(&m, "setns fd ");
        msg_u64(&m, (uint64_t)s->joins[i].fd);
        msg_str(&m, " type ");
        msg_hex(&m, (uint64_t)s->joins[i].nstype);
        child_event(c, CSKIFF_STEP_SETNS, &m);
        if (setns(s->joins[i].fd, s->joins[i].nstype) != 0) child_fail(c, CSKIFF_STEP_SETNS, &m);
    }
}

/// Move this process into the container's cgroup v1 hierarchies. Writing "0" to `tasks` moves the
/// calling thread (this process has one) without the host-wide lock that writing a pid to
/// cgroup.procs takes, whose RCU grace period costs every start milliseconds. The files were opened by
/// the parent, whose credentials the kernel checks.
static void join_cgroups(struct child *c) {
    const struct cskiff_spawn *s = c->spec;
    for (int i = 0; i < s->n_cgroup_task_fds; i++) {
        struct msg m;
        msg_init(&m);
        msg_str(&m, "write 0 to a cgroup v1 tasks file (fd ");
        msg_u64(&m, (uint64_t)s->cgroup_task_fds[i]);
        msg_str(&m, ")");
        child_event(c, CSKIFF_STEP_JOIN_CGROUP, &m);
        ssize_t n;
        do {
            n = write(s->cgroup_task_fds[i], "0", 1);
        } while (n < 0 && errno == EINTR);
        if (n != 1) child_fail(c, CSKIFF_STEP_JOIN_CGROUP, &m);
    }
}

static void wait_parent(struct child *c, int sync_fd) {
    event_simple(c, CSKIFF_STEP_WAIT_PARENT, "wait for the parent (id maps, cgroups)");
    char b;
    ssize_t n;
    do {
        n = read(sync_fd, &b, 1);
    } while (n < 0 && errno == EINTR);
    if (n != 1) _exit(1); // the parent gave up: leave without a word
    if (c->spec->pause_for_hooks) c->sync_fd = sync_fd;
    else close(sync_fd);
}

static void write_proc_file(struct child *c, int step, const char *path, const char *value, size_t len) {
    struct msg m;
    msg_init(&m);
    msg_str(&m, "write ");
    msg_str(&m, value);
    msg_str(&m, " to ");
    msg_str(&m, path);
    child_event(c, step, &m);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) child_fail(c, step, &m);
    if (write(fd, value, len) != (ssize_t)len) {
        int err = errno;
        close(fd);
        child_fail_errno(c, step, err, &m);
    }
    close(fd);
}

static void set_oom_score(struct child *c) {
    const struct cskiff_spawn *s = c->spec;
    if (!s->oom_score_adj_set) return;
    struct msg v;
    msg_init(&v);
    if (s->oom_score_adj < 0) {
        msg_str(&v, "-");
        msg_u64(&v, (uint64_t)(-(int64_t)s->oom_score_adj));
    } else {
        msg_u64(&v, (uint64_t)s->oom_score_adj);
    }
    write_proc_file(c, CSKIFF_STEP_OOM_SCORE, "/proc/self/oom_score_adj", v.buf, v.len);
}

/// `ip link set lo up` in the container's new network namespace, as Docker's --network none has it.
static void loopback_up(struct child *c) {
    event_simple(c, CSKIFF_STEP_LOOPBACK, "set lo up");
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0) fail_simple(c, CSKIFF_STEP_LOOPBACK, "socket for lo");
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, "lo", 3);
    if (ioctl(sock, SIOCGIFFLAGS, &ifr) != 0) fail_simple(c, CSKIFF_STEP_LOOPBACK, "SIOCGIFFLAGS lo");
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(sock, SIOCSIFFLAGS, &ifr) != 0) fail_simple(c, CSKIFF_STEP_LOOPBACK, "SIOCSIFFLAGS lo");
    close(sock);
}

static void set_names_and_sysctls(struct child *c) {
    const struct cskiff_spawn *s = c->spec;
    if (s->loopback_up) loopback_up(c);
    if (s->hostname) {
        struct msg m;
        msg_init(&m);
        msg_str(&m, "sethostname ");
        msg_str(&m, s->hostname);
        child_event(c, CSKIFF_STEP_SETHOSTNAME, &m);
        if (sethostname(s->hostname, strlen(s->hostname)) != 0) child_fail(c, CSKIFF_STEP_SETHOSTNAME, &m);
    }
    if (s->domainname) {
        struct msg m;
        msg_init(&m);
        msg_str(&m, "setdomainname ");
        msg_str(&m, s->domainname);
        child_event(c, CSKIFF_STEP_SETDOMAINNAME, &m);
        if (setdomainname(s->domainname, strlen(s->domainname)) != 0)
            child_fail(c, CSKIFF_STEP_SETDOMAINNAME, &m);
    }
    for (int i = 0; i < s->n_sysctls; i++) {
        struct msg path;
        msg_init(&path);
        msg_str(&path, "/proc/sys/");
        msg_str(&path, s->sysctls[i].path);
        write_proc_file(c, CSKIFF_STEP_SYSCTL, path.buf, s->sysctls[i].value, strlen(s->sysctls[i].value));
    }
}

static void set_rlimits(struct child *c) {
    const struct cskiff_spawn *s = c->spec;
    for (int i = 0; i < s->n_rlimits; i++) {
        const struct cskiff_rlimit *r = &s->rlimits[i];
        struct msg m;
        msg_init(&m);
        msg_str(&m, "setrlimit ");
        msg_u64(&m, (uint64_t)r->resource);
        msg_str(&m, " soft ");
        msg_u64(&m, r->soft);
        msg_str(&m, " hard ");
        msg_u64(&m, r->hard);
        child_event(c, CSKIFF_STEP_RLIMIT, &m);
        struct rlimit rl = {.rlim_cur = r->soft, .rlim_max = r->hard};
        if (setrlimit(r->resource, &rl) != 0) child_fail(c, CSKIFF_STEP_RLIMIT, &m);
    }
}

/// A pseudo-terminal from the container's own devpts, after pivot_root (or after joining the mount
/// namespace, for exec): its slave is then /dev/pts/N inside, as with runc. The master goes to the
/// parent over the terminal socket; with bind_console the slave is also mounted on /dev/console.
static void open_terminal(struct child *c) {
    const struct cskiff_spawn *s = c->spec;
    if (s->terminal_socket < 0) return;
    event_simple(c, CSKIFF_STEP_OPEN_TERMINAL, "open /dev/ptmx in the container");
    int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0) fail_simple(c, CSKIFF_STEP_OPEN_TERMINAL, "open /dev/ptmx");
    int unlock = 0;
    if (ioctl(master, TIOCSPTLCK, &unlock) != 0) fail_simple(c, CSKIFF_STEP_OPEN_TERMINAL, "unlock the pseudo-terminal");
    // The peer by the master, not by path: nothing can swap /dev/pts/N in between.
    int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0) fail_simple(c, CSKIFF_STEP_OPEN_TERMINAL, "open the pseudo-terminal's slave");
    // The terminal is the process user's, as with runc: only the owner changes (devpts gave it its group,
    // tty, and its mode). A user the kernel cannot map leaves it as it is, as runc does.
    if (s->uid != 0 && fchown(slave, s->uid, (gid_t)-1) != 0 && errno != EINVAL && errno != EPERM)
        fail_simple(c, CSKIFF_STEP_OPEN_TERMINAL, "give the terminal to the process user");
    // Sized before the process starts, so its first look at the window (stty size, a shell) is right.
    cskiff_set_window_size(master, s->console_rows, s->console_cols);
    if (s->bind_console) {
        unsigned int n = 0;
        if (ioctl(master, TIOCGPTN, &n) != 0) fail_simple(c, CSKIFF_STEP_OPEN_TERMINAL, "pseudo-terminal number");
        struct msg path;
        msg_init(&path);
        msg_str(&path, "/dev/pts/");
        msg_u64(&path, n);
        struct msg m;
        msg_init(&m);
        msg_str(&m, "bind ");
        msg_str(&m, path.buf);
        msg_str(&m, " on /dev/console");
        child_event(c, CSKIFF_STEP_OPEN_TERMINAL, &m);
        int f = open("/dev/console", O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (f >= 0) close(f);
        if (mount(path.buf, "/dev/console", NULL, MS_BIND, NULL) != 0) child_fail(c, CSKIFF_STEP_OPEN_TERMINAL, &m);
    }
    if (cskiff_send_fd_on(s->terminal_socket, master) != 0) fail_simple(c, CSKIFF_STEP_OPEN_TERMINAL, "send the terminal");
    close(master);
    close(s->terminal_socket);
    c->console_fd = slave;
}

static void set_stdio(struct child *c) {
    const struct cskiff_spawn *s = c->spec;
    if (s->setsid) {
        event_simple(c, CSKIFF_STEP_SETSID, "setsid");
        if (setsid() < 0) fail_simple(c, CSKIFF_STEP_SETSID, "setsid");
    }
    if (c->console_fd >= 0) {
        event_simple(c, CSKIFF_STEP_CONSOLE, "make the terminal the controlling terminal and stdio");
        if (ioctl(c->console_fd, TIOCSCTTY, 0) != 0) fail_simple(c, CSKIFF_STEP_CONSOLE, "ioctl TIOCSCTTY");
        for (int fd = 0; fd < 3; fd++)
            if (dup2(c->console_fd, fd) < 0) fail_simple(c, CSKIFF_STEP_CONSOLE, "dup2 terminal");
        if (c->console_fd > 2) close(c->console_fd);
        return;
    }
    const int wanted[3] = {s->stdin_fd, s->stdout_fd, s->stderr_fd};
    for (int fd = 0; fd < 3; fd++) {
        if (wanted[fd] < 0 || wanted[fd] == fd) continue;
        if (dup2(wanted[fd], fd) < 0) fail_simple(c, CSKIFF_STEP_STDIO, "dup2 stdio");
    }
}

/// chdir to process.cwd: tried before the user switch (a directory root may enter and the user not, as
/// runc allows) and, when that is refused, again after it (a directory only the user may enter).
static int change_directory(struct child *c, int after_user_switch) {
    const struct cskiff_spawn *s = c->spec;
    struct msg m;
    msg_init(&m);
    msg_str(&m, "chdir ");
    msg_str(&m, s->cwd);
    child_event(c, CSKIFF_STEP_CHDIR, &m);
    if (chdir(s->cwd) == 0) return 1;
    if (!after_user_switch && (errno == EACCES || errno == EPERM)) return 0;
    child_fail(c, CSKIFF_STEP_CHDIR, &m);
    return 0;
}

static void load_seccomp(struct child *c) {
    const struct cskiff_spawn *s = c->spec;
    struct msg m;
    msg_init(&m);
    msg_str(&m, "load seccomp filter of ");
    msg_u64(&m, s->seccomp_len);
    msg_str(&m, " instructions");
    child_event(c, CSKIFF_STEP_SECCOMP, &m);
    struct sock_fprog prog = {.len = s->seccomp_len, .filter = (struct sock_filter *)s->seccomp_filter};
    long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, s->seccomp_flags, &prog);
    if (rc < 0) child_fail(c, CSKIFF_STEP_SECCOMP, &m);
    if (!(s->seccomp_flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)) return;
    // From here on the syscalls the profile notifies wait for the agent, which gets the fd only after
    // the parent has read the report: so sendmsg and write (never notified: the compiler refuses it)
    // come first, and the close, which may wait for the agent, last.
    int notify_fd = (int)rc;
    if (cskiff_send_fd_on(s->seccomp_notify_socket, notify_fd) != 0)
        fail_simple(c, CSKIFF_STEP_SECCOMP, "send the seccomp notify fd to the parent");
    report_send(c->report_fd, CSKIFF_REPORT_SECCOMP, CSKIFF_STEP_SECCOMP, 0, "seccomp notify fd sent");
    close(notify_fd);
    close(s->seccomp_notify_socket);
}

// glibc's set*id() and setgroups() signal every thread the parent had (SETXID) and wait for them;
// in the cloned child those threads do not exist, so only raw system calls are used here.

/// Identity and capabilities, in the order that keeps the power to do each step until it is done:
/// bounding set (needs CAP_SETPCAP), groups and ids (KEEPCAPS keeps the permitted set across setuid),
/// then the final sets and the ambient ones.
static void drop_privileges(struct child *c) {
    const struct cskiff_spawn *s = c->spec;
    struct msg m;
    if (s->apply_caps) {
        event_simple(c, CSKIFF_STEP_CAP_BOUNDING, "drop capabilities outside the bounding set");
        for (int cap = 0; cap <= s->last_cap; cap++) {
            if (s->cap_bounding & (1ULL << cap)) continue;
            if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) {
                msg_init(&m);
                msg_str(&m, "drop bounding capability ");
                msg_u64(&m, (uint64_t)cap);
                child_fail(c, CSKIFF_STEP_CAP_BOUNDING, &m);
            }
        }
    }
    if (s->set_groups) {
        msg_init(&m);
        msg_str(&m, "setgroups, ");
        msg_u64(&m, (uint64_t)s->n_additional_gids);
        msg_str(&m, " groups");
        child_event(c, CSKIFF_STEP_SETGROUPS, &m);
        if (syscall(SYS_setgroups, (size_t)s->n_additional_gids, s->additional_gids) != 0)
            child_fail(c, CSKIFF_STEP_SETGROUPS, &m);
    }
    msg_init(&m);
    msg_str(&m, "setresgid ");
    msg_u64(&m, s->gid);
    child_event(c, CSKIFF_STEP_SETGID, &m);
    if (syscall(SYS_setresgid, s->gid, s->gid, s->gid) != 0) child_fail(c, CSKIFF_STEP_SETGID, &m);
    if (s->apply_caps && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) fail_simple(c, CSKIFF_STEP_SETUID, "keepcaps");
    msg_init(&m);
    msg_str(&m, "setresuid ");
    msg_u64(&m, s->uid);
    child_event(c, CSKIFF_STEP_SETUID, &m);
    if (syscall(SYS_setresuid, s->uid, s->uid, s->uid) != 0) child_fail(c, CSKIFF_STEP_SETUID, &m);
    if (!s->apply_caps) return;
    prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);

    msg_init(&m);
    msg_str(&m, "capset effective ");
    msg_hex(&m, s->cap_effective);
    msg_str(&m, " permitted ");
    msg_hex(&m, s->cap_permitted);
    msg_str(&m, " inheritable ");
    msg_hex(&m, s->cap_inheritable);
    child_event(c, CSKIFF_STEP_CAPSET, &m);
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2] = {
        {.effective = (uint32_t)s->cap_effective,
         .permitted = (uint32_t)s->cap_permitted,
         .inheritable = (uint32_t)s->cap_inheritable},
        {.effective = (uint32_t)(s->cap_effective >> 32),
         .permitted = (uint32_t)(s->cap_permitted >> 32),
         .inheritable = (uint32_t)(s->cap_inheritable >> 32)},
    };
    if (syscall(SYS_capset, &hdr, data) != 0) child_fail(c, CSKIFF_STEP_CAPSET, &m);

    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
        fail_simple(c, CSKIFF_STEP_CAP_AMBIENT, "clear ambient capabilities");
    for (int cap = 0; cap <= s->last_cap; cap++) {
        if (!(s->cap_ambient & (1ULL << cap))) continue;
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0) {
            msg_init(&m);
            msg_str(&m, "raise ambient capability ");
            msg_u64(&m, (uint64_t)cap);
            child_fail(c, CSKIFF_STEP_CAP_AMBIENT, &m);
        }
    }
}

static const char *env_lookup(const char *const *envp, const char *name) {
    size_t n = strlen(name);
    for (; envp && *envp; envp++)
        if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=') return *envp + n + 1;
    return NULL;
}

/// The PATH a program name is looked up in: the container's, else the default execvp uses.
static const char *search_path(const struct cskiff_spawn *s) {
    const char *path = env_lookup(s->envp, "PATH");
    return path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

/// The next "dir/file" of a PATH list into `buf` (an empty entry is "."; entries too long for `buf`
/// are skipped); advances `*cursor`. Returns 0 when the list is done.
static int next_in_path(const char **cursor, const char *file, char *buf, size_t size) {
    size_t flen = strlen(file);
    while (*cursor && **cursor) {
        const char *dir = *cursor;
        const char *end = strchr(dir, ':');
        size_t dlen = end ? (size_t)(end - dir) : strlen(dir);
        *cursor = end ? end + 1 : NULL;
        if (dlen + 1 + flen + 1 > size) continue;
        memcpy(buf, dir, dlen);
        size_t off = dlen;
        if (off == 0) buf[off++] = '.';
        buf[off++] = '/';
        memcpy(buf + off, file, flen + 1);
        return 1;
    }
    return 0;
}

/// execve, searching PATH from the container's environment for a bare name (as execvpe would, but
/// without its malloc).
__attribute__((noreturn)) static void exec_process(struct child *c) {
    const struct cskiff_spawn *s = c->spec;
    const char *file = s->argv[0];
    struct msg m;
    msg_init(&m);
    msg_str(&m, "exec ");
    msg_str(&m, file);
    child_event(c, CSKIFF_STEP_EXEC, &m);

    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    if (strchr(file, '/')) {
        execve(file, (char *const *)s->argv, (char *const *)s->envp);
        child_fail(c, CSKIFF_STEP_EXEC, &m);
    }
    const char *cursor = search_path(s);
    int err = ENOENT;
    char buf[4096];
    while (next_in_path(&cursor, file, buf, sizeof buf)) {
        execve(buf, (char *const *)s->argv, (char *const *)s->envp);
        if (errno == EACCES) err = EACCES;
        else if (errno != ENOENT && errno != ENOTDIR) err = errno;
    }
    child_fail_errno(c, CSKIFF_STEP_EXEC, err, &m);
}

/// Whether argv[0] names an executable, looked up as exec_process will: 0, or ENOENT / EACCES. Used
/// before `oci create` reports ready, so a missing program fails the create (as runc's does) rather
/// than a later `start` no one is waiting on. Any other error (say a seccomp profile that denies
/// access(2)) is left for execve to report.
// access(X_OK) passes a directory (its search bit); execve refuses it with EACCES.
static int executable_access(const char *path) {
    if (access(path, X_OK) != 0) return -1;
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        errno = EACCES;
        return -1;
    }
    return 0;
}

static int check_executable(const struct cskiff_spawn *s) {
    const char *file = s->argv[0];
    if (strchr(file, '/')) {
        if (executable_access(file) == 0) return 0;
        if (errno == ENOENT || errno == ENOTDIR) return ENOENT;
        return errno == EACCES ? EACCES : 0;
    }
    const char *cursor = search_path(s);
    int err = ENOENT;
    char buf[4096];
    while (next_in_path(&cursor, file, buf, sizeof buf)) {
        if (executable_access(buf) == 0) return 0;
        if (errno == EACCES) err = EACCES;
        else if (errno != ENOENT && errno != ENOTDIR) return 0;
    }
    return err;
}

static void wait_for_start(struct child *c) {
    const struct cskiff_spawn *s = c->spec;
    report_send(c->report_fd, CSKIFF_REPORT_READY, CSKIFF_STEP_WAIT_START, 0, "ready");
    char b;
    ssize_t n;
    do {
        n = read(s->start_fd, &b, 1);
    } while (n < 0 && errno == EINTR);
    if (n != 1) _exit(1);
    close(s->start_fd);
}

void child_main(struct child *c, int sync_fd) {
    const struct cskiff_spawn *s = c->spec;
    // Until execve this process runs skiff's own (sealed) image inside the container's namespaces: keep
    // its /proc/PID entries (exe, mem, fds) closed to the container's processes. execve resets it.
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    reset_signals();
    mark_fds_cloexec(s);
    join_cgroups(c);
    join_namespaces(c);
    if (c->wait_parent) wait_parent(c, sync_fd);
    else close(sync_fd);

    if (s->clone_flags & CLONE_NEWUSER) {
        // Become root of the new user namespace (the id maps are written by now).
        if (syscall(SYS_setresgid, 0, 0, 0) != 0) fail_simple(c, CSKIFF_STEP_SETGID, "setresgid 0 in the user namespace");
        if (syscall(SYS_setresuid, 0, 0, 0) != 0) fail_simple(c, CSKIFF_STEP_SETUID, "setresuid 0 in the user namespace");
    }
    if (s->unshare_cgroup) {
        event_simple(c, CSKIFF_STEP_UNSHARE_CGROUP, "unshare cgroup namespace");
        if (unshare(CLONE_NEWCGROUP) != 0) fail_simple(c, CSKIFF_STEP_UNSHARE_CGROUP, "unshare(CLONE_NEWCGROUP)");
    }
    set_oom_score(c);
    if (s->rootfs) child_setup_rootfs(c);
    open_terminal(c);
    set_names_and_sysctls(c);
    if (s->rootfs) child_protect_paths(c);
    set_rlimits(c);
    set_stdio(c);

    if (s->no_new_privs) {
        event_simple(c, CSKIFF_STEP_NO_NEW_PRIVS, "prctl(PR_SET_NO_NEW_PRIVS)");
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail_simple(c, CSKIFF_STEP_NO_NEW_PRIVS, "prctl");
    }
    // Without no_new_privs only a process holding CAP_SYS_ADMIN may load a filter: load it while we
    // still do. With it, load as late as possible so the filter need not allow our own set-up calls.
    int seccomp_early = s->seccomp_filter && !s->no_new_privs;
    if (seccomp_early) load_seccomp(c);
    int in_cwd = s->cwd ? change_directory(c, 0) : 1;
    drop_privileges(c);
    if (s->umask >= 0) umask((mode_t)s->umask);
    if (!in_cwd) change_directory(c, 1);
    if (s->seccomp_filter && !seccomp_early) load_seccomp(c);
    if (s->start_fd >= 0) {
        int err = check_executable(s);
        if (err) {
            struct msg m;
            msg_init(&m);
            msg_str(&m, "exec ");
            msg_str(&m, s->argv[0]);
            child_fail_errno(c, CSKIFF_STEP_EXEC, err, &m);
        }
        wait_for_start(c);
    }
    if (s->n_start_container_hooks > 0) child_start_hooks(c);
    exec_process(c);
}
