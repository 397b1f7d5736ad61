// OCI hooks run by the child itself: createContainer (in the container's namespaces, after the mounts,
// before pivot_root) and startContainer (after `start`, just before execve), as runc runs them from its
// init. Each hook is cloned and exec'd with the state JSON on its stdin; the first bytes of its output
// are kept for the error message. A failing hook fails the container's set-up (runtime-spec config.md).
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/// strerror is not async-signal-safe: the few errors a hook meets, else the number.
static void errno_text(struct msg *m, int err) {
    switch (err) {
    case ENOENT: msg_str(m, "no such file or directory"); break;
    case EACCES: msg_str(m, "permission denied"); break;
    case ENOEXEC: msg_str(m, "exec format error"); break;
    case ENOTDIR: msg_str(m, "not a directory"); break;
    default: msg_str(m, "errno "); msg_u64(m, (uint64_t)err);
    }
}

/// The hook's own process: stdin from `in`, stdout and stderr to `out`, an empty signal mask (the
/// child blocked them all), then execve. Never returns.
__attribute__((noreturn)) static void exec_hook(const struct cskiff_hook *h, int in, int out) {
    if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0) _exit(127);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(h->path, (char *const *)h->argv, (char *const *)h->envp);
    struct msg m;
    msg_init(&m);
    msg_str(&m, "cannot execute: ");
    errno_text(&m, errno);
    ssize_t w = write(2, m.buf, m.len);
    (void)w;
    _exit(127);
}

/// A fork with a pidfd: clone3, or clone where a seccomp profile (Docker's) answers clone3 with ENOSYS.
static pid_t fork_with_pidfd(int *pidfd) {
    struct clone_args args;
    memset(&args, 0, sizeof args);
    args.flags = CLONE_PIDFD;
    args.pidfd = (uint64_t)(uintptr_t)pidfd;
    args.exit_signal = SIGCHLD;
    pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
    if (pid >= 0 || errno != ENOSYS) return pid;
    return (pid_t)syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, NULL, pidfd, NULL, 0);
}

/// `{"pid":PID,` + tail, sent without SIGPIPE (a hook need not read its stdin) and without blocking.
static void send_state(int fd, const char *tail) {
    struct msg head;
    msg_init(&head);
    msg_str(&head, "{\"pid\":");
    msg_u64(&head, (uint64_t)getpid());
    msg_str(&head, ",");
    if (send(fd, head.buf, head.len, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)head.len) return;
    size_t len = strlen(tail);
    while (len > 0) {
        ssize_t n = send(fd, tail, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n <= 0) return;
        tail += n;
        len -= (size_t)n;
    }
}

/// Append what the hook wrote (up to the room left in `out`), newlines as spaces.
static void keep_output(struct msg *out, const char *buf, ssize_t n) {
    for (ssize_t i = 0; i < n && out->len + 1 < sizeof out->buf; i++)
        out->buf[out->len++] = (buf[i] == '\n' || buf[i] == '\r') ? ' ' : buf[i];
    out->buf[out->len] = '\0';
}

/// What a signal that killed a hook means, in the words Go's os/exec prints (runc reports a hook
/// killed by seccomp as "signal: bad system call"); strsignal is not safe here (locale, allocation).
static const char *signal_words(int sig) {
    switch (sig) {
    case SIGSYS: return "bad system call";
    case SIGKILL: return "killed";
    case SIGSEGV: return "segmentation fault";
    case SIGABRT: return "aborted";
    case SIGTERM: return "terminated";
    case SIGBUS: return "bus error";
    case SIGILL: return "illegal instruction";
    case SIGFPE: return "floating point exception";
    case SIGPIPE: return "broken pipe";
    case SIGINT: return "interrupt";
    case SIGHUP: return "hangup";
    default: return NULL;
    }
}

/// Run one hook to its end. 0 when it exited 0; otherwise `why` says how it failed.
static int run_hook(const struct cskiff_hook *h, const char *state_tail, struct msg *why) {
    int in[2], out[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0) {
        msg_str(why, "socketpair: ");
        errno_text(why, errno);
        return -1;
    }
    if (pipe2(out, O_CLOEXEC | O_NONBLOCK) != 0) {
        msg_str(why, "pipe: ");
        errno_text(why, errno);
        close(in[0]);
        close(in[1]);
        return -1;
    }
    int pidfd = -1;
    pid_t pid = fork_with_pidfd(&pidfd);
    if (pid == 0) {
        int flags = fcntl(out[1], F_GETFL);
        if (flags >= 0) fcntl(out[1], F_SETFL, flags & ~O_NONBLOCK);
        exec_hook(h, in[1], out[1]);
    }
    int err = errno;
    close(in[1]);
    close(out[1]);
    if (pid < 0) {
        close(in[0]);
        close(out[0]);
        msg_str(why, "clone: ");
        errno_text(why, err);
        return -1;
    }
    send_state(in[0], state_tail);
    close(in[0]);

    struct msg output;
    msg_init(&output);
    int64_t deadline = h->timeout > 0 ? now_ms() + (int64_t)h->timeout * 1000 : -1;
    int timed_out = 0;
    struct pollfd fds[2] = {{.fd = pidfd, .events = POLLIN}, {.fd = out[0], .events = POLLIN}};
    for (;;) {
        int wait_ms = -1;
        if (deadline >= 0) {
            int64_t left = deadline - now_ms();
            if (left <= 0) {
                timed_out = 1;
                break;
            }
            wait_ms = left > 1000000 ? 1000000 : (int)left;
        }
        int n = poll(fds, fds[1].fd >= 0 ? 2 : 1, wait_ms);
        if (n < 0 && errno != EINTR) break;
        if (n <= 0) continue;
        if (fds[1].fd >= 0 && fds[1].revents) {
            char buf[256];
            ssize_t r = read(out[0], buf, sizeof buf);
            if (r > 0) keep_output(&output, buf, r);
            else if (r == 0 || (errno != EAGAIN && errno != EINTR)) fds[1].fd = -1;
        }
        if (fds[0].revents & POLLIN) break;
    }
    if (timed_out) syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
    siginfo_t info;
    memset(&info, 0, sizeof info);
    while (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &info, WEXITED) != 0 && errno == EINTR) {}
    // What it wrote just before it exited (its own children may keep the pipe open: do not wait for EOF).
    char buf[256];
    ssize_t r;
    while (fds[1].fd >= 0 && (r = read(out[0], buf, sizeof buf)) > 0) keep_output(&output, buf, r);
    close(out[0]);
    close(pidfd);

    if (timed_out) {
        msg_str(why, "timed out after ");
        msg_u64(why, (uint64_t)h->timeout);
        msg_str(why, "s (killed)");
    } else if (info.si_code == CLD_EXITED && info.si_status == 0) {
        return 0;
    } else if (info.si_code == CLD_EXITED) {
        msg_str(why, "exit status ");
        msg_u64(why, (uint64_t)info.si_status);
    } else {
        msg_str(why, "killed by signal ");
        msg_u64(why, (uint64_t)info.si_status);
        const char *name = signal_words(info.si_status);
        if (name) {
            msg_str(why, " (");
            msg_str(why, name);
            msg_str(why, ")");
        }
    }
    while (output.len > 0 && output.buf[output.len - 1] == ' ') output.buf[--output.len] = '\0';
    if (output.len > 0) {
        msg_str(why, ": ");
        msg_str(why, output.buf);
    }
    return -1;
}

/// Run `hooks` in order; the first failure ends the child with "KIND hook PATH: WHY".
static void run_hooks(struct child *c, const char *kind, const struct cskiff_hook *hooks, int n,
                      const char *state_tail, int result_fd) {
    for (int i = 0; i < n; i++) {
        struct msg m;
        msg_init(&m);
        msg_str(&m, kind);
        msg_str(&m, " hook ");
        msg_str(&m, hooks[i].path);
        child_event(c, CSKIFF_STEP_HOOK, &m);
        msg_str(&m, ": ");
        if (run_hook(&hooks[i], state_tail, &m) == 0) continue;
        if (result_fd >= 0) {
            ssize_t w = write(result_fd, m.buf, m.len);
            (void)w;
        }
        child_fail_errno(c, CSKIFF_STEP_HOOK, 0, &m);
    }
}

void child_create_hooks(struct child *c) {
    const struct cskiff_spawn *s = c->spec;
    if (s->pause_for_hooks && c->sync_fd >= 0) {
        struct msg m;
        msg_init(&m);
        msg_str(&m, "mounts made: the parent runs the prestart and createRuntime hooks");
        child_event(c, CSKIFF_STEP_HOOK, &m);
        report_send(c->report_fd, CSKIFF_REPORT_HOOKS, CSKIFF_STEP_HOOK, 0, NULL);
        char b;
        ssize_t n;
        do {
            n = read(c->sync_fd, &b, 1);
        } while (n < 0 && errno == EINTR);
        if (n != 1) _exit(1); // a hook of the parent failed: it tears the container down
        close(c->sync_fd);
        c->sync_fd = -1;
    }
    run_hooks(c, "createContainer", s->create_container_hooks, s->n_create_container_hooks,
              s->hook_state_creating, -1);
}

void child_start_hooks(struct child *c) {
    const struct cskiff_spawn *s = c->spec;
    run_hooks(c, "startContainer", s->start_container_hooks, s->n_start_container_hooks,
              s->hook_state_created, s->start_result_fd);
}
