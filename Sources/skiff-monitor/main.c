// skiff-monitor: the per-container monitor (conmon's role), kept small so its memory per container
// stays at a few hundred KB of private pages.
//
// It holds no policy. It:
//   - becomes a child subreaper, then runs `skiff container-internal start <id>`, which launches the
//     container through the OCI runtime and exits, so the container's init is reparented to us;
//   - copies the container's stdout/stderr (pipes, or the pty master for -t) into log.jsonl as JSON lines
//     {"log","stream","time"}, rotated at a size limit, and to attached clients (attach.sock);
//   - copies what attached clients send to the container's stdin (or the pty);
//   - runs `skiff container-internal health <id>` every health interval;
//   - watches the container's memory cgroup for the OOM killer's kills while it runs and runs
//     `skiff container-internal oom <id>` when its oom_kill counter grows (the exit records the rest);
//   - reaps the init, writes `exit` (code, signal, time), and runs `skiff container-internal exited`,
//     which records the exit and answers "restart <ms>" or "done" (not when a `removing` file says
//     that rm -f is removing the container and will clean up itself);
//   - on SIGTERM (a stop or rm -f between two runs) starts the container no more, after waiting for a
//     start helper already at work;
//   - exits when there is nothing left to watch.
//
// Usage: skiff-monitor -s SKIFF -d DIR [-t] [-i] [-A] [-l MAXBYTES] [-n MAXFILES] [-z] [-N] [-a ATTRS] [-F SPEC] [-H HEALTH_MS] [-I PID [-W WATCH] [-L FD] [-C FD]] ID
// (-z: gzip rotated files; -N: no log, for --log-driver none; -a: the JSON object each log entry carries as "attrs";
// -F: each line also to a syslog server or the journal, as cjsonlog_forward_open reads SPEC).
// fd 3, if open, is the ready pipe: the start helper's report ("ok <pid> [WATCH]" or "err <message>") is
// copied there, then it is closed. WATCH is the new cgroup's OOM counter file: v1:FILE (memory.oom_control,
// with an eventfd registered in the cgroup.event_control beside it) or v2:FILE (memory.events, inotify).
// With -A the monitor first writes "listening\n" and waits (10 s at most) for
// one attach client before starting the container.
//
// Adopt mode (-I PID [-W WATCH], a `run -d` or `start` without an attach wait, see SkiffKit's
// AdoptedStart): the skiff that execs us in its own process has already launched the container, whose init
// PID is its child and so ours; the init's stdout and stderr pipes are fds 4 and 5, the write end of its
// stdin pipe fd 6 (with -i), or with -t the terminal's master fd 4. We do not fork: we become the subreaper, report "ok PID [WATCH]" on fd 3 and watch the
// run as if our start helper had launched it. Restarts go through the helper as usual. That skiff may have
// reported the start itself (no fd 3 then) and made attach.sock, listening, and a terminal's ctl FIFO for
// us: -L FD and -C FD name them.
//
// Reaper mode (a test session's, see SkiffTesting): skiff-monitor -R -s SKIFF -d DIR -p PID KEY=VALUE
// holds a pidfd of PID (the test process, blocked on fd 3 until we report "ok <our pid>"), and when
// that process is gone (exited, crashed, SIGKILLed), or on SIGTERM, runs `skiff container-internal reap
// KEY=VALUE` (twice, a second apart) if DIR (the session's directory) still exists: the session removes DIR when it ended
// cleanly. No daemon: one small process per test process, gone with the cleanup.
//
// Exec-wait mode (`skiff exec -d` and `exec -t`, see SkiffKit's ExecWaiter): skiff-monitor -E -s SKIFF -d DIR
// -- ARG... with the caller's stdin, stdout and stderr as fds 4, 5, 6 and a socket as fd 3. It detaches,
// becomes a child subreaper and runs SKIFF ARG... (the same exec, SKIFF_EXEC_WAITER=<our pid> in its
// environment) on those fds; that skiff starts the process, reports "PID EXECID CONTAINERID" on its fd 3
// (a socket; with a terminal, the terminal's master passed along) and exits, so the process is
// reparented to us. We report "status N" (that skiff's exit status) on fd 3, move to DIR (the
// container's directory, holding no caller's directory), reap the process and run `skiff
// container-internal exec-died CONTAINERID EXECID CODE SIGNAL`, which records exec_die. With a terminal,
// the report is "status 0 PID EXECID CONTAINERID" with a copy of the master, fd 3 stays the client's (see
// hold_terminal), and we hold the master until the process ends.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "csystem_fdpass.h"
#include "cjsonlog.h"

#define MAX_CLIENTS 16

static const char *skiff_path;
static const char *container_id;
static int opt_tty, opt_stdin, opt_wait_attach;
static long long log_max_size;   // 0: unlimited
static int log_max_files = 1;
static int no_log;                // -N: --log-driver none, no log.jsonl
static int log_compress;          // -z: rotated files gzipped (--log-opt compress=true)
static long long health_ms;
// Docker 25+: during the start period, until a check passes, checks run every start interval instead.
static long long health_start_period_ms, health_start_interval_ms;
static int health_passed, health_finished;

static int ready_fd = -1;
static int attach_listener = -1;
// `ctl`, a FIFO (conmon's): attach clients of a terminal write "1 ROWS COLUMNS\n" when their window
// changes size, and the container's terminal is resized to it.
static int ctl_fd = -1;
static char ctl_buf[64];
static size_t ctl_len;
static int clients[MAX_CLIENTS];
static int n_clients;

// The container's side: output pipes (or the pty master), and where its input goes.
static int out_fd = -1, err_fd = -1, master_fd = -1, in_fd = -1;

static int opt_reap;
static pid_t reap_watch_pid;
static pid_t adopt_pid;           // -I: the init launched by the process that exec'd us
static const char *adopt_watch;   // -W: its cgroup's OOM counter file, as the helper reports it
static int opt_exec_wait;

static void close_fd(int *fd) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
}

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t rfc3339(char *out, size_t cap) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tmv;
    gmtime_r(&ts.tv_sec, &tmv);
    size_t n = strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tmv);
    n += (size_t)snprintf(out + n, cap - n, ".%09ldZ", ts.tv_nsec);
    return n;
}

// MARK: the log (CJSONLog: the same writer as an attached run's)

static struct cjsonlog json_log = {.fd = -1};
static const char *log_attrs;     // -a: the "attrs" object of every entry (--log-opt labels/env/tag)
static const char *log_forward;   // -F: a forwarding driver's spec (cjsonlog_forward_open)

static void log_bytes(int stream, const char *buf, size_t len) { cjsonlog_write(&json_log, stream, buf, len); }

static void log_flush(void) { cjsonlog_flush(&json_log); }

// MARK: attach clients: output framed as Docker's stdcopy (stream byte, 3 zero bytes, big-endian length)

// Not one of stdcopy's streams (0 to 3): the frame that carries "CODE SIGNAL" once the init has exited.
#define EXIT_FRAME 0x65

static void drop_client(int i) {
    close(clients[i]);
    clients[i] = clients[--n_clients];
}

static void broadcast(int stream, const char *buf, size_t len) {
    unsigned char head[8] = {(unsigned char)stream, 0, 0, 0, (unsigned char)(len >> 24), (unsigned char)(len >> 16),
                             (unsigned char)(len >> 8), (unsigned char)len};
    for (int i = 0; i < n_clients;) {
        // A client that cannot keep up is dropped rather than stalling the container.
        struct iovec iov[2] = {{head, 8}, {(void *)buf, len}};
        struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};
        ssize_t n = sendmsg(clients[i], &msg, MSG_NOSIGNAL);
        if (n != (ssize_t)(len + 8)) drop_client(i);
        else i++;
    }
}

static void close_clients(void) {
    while (n_clients > 0) drop_client(n_clients - 1);
}

static void accept_client(void) {
    int c = accept4(attach_listener, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0) return;
    if (n_clients == MAX_CLIENTS) {
        close(c);
        return;
    }
    clients[n_clients++] = c;
}

static int listen_unix(const char *name) {
    unlink(name);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -1;
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    strncpy(addr.sun_path, name, sizeof addr.sun_path - 1);
    if (bind(s, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(s, 16) != 0) {
        close(s);
        return -1;
    }
    return s;
}

// Receive the pty master that the runtime sends over the console socket.
static int receive_fd(int listener) {
    struct pollfd p = {.fd = listener, .events = POLLIN};
    if (poll(&p, 1, 5000) <= 0) return -1;
    int c = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0) return -1;
    char payload[256];
    int fd = -1;
    if (csys_recv_fd_with(c, payload, sizeof payload, &fd) < 0) fd = -1;
    close(c);
    return fd;
}

static void open_ctl(void) {
    unlink("ctl");
    if (mkfifo("ctl", 0600) != 0) return;
    // Read-write, so that the last writer closing it is no end of file.
    ctl_fd = open("ctl", O_RDWR | O_NONBLOCK | O_CLOEXEC);
}

static void read_ctl(void) {
    for (;;) {
        ssize_t n = read(ctl_fd, ctl_buf + ctl_len, sizeof ctl_buf - 1 - ctl_len);
        if (n <= 0) return;
        ctl_len += (size_t)n;
        char *line;
        while ((line = memchr(ctl_buf, '\n', ctl_len)) != NULL) {
            *line = 0;
            int kind = 0;
            unsigned rows = 0, cols = 0;
            if (sscanf(ctl_buf, "%d %u %u", &kind, &rows, &cols) == 3 && kind == 1 && master_fd >= 0 && rows > 0 &&
                cols > 0 && rows <= 0xFFFF && cols <= 0xFFFF) {
                struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
                ioctl(master_fd, TIOCSWINSZ, &ws);
            }
            size_t used = (size_t)(line - ctl_buf) + 1;
            memmove(ctl_buf, ctl_buf + used, ctl_len - used);
            ctl_len -= used;
        }
        // A line longer than any size message is junk: dropped.
        if (ctl_len == sizeof ctl_buf - 1) ctl_len = 0;
    }
}

// MARK: children

static pid_t spawn_skiff(const char *verb, const char *extra[], int fd0, int fd1, int fd2, int fd3) {
    pid_t pid = fork();
    if (pid != 0) return pid;
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    int null = open("/dev/null", O_RDWR);
    int want[4] = {fd0 >= 0 ? fd0 : null, fd1 >= 0 ? fd1 : null, fd2 >= 0 ? fd2 : null, fd3};
    // Move the wanted fds above the stdio range first, so no dup2 clobbers another.
    for (int i = 0; i < 4; i++)
        if (want[i] >= 0) want[i] = fcntl(want[i], F_DUPFD_CLOEXEC, 10);
    for (int i = 0; i < 4; i++)
        if (want[i] >= 0) dup2(want[i], i);
    syscall(SYS_close_range, 4, ~0U, 0);
    const char *argv[16] = {skiff_path, "container-internal", verb, container_id};
    int n = 4;
    for (int i = 0; extra && extra[i] && n < 15; i++) argv[n++] = extra[i];
    argv[n] = NULL;
    execv(skiff_path, (char *const *)argv);
    _exit(127);
}

static int status_code(int status, int *sig) {
    *sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// MARK: one run of the container

static pid_t helper_pid, init_pid, health_pid;

// MARK: the OOM watch (-O): armed for each run, as each run has a new cgroup

static char oom_spec[4096];             // "v1:FILE" or "v2:FILE", from the start helper's report; "" none
static int oom_file = -1;               // the counter file, read from its start each time
static int oom_notify = -1;             // v1: the eventfd; v2: the inotify instance
static unsigned long long oom_seen;     // the count the last `oom` helper was started for
static pid_t oom_pid;                   // that helper, while it runs
static int oom_dirty;                   // the count may have changed: read it
// v1 signals the eventfd as the OOM begins, before the kill is counted: the count is read again for a
// moment after each signal. (v2's memory.events changes again when the kill is counted.)
static long long oom_recheck_until;

static void oom_close(void) {
    close_fd(&oom_file);
    close_fd(&oom_notify);
}

// Decimal digits of n at p; returns the end. (Not printf: an idle monitor that never formats keeps
// stdio's code out of its pages, ~200 kB of a static binary's text.)
static char *put_int(char *p, int n) {
    char digits[12];
    int k = 0;
    do digits[k++] = (char)('0' + n % 10); while ((n /= 10) > 0);
    while (k > 0) *p++ = digits[--k];
    return p;
}

static void oom_check(void);

static void oom_arm(void) {
    oom_seen = 0;
    oom_dirty = 0;
    oom_recheck_until = 0;
    if ((strncmp(oom_spec, "v1:", 3) != 0 && strncmp(oom_spec, "v2:", 3) != 0)) return;
    const char *path = oom_spec + 3;
    size_t dir_len = 0;
    for (size_t i = 0; path[i]; i++)
        if (path[i] == '/') dir_len = i;
    static const char control_name[] = "/cgroup.event_control";
    if (dir_len == 0 || dir_len + sizeof control_name > 4096) return;
    oom_file = open(path, O_RDONLY | O_CLOEXEC);
    if (oom_file < 0) return;
    if (oom_spec[1] == '1') {
        char control[4096];
        memcpy(control, path, dir_len);
        memcpy(control + dir_len, control_name, sizeof control_name);
        oom_notify = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        int fd = oom_notify >= 0 ? open(control, O_WRONLY | O_CLOEXEC) : -1;
        char line[32];
        char *end = put_int(line, oom_notify);
        *end++ = ' ';
        end = put_int(end, oom_file);
        ssize_t n = end - line;
        int ok = fd >= 0 && write(fd, line, (size_t)n) == n;
        if (fd >= 0) close(fd);
        if (!ok) oom_close();
    } else {
        oom_notify = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        if (oom_notify < 0 || inotify_add_watch(oom_notify, path, IN_MODIFY) < 0) oom_close();
    }
    // A kill before the watch was armed.
    if (oom_file >= 0) oom_check();
}

// The `oom_kill N` line's N, or -1 when the file cannot be read (the cgroup is gone).
static long long oom_count(void) {
    char text[1024];
    ssize_t n = pread(oom_file, text, sizeof text - 1, 0);
    if (n < 0) return -1;
    text[n] = 0;
    // At the start of a line (not oom_kill_disable, oom_group_kill), digits after one space.
    for (ssize_t i = 0; i + 9 <= n; i++) {
        if ((i > 0 && text[i - 1] != '\n') || memcmp(text + i, "oom_kill ", 9) != 0) continue;
        long long count = 0;
        for (i += 9; i < n && text[i] >= '0' && text[i] <= '9'; i++) count = count * 10 + (text[i] - '0');
        return count;
    }
    return 0;
}

static void oom_check(void) {
    oom_dirty = 0;
    long long n = oom_count();
    if (n < 0) {
        oom_close();
        return;
    }
    if ((unsigned long long)n <= oom_seen) return;
    oom_seen = (unsigned long long)n;
    oom_pid = spawn_skiff("oom", NULL, -1, -1, -1, -1);
    if (oom_pid < 0) oom_pid = 0;
}

// The kernel's word (an eventfd count, inotify events) is only a wake-up: drained, then the count read.
static void oom_notified(void) {
    char buf[256];
    while (read(oom_notify, buf, sizeof buf) > 0) {}
    oom_dirty = 1;
    if (oom_spec[1] == '1') oom_recheck_until = now_ms() + 1000;
}

// Before the exit is recorded: the watch ends, and a helper at work finishes first, so that its `oom`
// events come before `die` and the exit counts only the kills it did not report.
static void oom_disarm(void) {
    oom_close();
    oom_recheck_until = 0;
    while (oom_pid > 0) {
        pid_t got = waitpid(oom_pid, NULL, 0);
        if (got == oom_pid || errno != EINTR) oom_pid = 0;
    }
}

// The wait before the next health check of a container started at `started_ms`.
static long long health_pace(long long started_ms) {
    int starting = health_start_period_ms > 0 && !health_passed && now_ms() - started_ms < health_start_period_ms;
    return starting && health_start_interval_ms > 0 ? health_start_interval_ms : health_ms;
}
static int init_exited, exit_code, exit_signal;
static long long exit_at_ms;
// SIGTERM (stop or rm -f of a container between two runs) means: start it no more. A start helper
// already at work is waited for, never orphaned: it would write into a directory rm is removing.
static int term_requested;

static void drain_signals(int sigfd) {
    struct signalfd_siginfo si;
    while (read(sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (si.ssi_signo == SIGTERM) term_requested = 1;
    }
}

static void reap(void) {
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        if (pid == init_pid && init_pid > 0) {
            init_exited = 1;
            exit_code = status_code(status, &exit_signal);
            exit_at_ms = now_ms();
        } else if (pid == health_pid) {
            health_pid = 0;
            health_finished = 1;
            if (WIFEXITED(status) && WEXITSTATUS(status) == 0) health_passed = 1;
        } else if (pid == helper_pid) {
            helper_pid = -status - 1;  // reaped; its status is kept, negative
        } else if (pid == oom_pid) {
            oom_pid = 0;
            oom_dirty = 1;  // kills counted while it ran are reported by the next
        }
    }
}

// Launch through the Swift helper. Returns 1 when the container runs.
static int launch(int restart, int sigfd) {
    int out[2] = {-1, -1}, err[2] = {-1, -1}, in[2] = {-1, -1}, st[2];
    int console = -1;
    if (pipe2(st, O_CLOEXEC) != 0) return 0;
    if (opt_tty) {
        console = listen_unix("console.sock");
        if (console < 0) return 0;
    } else {
        if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) return 0;
        if (opt_stdin && pipe2(in, O_CLOEXEC) != 0) return 0;
    }
    const char *extra[] = {restart ? "--restart" : NULL, NULL};
    init_pid = 0;
    init_exited = 0;
    helper_pid = spawn_skiff("start", extra, in[0], out[1], err[1], st[1]);
    close(st[1]);
    close_fd(&in[0]);
    close_fd(&out[1]);
    close_fd(&err[1]);
    out_fd = out[0];
    err_fd = err[0];
    in_fd = in[1];

    // The helper's report; the container may print meanwhile, so keep its pipes drained.
    char report[4096];
    size_t rlen = 0;
    for (;;) {
        struct pollfd p[3] = {{.fd = st[0], .events = POLLIN}, {.fd = out_fd, .events = POLLIN}, {.fd = err_fd, .events = POLLIN}};
        if (poll(p, 3, -1) < 0 && errno != EINTR) break;
        if (p[0].revents) {
            ssize_t n = read(st[0], report + rlen, sizeof report - 1 - rlen);
            if (n <= 0) break;
            rlen += (size_t)n;
        }
        char buf[16384];
        for (int i = 1; i < 3; i++) {
            if (!(p[i].revents & (POLLIN | POLLHUP))) continue;
            ssize_t n = read(p[i].fd, buf, sizeof buf);
            if (n > 0) {
                log_bytes(i, buf, (size_t)n);
                broadcast(i, buf, (size_t)n);
            }
            else if (i == 1) close_fd(&out_fd);
            else close_fd(&err_fd);
        }
    }
    close(st[0]);
    report[rlen] = 0;
    while (helper_pid > 0) {
        int status;
        pid_t pid = waitpid(helper_pid, &status, 0);
        if (pid == helper_pid) helper_pid = -status - 1;
        else if (errno != EINTR) break;
    }
    (void)sigfd;
    int ok = strncmp(report, "ok ", 3) == 0;
    oom_spec[0] = 0;
    if (ok) {
        char *end;
        init_pid = (pid_t)strtol(report + 3, &end, 10);
        // "ok PID WATCH": the cgroup's OOM counter file to watch, when it has one (see oom_arm).
        if (*end == ' ') {
            size_t k = 0;
            for (end++; *end && *end != '\n' && k < sizeof oom_spec - 1; end++) oom_spec[k++] = *end;
            oom_spec[k] = 0;
        }
    }
    // Without the init's pid its exit could never be told apart, and the record would say running forever.
    if (ok && init_pid <= 0) {
        ok = 0;
        rlen = (size_t)snprintf(report, sizeof report, "err the start helper reported no process id\n");
    }
    if (!ok && rlen == 0) {
        rlen = (size_t)snprintf(report, sizeof report, "err the start helper (%s container-internal start) failed\n", skiff_path);
    }
    if (ready_fd >= 0) {
        cjsonlog_write_all(ready_fd, report, rlen);
        close_fd(&ready_fd);
    }
    if (ok && opt_tty) master_fd = receive_fd(console);
    close_fd(&console);
    if (opt_tty) unlink("console.sock");
    if (ok && opt_tty) in_fd = master_fd;
    // The init may have exited before we knew its pid.
    reap();
    return ok;
}

// The first run in adopt mode (-I): the init is already our child, its pipes are fds 4 to 6, or with
// -t its terminal's master is fd 4.
static int adopt(void) {
    if (opt_tty) {
        master_fd = 4;
        in_fd = master_fd;
    } else {
        out_fd = 4;
        err_fd = 5;
        in_fd = opt_stdin ? 6 : -1;
    }
    for (int fd = 4; fd <= 6; fd++) fcntl(fd, F_SETFD, FD_CLOEXEC);
    init_pid = adopt_pid;
    init_exited = 0;
    oom_spec[0] = 0;
    if (adopt_watch && strlen(adopt_watch) < sizeof oom_spec) strcpy(oom_spec, adopt_watch);
    if (ready_fd >= 0) {
        char report[4200];
        int n = snprintf(report, sizeof report, "ok %d%s%s\n", (int)adopt_pid, oom_spec[0] ? " " : "", oom_spec);
        cjsonlog_write_all(ready_fd, report, (size_t)n);
        close_fd(&ready_fd);
    }
    // The init may have exited before our signalfd existed.
    reap();
    return 1;
}

// After the init exits: flush the output, write `exit`, ask the Swift side what to do next.
// Returns the restart delay in ms, or -1 when done.
static long long finish(void) {
    log_flush();
    char text[128];
    char when[64];
    rfc3339(when, sizeof when);
    int n = snprintf(text, sizeof text, "%d %d %s\n", exit_code, exit_signal, when);
    int fd = open("exit.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
        cjsonlog_write_all(fd, text, (size_t)n);
        close(fd);
        rename("exit.tmp", "exit");
    }
    // Attached clients get the exit status as a last frame of their own kind (EXIT_FRAME): a --rm
    // container is removed before their socket closes, with the record they would read it from.
    char status_text[32];
    int m = snprintf(status_text, sizeof status_text, "%d %d", exit_code, exit_signal);
    broadcast(EXIT_FRAME, status_text, (size_t)m);
    // rm -f is removing the container (Engine.killForRemoval): it records nothing and cleans up
    // itself, so no `exited` helper (a whole skiff start) is run for it.
    if (access("removing", F_OK) == 0) return -1;
    char code[16], sig[16];
    snprintf(code, sizeof code, "%d", exit_code);
    snprintf(sig, sizeof sig, "%d", exit_signal);
    const char *extra[] = {code, sig, when, NULL};
    int answer[2];
    if (pipe2(answer, O_CLOEXEC) != 0) return -1;
    pid_t pid = spawn_skiff("exited", extra, -1, answer[1], -1, -1);
    close(answer[1]);
    char reply[128];
    size_t len = 0;
    for (;;) {
        ssize_t r = read(answer[0], reply + len, sizeof reply - 1 - len);
        if (r > 0) { len += (size_t)r; continue; }
        if (r < 0 && errno == EINTR) continue;
        break;
    }
    close(answer[0]);
    reply[len] = 0;
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (strncmp(reply, "restart ", 8) == 0) return atoll(reply + 8);
    return -1;
}

// MARK: reaper mode

static int reap_main(const char *dir) {
    int pidfd = (int)syscall(SYS_pidfd_open, reap_watch_pid, 0);
    if (pidfd < 0) {
        if (ready_fd >= 0) dprintf(ready_fd, "err reaper: cannot watch process %d: %s\n", (int)reap_watch_pid, strerror(errno));
        return 1;
    }
    pid_t first = fork();
    if (first < 0) return 1;
    if (first > 0) _exit(0);
    setsid();
    signal(SIGPIPE, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int sigfd = signalfd(-1, &set, SFD_CLOEXEC);
    if (ready_fd >= 0) {
        dprintf(ready_fd, "ok %d\n", (int)getpid());
        close_fd(&ready_fd);
    }
    struct pollfd p[2] = {{.fd = pidfd, .events = POLLIN}, {.fd = sigfd, .events = POLLIN}};
    while (poll(p, 2, -1) < 0 && errno == EINTR) {}
    struct stat st;
    if (stat(dir, &st) != 0) return 0;  // the session ended and cleaned up itself
    // Twice, a second apart: a container whose start was under way when the process died is labelled
    // already but may finish starting after the first pass looked at it.
    int ok = 0;
    for (int pass = 0; pass < 2; pass++) {
        if (pass > 0) sleep(1);
        int log = open("reaper.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
        pid_t pid = spawn_skiff("reap", NULL, -1, log, log, -1);
        close_fd(&log);
        int status = 0;
        while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        ok = pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    // A failed reap keeps its log in DIR for the user to read.
    if (ok && unlink("reaper.log") == 0 && chdir("/") == 0 && rmdir(dir) == 0) {
        // And the sessions' directory (<root>/testing) once no other session uses it.
        char parent[4096];
        snprintf(parent, sizeof parent, "%s", dir);
        char *slash = strrchr(parent, '/');
        if (slash && slash != parent) {
            *slash = 0;
            rmdir(parent);
        }
    }
    return ok ? 0 : 1;
}

// Leave the caller: a second fork (the caller need not reap us), a new session, and a child
// subreaper, so the processes started below stay ours whoever their parent was. Ignores the
// signals of a terminal left behind. The caller's side of the fork exits here; -1 if it failed.
static int detach_as_subreaper(void) {
    // Adopted, the init is this process's child: the process that exec'd us has detached already.
    if (adopt_pid <= 0) {
        pid_t first = fork();
        if (first < 0) return -1;
        if (first > 0) _exit(0);
    }
    setsid();
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    return 0;
}

// MARK: exec-wait mode

// Read what a socket carries until end of file: its bytes into `line` (NUL-terminated) and the first fd
// passed along (SCM_RIGHTS), else -1.
static int read_report(int sock, char *line, size_t cap) {
    size_t len = 0;
    int fd = -1;
    while (len < cap - 1) {
        int got;
        ssize_t n = csys_recv_fd_with(sock, line + len, cap - 1 - len, &got);
        if (n <= 0) break;
        if (got >= 0 && fd < 0) fd = got;
        else if (got >= 0) close(got);
        len += (size_t)n;
    }
    line[len] = 0;
    return fd;
}


// Reap until `pid` is among the reaped (orphans of it, with the host's pid namespace, come too).
// 1 with its status; 0 when it is still running (nonblocking); -1 when it can no longer be waited for.
static int reap_exec(pid_t pid, int *status, int block) {
    for (;;) {
        int st;
        pid_t got = waitpid(-1, &st, __WALL | (block ? 0 : WNOHANG));
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return -1;
        if (got == 0) return 0;
        if (got == pid) {
            *status = st;
            return 1;
        }
    }
}

// `exec -t`: we hold the process's terminal (`master`). The client (the `skiff exec -it` that started us,
// fd `client`, which has a copy of the master and copies it to the user's terminal) may leave at any
// time (its detach keys); from then on what the process prints is read here and dropped, so it never
// blocks on a full terminal, and the terminal stays open (no hangup). When the process ends, a client
// still there is sent "exit CODE SIGNAL" and records exec_die itself ("recorded"); else we do.
// Returns whether exec_die is still to be recorded; the process's wait status in `status`.
static int hold_terminal(pid_t pid, int master, int *client, int *status) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    int ended = reap_exec(pid, status, 0);
    char buf[16384];
    while (ended == 0) {
        struct pollfd p[3] = {{.fd = sigfd, .events = POLLIN},
                              {.fd = *client, .events = POLLIN},
                              {.fd = *client < 0 ? master : -1, .events = POLLIN}};
        // Without a signalfd, a poll for the exit every 100 ms.
        if (poll(p, 3, sigfd < 0 ? 100 : -1) < 0 && errno != EINTR) break;
        if (p[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            while (read(sigfd, &si, sizeof si) == (ssize_t)sizeof si) {}
        }
        ended = reap_exec(pid, status, 0);
        if (p[1].revents) {
            ssize_t n = read(*client, buf, sizeof buf);
            if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) close_fd(client);
        }
        if (p[2].revents) {
            ssize_t n = read(master, buf, sizeof buf);
            // EIO: nothing holds the terminal's other side any more; the exit comes next.
            if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) close_fd(&master);
        }
    }
    if (ended < 0) {
        close_fd(&master);
        if (sigfd >= 0) close(sigfd);
        return -1;
    }
    close_fd(&master);
    if (sigfd >= 0) close(sigfd);
    if (*client < 0) return 1;
    int sig = 0;
    int code = status_code(*status, &sig);
    char text[64];
    snprintf(text, sizeof text, "exit %d %d\n", code, sig);
    cjsonlog_write_all(*client, text, strlen(text));
    char reply[32];
    size_t len = 0;
    for (;;) {
        ssize_t n = read(*client, reply + len, sizeof reply - 1 - len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        len += (size_t)n;
        if (len == sizeof reply - 1) break;
    }
    reply[len] = 0;
    close_fd(client);
    return strncmp(reply, "recorded", 8) != 0;
}

static int exec_wait_main(const char *dir, char **args, int nargs) {
    if (detach_as_subreaper() != 0) return 1;
    int report[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, report) != 0) {
        if (ready_fd >= 0) dprintf(ready_fd, "status 125\n");
        return 1;
    }
    pid_t inner = fork();
    if (inner == 0) {
        signal(SIGPIPE, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        int want[4] = {4, 5, 6, report[1]};
        for (int i = 0; i < 4; i++) want[i] = fcntl(want[i], F_DUPFD_CLOEXEC, 10);
        for (int i = 0; i < 4; i++)
            if (want[i] >= 0) dup2(want[i], i);
        syscall(SYS_close_range, 4, ~0U, 0);
        char waiter[16];
        snprintf(waiter, sizeof waiter, "%d", (int)getppid());
        setenv("SKIFF_EXEC_WAITER", waiter, 1);
        const char *argv[256] = {skiff_path};
        int n = 1;
        for (int i = 0; i < nargs && n < 255; i++) argv[n++] = args[i];
        argv[n] = NULL;
        execv(skiff_path, (char *const *)argv);
        _exit(127);
    }
    close(report[1]);
    close(4);
    close(5);
    close(6);
    // "PID EXECID CONTAINERID", and with a terminal its master.
    char line[256];
    int master = read_report(report[0], line, sizeof line);
    close(report[0]);
    int status = 0, sig = 0;
    while (inner > 0 && waitpid(inner, &status, 0) < 0 && errno == EINTR) {}
    int code = inner < 0 ? 125 : status_code(status, &sig);
    int pid = 0;
    char exec_id[80], id[80];
    int started = sscanf(line, "%d %79s %79s", &pid, exec_id, id) == 3 && pid > 0;
    if (ready_fd >= 0) {
        char text[256];
        if (started && master >= 0 && code == 0) {
            // The client of the terminal: it takes a copy of the master and stays connected.
            snprintf(text, sizeof text, "status 0 %d %s %s\n", pid, exec_id, id);
            csys_send_fd_with(ready_fd, master, text, strlen(text));
        } else {
            dprintf(ready_fd, "status %d\n", code >= 0 ? code : 128 + sig);
            close_fd(&ready_fd);
        }
    }
    if (chdir(dir) != 0 && chdir("/") != 0) {}
    if (!started) {
        close_fd(&master);
        close_fd(&ready_fd);
        return 0;
    }
    container_id = id;
    if (master >= 0) {
        int record = hold_terminal(pid, master, &ready_fd, &status);
        if (record < 0) return 1;  // gone without us seeing it: nothing true to record
        if (!record) return 0;
    } else if (reap_exec(pid, &status, 1) < 0) {
        return 1;
    }
    code = status_code(status, &sig);
    char code_text[16], sig_text[16];
    snprintf(code_text, sizeof code_text, "%d", code);
    snprintf(sig_text, sizeof sig_text, "%d", sig);
    const char *extra[] = {exec_id, code_text, sig_text, NULL};
    pid_t helper = spawn_skiff("exec-died", extra, -1, -1, -1, -1);
    while (helper > 0 && waitpid(helper, &status, 0) < 0 && errno == EINTR) {}
    return 0;
}

int main(int argc, char **argv) {
    const char *dir = NULL;
    int c;
    int handed_listener = -1, handed_ctl = -1;
    while ((c = getopt(argc, argv, "s:d:tiAl:n:zNa:F:H:P:S:Rp:EI:W:L:C:")) != -1) {
        switch (c) {
        case 's': skiff_path = optarg; break;
        case 'd': dir = optarg; break;
        case 't': opt_tty = 1; break;
        case 'i': opt_stdin = 1; break;
        case 'A': opt_wait_attach = 1; break;
        case 'l': log_max_size = atoll(optarg); break;
        case 'n': log_max_files = atoi(optarg) > 0 ? atoi(optarg) : 1; break;
        case 'N': no_log = 1; break;
        case 'z': log_compress = 1; break;
        case 'a': log_attrs = optarg; break;
        case 'F': log_forward = optarg; break;
        case 'H': health_ms = atoll(optarg); break;
        case 'P': health_start_period_ms = atoll(optarg); break;
        case 'S': health_start_interval_ms = atoll(optarg); break;
        case 'R': opt_reap = 1; break;
        case 'p': reap_watch_pid = (pid_t)atoi(optarg); break;
        case 'E': opt_exec_wait = 1; break;
        case 'I': adopt_pid = (pid_t)atoi(optarg); break;
        case 'W': adopt_watch = optarg; break;
        case 'L': handed_listener = atoi(optarg); break;
        case 'C': handed_ctl = atoi(optarg); break;
        default: return 2;
        }
    }
    if (opt_exec_wait && skiff_path && dir && optind < argc) {
        if (fcntl(3, F_SETFD, FD_CLOEXEC) == 0) ready_fd = 3;
        syscall(SYS_close_range, 7, ~0U, 0);
        return exec_wait_main(dir, argv + optind, argc - optind);
    }
    if (!skiff_path || !dir || optind != argc - 1) {
        fprintf(stderr, "usage: skiff-monitor -s SKIFF -d DIR [-t] [-i] [-A] [-l MAX] [-n FILES] [-z] [-N] [-a ATTRS] [-H MS [-P MS -S MS]] [-I PID [-W WATCH]] ID\n"
                        "       skiff-monitor -R -s SKIFF -d DIR -p PID KEY=VALUE\n"
                        "       skiff-monitor -E -s SKIFF -d DIR -- ARG...\n");
        return 2;
    }
    container_id = argv[optind];
    if (fcntl(3, F_SETFD, FD_CLOEXEC) == 0) ready_fd = 3;
    syscall(SYS_close_range, adopt_pid > 0 ? 9 : 4, ~0U, 0);
    if (adopt_pid <= 0) handed_listener = handed_ctl = -1;
    if (handed_listener >= 0 && fcntl(handed_listener, F_SETFD, FD_CLOEXEC) != 0) handed_listener = -1;
    if (handed_ctl >= 0 && fcntl(handed_ctl, F_SETFD, FD_CLOEXEC) != 0) handed_ctl = -1;
    if (chdir(dir) != 0) {
        if (ready_fd >= 0) dprintf(ready_fd, "err monitor: cannot enter %s: %s\n", dir, strerror(errno));
        return 1;
    }
    if (opt_reap) {
        if (reap_watch_pid <= 0) {
            if (ready_fd >= 0) dprintf(ready_fd, "err reaper: -p PID is required\n");
            return 2;
        }
        return reap_main(dir);
    }
    if (detach_as_subreaper() != 0) return 1;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (!no_log) cjsonlog_open(&json_log, AT_FDCWD, log_max_size, log_max_files, log_compress, log_attrs);
    // The start checked that the server answers; one that is gone by now leaves the local copy alone.
    if (log_forward) json_log.forward = cjsonlog_forward_open(log_forward, NULL, 0);
    unlink("exit");
    attach_listener = handed_listener >= 0 ? handed_listener : listen_unix("attach.sock");
    if (opt_tty && handed_ctl >= 0) ctl_fd = handed_ctl;
    else if (opt_tty) open_ctl();
    if (opt_wait_attach && attach_listener >= 0) {
        if (ready_fd >= 0) cjsonlog_write_all(ready_fd, "listening\n", 10);
        struct pollfd p = {.fd = attach_listener, .events = POLLIN};
        if (poll(&p, 1, 10000) > 0) accept_client();
    }

    int restart = 0;
    for (;;) {
        if (!(adopt_pid > 0 && !restart ? adopt() : launch(restart, sigfd))) break;
        oom_arm();
        long long started_ms = now_ms();
        health_passed = 0;
        health_finished = 0;
        long long next_health = health_ms > 0 ? started_ms + health_pace(started_ms) : -1;
        char buf[16384];
        for (;;) {
            int streams_open = out_fd >= 0 || err_fd >= 0 || master_fd >= 0;
            // After the init exits, its output is drained for a moment: EOF comes once the last writer
            // (another process of the container) is gone.
            if (init_exited && (!streams_open || now_ms() - exit_at_ms > 2000)) break;
            struct pollfd p[7 + MAX_CLIENTS];
            int np = 0;
            p[np++] = (struct pollfd){.fd = sigfd, .events = POLLIN};
            p[np++] = (struct pollfd){.fd = out_fd, .events = POLLIN};
            p[np++] = (struct pollfd){.fd = err_fd, .events = POLLIN};
            p[np++] = (struct pollfd){.fd = master_fd, .events = POLLIN};
            p[np++] = (struct pollfd){.fd = attach_listener, .events = POLLIN};
            p[np++] = (struct pollfd){.fd = ctl_fd, .events = POLLIN};
            p[np++] = (struct pollfd){.fd = oom_notify, .events = POLLIN};
            for (int i = 0; i < n_clients; i++) p[np++] = (struct pollfd){.fd = clients[i], .events = POLLIN};
            int timeout = -1;
            if (init_exited) timeout = 100;
            else if (next_health >= 0) {
                long long wait = next_health - now_ms();
                timeout = wait < 0 ? 0 : (int)wait;
            }
            if (oom_recheck_until > 0) {
                long long wait = oom_recheck_until - now_ms();
                if (wait <= 0) oom_recheck_until = 0;
                else if (timeout < 0 || timeout > 50) timeout = 50;
            }
            int r = poll(p, (nfds_t)np, timeout);
            if (r < 0 && errno != EINTR) break;
            if (p[0].revents & POLLIN) {
                drain_signals(sigfd);
                reap();
                // As Docker: the next check is timed from the end of the last, at the pace its result sets.
                if (health_finished && next_health >= 0) next_health = now_ms() + health_pace(started_ms);
                health_finished = 0;
            }
            int fds[3] = {out_fd, err_fd, master_fd};
            for (int i = 0; i < 3; i++) {
                if (fds[i] < 0 || !(p[1 + i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
                ssize_t n = read(fds[i], buf, sizeof buf);
                if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
                if (n <= 0) {
                    if (i == 0) close_fd(&out_fd);
                    else if (i == 1) close_fd(&err_fd);
                    else { if (in_fd == master_fd) in_fd = -1; close_fd(&master_fd); }
                    continue;
                }
                int stream = i == 1 ? 2 : 1;
                log_bytes(stream, buf, (size_t)n);
                broadcast(stream, buf, (size_t)n);
            }
            if (p[4].revents & POLLIN) accept_client();
            if (p[5].revents & POLLIN) read_ctl();
            if (p[6].revents & POLLIN) oom_notified();
            if (oom_file >= 0 && oom_pid <= 0 && (oom_dirty || oom_recheck_until > 0)) oom_check();
            // Clients polled this round are p[7...]; drop/accept may have reordered them, so match by fd.
            for (int k = 7; k < np; k++) {
                if (!(p[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
                int idx = -1;
                for (int i = 0; i < n_clients; i++) if (clients[i] == p[k].fd) idx = i;
                if (idx < 0) continue;
                ssize_t n = read(p[k].fd, buf, sizeof buf);
                if (n > 0) {
                    if (in_fd >= 0) cjsonlog_write_all(in_fd, buf, (size_t)n);
                } else if (n == 0 || errno != EINTR) {
                    // The client's input ended: the container's stdin ends too (a pipe; not the pty).
                    if (in_fd >= 0 && in_fd != master_fd) close_fd(&in_fd);
                    if (n < 0 || (p[k].revents & (POLLHUP | POLLERR))) drop_client(idx);
                    else shutdown(p[k].fd, SHUT_RD);
                }
            }
            if (next_health >= 0 && now_ms() >= next_health && !init_exited) {
                if (health_pid <= 0) health_pid = spawn_skiff("health", NULL, -1, -1, -1, -1);
                next_health = now_ms() + health_pace(started_ms);
            }
        }
        close_fd(&out_fd);
        close_fd(&err_fd);
        if (in_fd == master_fd) in_fd = -1;
        close_fd(&master_fd);
        close_fd(&in_fd);
        oom_disarm();
        // A health probe still running is given a moment, then the exit is recorded regardless.
        long long delay = finish();
        close_clients();
        if (delay < 0 || term_requested) break;
        // The back-off, cut short by SIGTERM.
        long long until = now_ms() + delay;
        while (!term_requested && now_ms() < until) {
            struct pollfd p = {.fd = sigfd, .events = POLLIN};
            if (poll(&p, 1, (int)(until - now_ms())) > 0) {
                drain_signals(sigfd);
                reap();
            }
        }
        if (term_requested) break;
        restart = 1;
    }
    close_clients();
    if (attach_listener >= 0) unlink("attach.sock");
    if (ctl_fd >= 0) unlink("ctl");
    // Reap what is left (a health probe) before going.
    while (waitpid(-1, NULL, 0) > 0 || errno == EINTR) {}
    return 0;
}
