// The parent's side of a spawn: pipes, clone3 into new namespaces, and waiting through a pidfd.
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/// Enter a pid namespace for our children only, around clone; the caller's own pid namespace does not
/// change. Returns an fd to restore with, -1 if nothing was joined.
static int enter_pid_namespace(const struct cskiff_spawn *s, int *err) {
    for (int i = 0; i < s->n_joins; i++) {
        if (s->joins[i].nstype != CLONE_NEWPID) continue;
        int restore = open("/proc/thread-self/ns/pid_for_children", O_RDONLY | O_CLOEXEC);
        if (restore < 0) {
            *err = errno;
            return -2;
        }
        if (setns(s->joins[i].fd, CLONE_NEWPID) != 0) {
            *err = errno;
            close(restore);
            return -2;
        }
        return restore;
    }
    return -1;
}

int cskiff_spawn(const struct cskiff_spawn *s, struct cskiff_child *out) {
    int sync_pipe[2], report_pipe[2];
    if (pipe2(sync_pipe, O_CLOEXEC) != 0) return -1;
    if (pipe2(report_pipe, O_CLOEXEC) != 0) {
        int e = errno;
        close(sync_pipe[0]);
        close(sync_pipe[1]);
        errno = e;
        return -1;
    }

    // Block every signal around clone so that no handler of this (Swift) process runs in the child.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);

    int err = 0;
    int restore_pid_ns = enter_pid_namespace(s, &err);
    pid_t pid = -1;
    int pidfd = -1;
    // Born in its cgroup2 directory: no pid is written to cgroup.procs, which would take the kernel's
    // host-wide cgroup lock and wait out an RCU grace period (milliseconds) on every start.
    int in_cgroup_dir = s->use_cgroup_dir;
    if (restore_pid_ns != -2) {
        struct clone_args args;
        memset(&args, 0, sizeof args);
        args.flags = (s->clone_flags & ~(uint64_t)CLONE_NEWCGROUP) | CLONE_PIDFD;
        args.pidfd = (uint64_t)(uintptr_t)&pidfd;
        args.exit_signal = SIGCHLD;
        if (in_cgroup_dir) {
            args.flags |= CLONE_INTO_CGROUP;
            args.cgroup = (uint64_t)s->cgroup_dir_fd;
        }
        pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
        if (pid < 0 && in_cgroup_dir && (errno == EINVAL || errno == E2BIG)) {
            // A kernel before 5.7: the parent moves the child, which waits for it.
            in_cgroup_dir = 0;
            args.flags &= ~(uint64_t)CLONE_INTO_CGROUP;
            args.cgroup = 0;
            pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
        }
        if (pid == 0) {
            close(sync_pipe[1]);
            close(report_pipe[0]);
            struct child c = {.spec = s, .report_fd = report_pipe[1], .console_fd = -1, .sync_fd = -1,
                              .wait_parent = s->wait_parent || (s->use_cgroup_dir && !in_cgroup_dir)};
            child_main(&c, sync_pipe[0]);
        }
        err = errno;
        if (restore_pid_ns >= 0) {
            setns(restore_pid_ns, CLONE_NEWPID);
            close(restore_pid_ns);
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);

    close(sync_pipe[0]);
    close(report_pipe[1]);
    if (pid < 0) {
        close(sync_pipe[1]);
        close(report_pipe[0]);
        errno = err;
        return -1;
    }
    out->pid = pid;
    out->pidfd = pidfd;
    out->sync_fd = sync_pipe[1];
    out->report_fd = report_pipe[0];
    out->in_cgroup_dir = in_cgroup_dir;
    if (!s->wait_parent && !(s->use_cgroup_dir && !in_cgroup_dir)) {
        // The child does not wait for a byte (it closed its end): nothing to release.
        close(sync_pipe[1]);
        out->sync_fd = -1;
    }
    return 0;
}

int cskiff_release(struct cskiff_child *child) {
    if (child->sync_fd < 0) return 0;
    char go = 'g';
    ssize_t n;
    do {
        n = write(child->sync_fd, &go, 1);
    } while (n < 0 && errno == EINTR);
    int e = errno;
    close(child->sync_fd);
    child->sync_fd = -1;
    if (n != 1) {
        errno = e;
        return -1;
    }
    return 0;
}

int cskiff_wait(int pidfd, int *exit_code, int *signal) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    while (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &info, WEXITED) != 0) {
        if (errno != EINTR) return -1;
    }
    *exit_code = -1;
    *signal = 0;
    if (info.si_code == CLD_EXITED) *exit_code = info.si_status;
    else *signal = info.si_status;
    return 0;
}

int cskiff_pidfd_signal(int pidfd, int sig) {
    return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

int cskiff_pidfd_open(pid_t pid) {
    return (int)syscall(SYS_pidfd_open, pid, 0);
}
