/*
 * skiff-probe — a tiny static helper that runs inside test containers and reports what the
 * process sees (the idea of crun's tests/init.c). Built by Scripts/make-probe, installed as
 * /bin/skiff-probe by Scripts/make-fixtures.
 *
 * Each subcommand prints one value, or a few key=value lines, and exits 0. A failure prints
 * "skiff-probe: <what>: <ERRNO> (<message>)" on stderr and exits 1; bad usage exits 2.
 * Run it without arguments for the list of subcommands.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* ---- helpers ---------------------------------------------------------------------------- */

static const char *errno_name(int err)
{
    const char *name = strerrorname_np(err);
    return name ? name : "E?";
}

/* Print "skiff-probe: <formatted>: ENAME (message)" using the current errno and exit 1. */
__attribute__((noreturn, format(printf, 1, 2)))
static void die_errno(const char *fmt, ...)
{
    int err = errno;
    va_list ap;
    fputs("skiff-probe: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, ": %s (%s)\n", errno_name(err), strerror(err));
    exit(1);
}

/* Print "skiff-probe: <formatted>" and exit with the given code. */
__attribute__((noreturn, format(printf, 2, 3)))
static void die(int code, const char *fmt, ...)
{
    va_list ap;
    fputs("skiff-probe: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(code);
}

static long parse_long(const char *s, const char *what)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end)
        die(2, "%s: not a number: '%s'", what, s);
    return v;
}

/* Signal by number ("9"), name ("KILL") or full name ("SIGKILL"). Returns -1 if unknown. */
static int parse_signal(const char *s)
{
    if (isdigit((unsigned char)*s)) {
        long n = parse_long(s, "signal");
        return n > 0 && n < NSIG ? (int)n : -1;
    }
    if (strncasecmp(s, "SIG", 3) == 0)
        s += 3;
    for (int sig = 1; sig < NSIG; sig++) {
        const char *abbrev = sigabbrev_np(sig);
        if (abbrev && strcasecmp(abbrev, s) == 0)
            return sig;
    }
    return -1;
}

static void print_signal_name(const char *key, int sig)
{
    const char *abbrev = sigabbrev_np(sig);
    if (abbrev)
        printf("%s=SIG%s\n", key, abbrev);
    else if (sig >= SIGRTMIN && sig <= SIGRTMAX)
        printf("%s=SIGRTMIN+%d\n", key, sig - SIGRTMIN);
    else
        printf("%s=%d\n", key, sig);
}

/* Print the value of "Key:" from /proc/self/status (trimmed); die if absent. */
static void print_status_field(const char *key, const char *out_key)
{
    FILE *f = fopen("/proc/self/status", "re");
    if (!f)
        die_errno("open /proc/self/status");
    char line[512];
    size_t klen = strlen(key);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
            char *v = line + klen + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            v[strcspn(v, "\n")] = '\0';
            if (out_key)
                printf("%s=%s\n", out_key, v);
            else
                printf("%s\n", v);
            fclose(f);
            return;
        }
    }
    fclose(f);
    die(1, "/proc/self/status has no %s line", key);
}

static void copy_fd_to_stdout(int fd, const char *path)
{
    char buf[65536];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die_errno("read %s", path);
        }
        if (n == 0)
            break;
        if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
            die_errno("write stdout");
    }
}

static void cat_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        die_errno("open %s", path);
    copy_fd_to_stdout(fd, path);
    close(fd);
}

/* ---- subcommands ------------------------------------------------------------------------ */

static int cmd_pid(char **argv)
{
    (void)argv;
    printf("%d\n", (int)getpid());
    return 0;
}

static int cmd_hostname(char **argv)
{
    (void)argv;
    char name[HOST_NAME_MAX + 1];
    if (gethostname(name, sizeof name) < 0)
        die_errno("gethostname");
    name[HOST_NAME_MAX] = '\0';
    printf("%s\n", name);
    return 0;
}

static int cmd_cwd(char **argv)
{
    (void)argv;
    char path[PATH_MAX];
    if (!getcwd(path, sizeof path))
        die_errno("getcwd");
    printf("%s\n", path);
    return 0;
}

static int cmd_ids(char **argv)
{
    (void)argv;
    printf("uid=%u\ngid=%u\neuid=%u\negid=%u\n",
           (unsigned)getuid(), (unsigned)getgid(), (unsigned)geteuid(), (unsigned)getegid());
    int n = getgroups(0, NULL);
    if (n < 0)
        die_errno("getgroups");
    gid_t *groups = calloc((size_t)n + 1, sizeof *groups);
    if (!groups)
        die_errno("calloc");
    n = getgroups(n, groups);
    if (n < 0)
        die_errno("getgroups");
    fputs("groups=", stdout);
    for (int i = 0; i < n; i++)
        printf("%s%u", i ? "," : "", (unsigned)groups[i]);
    fputc('\n', stdout);
    free(groups);
    return 0;
}

static int cmd_caps(char **argv)
{
    (void)argv;
    static const char *const keys[] = { "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb" };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        print_status_field(keys[i], keys[i]);
    return 0;
}

static int cmd_env(char **argv)
{
    (void)argv;
    for (char **e = environ; *e; e++)
        printf("%s\n", *e);
    return 0;
}

static int cmd_umask(char **argv)
{
    (void)argv;
    mode_t m = umask(0);
    umask(m);
    printf("%04o\n", (unsigned)m);
    return 0;
}

static const struct {
    const char *name;
    int resource;
} rlimits[] = {
    { "as", RLIMIT_AS },           { "core", RLIMIT_CORE },     { "cpu", RLIMIT_CPU },
    { "data", RLIMIT_DATA },       { "fsize", RLIMIT_FSIZE },   { "locks", RLIMIT_LOCKS },
    { "memlock", RLIMIT_MEMLOCK }, { "msgqueue", RLIMIT_MSGQUEUE },
    { "nice", RLIMIT_NICE },       { "nofile", RLIMIT_NOFILE }, { "nproc", RLIMIT_NPROC },
    { "rss", RLIMIT_RSS },         { "rtprio", RLIMIT_RTPRIO }, { "rttime", RLIMIT_RTTIME },
    { "sigpending", RLIMIT_SIGPENDING }, { "stack", RLIMIT_STACK },
};

static void print_rlim(const char *key, rlim_t v)
{
    if (v == RLIM_INFINITY)
        printf("%s=unlimited\n", key);
    else
        printf("%s=%llu\n", key, (unsigned long long)v);
}

static int cmd_rlimit(char **argv)
{
    /* Accept "nofile", "NOFILE" and "RLIMIT_NOFILE". */
    const char *name = argv[0];
    if (strncasecmp(name, "RLIMIT_", 7) == 0)
        name += 7;
    for (size_t i = 0; i < sizeof rlimits / sizeof rlimits[0]; i++) {
        if (strcasecmp(rlimits[i].name, name) == 0) {
            struct rlimit rl;
            if (getrlimit(rlimits[i].resource, &rl) < 0)
                die_errno("getrlimit %s", argv[0]);
            print_rlim("soft", rl.rlim_cur);
            print_rlim("hard", rl.rlim_max);
            return 0;
        }
    }
    die(2, "rlimit: unknown limit '%s'", argv[0]);
}

/*
 * syscall NAME: try one privileged operation and print "ok" or "errno=ENAME". Either way the
 * exit status is 0: the errno is the observation (capabilities, seccomp, no_new_privs).
 */
static int try_unshare(void)
{
    return unshare(CLONE_NEWUSER | CLONE_NEWNS);
}

static int try_sethostname(void)
{
    /* Sets the name it already has: harmless, but needs CAP_SYS_ADMIN in the UTS namespace. */
    char name[HOST_NAME_MAX + 1];
    if (gethostname(name, sizeof name) < 0)
        return -1;
    name[HOST_NAME_MAX] = '\0';
    return sethostname(name, strlen(name));
}

static int try_chroot(void)
{
    return chroot("/");
}

static int try_mknod(void)
{
    /* A character device like /dev/null in /tmp: needs CAP_MKNOD (and the devices cgroup). */
    char path[64];
    snprintf(path, sizeof path, "/tmp/.skiff-probe-mknod-%d", (int)getpid());
    if (mknod(path, S_IFCHR | 0600, makedev(1, 3)) < 0)
        return -1;
    unlink(path);
    return 0;
}

static int try_keyctl(void)
{
    /* KEYCTL_GET_KEYRING_ID(KEY_SPEC_SESSION_KEYRING, create=0); Docker's seccomp denies keyctl. */
    return (int)syscall(SYS_keyctl, 0, -3, 0);
}

static int try_ptrace(void)
{
    /* PTRACE_TRACEME: denied by Docker's seccomp profile unless the kernel is new enough. */
    return (int)syscall(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, 0, 0);
}

static int try_settime(void)
{
    /* Sets the clock to what it is: needs CAP_SYS_TIME. */
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
        return -1;
    return clock_settime(CLOCK_REALTIME, &ts);
}

static int try_setuid(void)
{
    /* setuid(0) while uid 0 succeeds; as another user it needs CAP_SETUID. */
    return setuid(0);
}

static const struct {
    const char *name;
    int (*attempt)(void);
    const char *what;
} syscalls[] = {
    { "unshare", try_unshare, "unshare(CLONE_NEWUSER|CLONE_NEWNS)" },
    { "sethostname", try_sethostname, "sethostname(current name)" },
    { "chroot", try_chroot, "chroot(\"/\")" },
    { "mknod", try_mknod, "mknod /tmp/... c 1 3" },
    { "keyctl", try_keyctl, "keyctl(KEYCTL_GET_KEYRING_ID, session)" },
    { "ptrace", try_ptrace, "ptrace(PTRACE_TRACEME)" },
    { "settime", try_settime, "clock_settime(CLOCK_REALTIME, now)" },
    { "setuid", try_setuid, "setuid(0)" },
};

static int cmd_syscall(char **argv)
{
    for (size_t i = 0; i < sizeof syscalls / sizeof syscalls[0]; i++) {
        if (strcmp(syscalls[i].name, argv[0]) == 0) {
            errno = 0;
            if (syscalls[i].attempt() >= 0)
                printf("ok\n");
            else
                printf("errno=%s\n", errno_name(errno));
            return 0;
        }
    }
    fprintf(stderr, "skiff-probe: syscall: unknown '%s'; known:\n", argv[0]);
    for (size_t i = 0; i < sizeof syscalls / sizeof syscalls[0]; i++)
        fprintf(stderr, "  %-12s %s\n", syscalls[i].name, syscalls[i].what);
    return 2;
}

static int cmd_nnp(char **argv)
{
    (void)argv;
    print_status_field("NoNewPrivs", NULL);
    return 0;
}

static int cmd_seccomp(char **argv)
{
    (void)argv;
    print_status_field("Seccomp", NULL);
    return 0;
}

static int cmd_exit(char **argv)
{
    long code = parse_long(argv[0], "exit");
    fflush(stdout);
    _exit((int)(code & 0xff));
}

static int cmd_kill_self(char **argv)
{
    int sig = parse_signal(argv[0]);
    if (sig < 0)
        die(2, "kill-self: unknown signal '%s'", argv[0]);
    fflush(stdout);
    signal(sig, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    if (kill(getpid(), sig) < 0)
        die_errno("kill(self, %d)", sig);

    /*
     * Still alive: the signal's default action is to ignore it, or we are PID 1 of a PID
     * namespace, where the kernel drops default-action signals sent from inside. A real fault
     * is delivered even to PID 1, so SIGSEGV/SIGBUS can still be produced honestly.
     */
    if (sig == SIGSEGV || sig == SIGBUS) {
        long page = sysconf(_SC_PAGESIZE);
        volatile char *p = mmap(NULL, (size_t)page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            die_errno("mmap");
        if (sig == SIGSEGV) {
            *p = 1; /* SEGV_ACCERR */
        } else {
            char path[] = "/tmp/.skiff-probe-bus-XXXXXX"; /* access past the end of a file */
            int fd = mkstemp(path);
            if (fd < 0)
                die_errno("mkstemp %s", path);
            unlink(path);
            volatile char *q = mmap(NULL, (size_t)page, PROT_READ, MAP_SHARED, fd, 0);
            if (q == MAP_FAILED)
                die_errno("mmap %s", path);
            (void)*q;
        }
    }
    die(1, "kill-self: still alive after signal %d (pid %d; PID 1 of a PID namespace ignores "
           "signals it sends itself unless they are faults: use SEGV or BUS, or run under an init)",
        sig, (int)getpid());
}

static int cmd_fork_loop(char **argv)
{
    long want = parse_long(argv[0], "fork-loop");
    if (want < 0)
        die(2, "fork-loop: N must be >= 0");
    pid_t *pids = calloc((size_t)want + 1, sizeof *pids);
    if (!pids)
        die_errno("calloc");
    long forked = 0;
    int first_errno = 0;
    fflush(stdout);
    for (long i = 0; i < want; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            for (;;)
                pause();
        }
        if (pid < 0) {
            if (!first_errno)
                first_errno = errno;
            continue;
        }
        pids[forked++] = pid;
    }
    printf("forked=%ld\n", forked);
    printf("failed=%ld\n", want - forked);
    printf("errno=%s\n", first_errno ? errno_name(first_errno) : "none");
    fflush(stdout);
    for (long i = 0; i < forked; i++)
        kill(pids[i], SIGKILL);
    for (long i = 0; i < forked; i++)
        while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR)
            ;
    free(pids);
    return 0;
}

static int cmd_alloc(char **argv)
{
    long mb = parse_long(argv[0], "alloc");
    if (mb < 0)
        die(2, "alloc: MB must be >= 0");
    const size_t chunk = 1024 * 1024;
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (long i = 1; i <= mb; i++) {
        char *p = malloc(chunk);
        if (!p)
            die_errno("malloc after %ld MB", i - 1);
        memset(p, (int)(i & 0xff) | 1, chunk); /* touch every page so it is really resident */
        printf("allocated=%ld\n", i);
        /* the memory is kept until exit on purpose */
    }
    printf("done=%ld\n", mb);
    return 0;
}

static int cmd_ls_fds(char **argv)
{
    (void)argv;
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        die_errno("opendir /proc/self/fd");
    int self = dirfd(d);
    int fds[4096];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < sizeof fds / sizeof fds[0]) {
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        int fd = atoi(e->d_name);
        if (fd != self)
            fds[n++] = fd;
    }
    /* sort numerically (insertion sort: the list is short) */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && fds[j - 1] > fds[j]; j--) {
            int t = fds[j];
            fds[j] = fds[j - 1];
            fds[j - 1] = t;
        }
    for (size_t i = 0; i < n; i++) {
        char link[64], target[PATH_MAX];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fds[i]);
        ssize_t len = readlink(link, target, sizeof target - 1);
        if (len < 0) {
            snprintf(target, sizeof target, "?(%s)", errno_name(errno));
            len = (ssize_t)strlen(target);
        }
        target[len] = '\0';
        printf("%d=%s\n", fds[i], target);
    }
    closedir(d);
    return 0;
}

static int cmd_mounts(char **argv)
{
    (void)argv;
    cat_file("/proc/self/mountinfo");
    return 0;
}

static int cmd_cat(char **argv)
{
    cat_file(argv[0]);
    return 0;
}

static int cmd_write(char **argv)
{
    const char *path = argv[0], *text = argv[1];
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        die_errno("open %s", path);
    size_t len = strlen(text), off = 0;
    while (off < len) {
        ssize_t n = write(fd, text + off, len - off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die_errno("write %s", path);
        }
        off += (size_t)n;
    }
    if (close(fd) < 0)
        die_errno("close %s", path);
    printf("ok\n");
    return 0;
}

static int cmd_sleep(char **argv)
{
    char *end;
    errno = 0;
    double secs = strtod(argv[0], &end);
    if (errno || end == argv[0] || *end || secs < 0)
        die(2, "sleep: not a number of seconds: '%s'", argv[0]);
    struct timespec ts = { .tv_sec = (time_t)secs,
                           .tv_nsec = (long)((secs - (double)(time_t)secs) * 1e9) };
    while (nanosleep(&ts, &ts) < 0) {
        if (errno != EINTR)
            die_errno("nanosleep");
    }
    printf("slept=%s\n", argv[0]);
    return 0;
}

/*
 * pause: block every signal, print "ready", then report each signal as "signal=SIGNAME" until
 * SIGTERM (exit 0) or SIGINT (exit 130). Signals are taken with sigwaitinfo, so they are seen
 * even as PID 1 of a PID namespace, where default-action signals would be dropped.
 */
static int cmd_pause(char **argv)
{
    (void)argv;
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL);
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("ready\n");
    for (;;) {
        siginfo_t info;
        int sig = sigwaitinfo(&all, &info);
        if (sig < 0) {
            if (errno == EINTR)
                continue;
            die_errno("sigwaitinfo");
        }
        print_signal_name("signal", sig);
        if (sig == SIGTERM)
            return 0;
        if (sig == SIGINT)
            return 128 + SIGINT;
    }
}

static int cmd_isatty(char **argv)
{
    (void)argv;
    static const char *const names[] = { "stdin", "stdout", "stderr" };
    for (int fd = 0; fd < 3; fd++)
        printf("%s=%d\n", names[fd], isatty(fd) ? 1 : 0);
    return 0;
}

/* ---- dispatch --------------------------------------------------------------------------- */

static const struct command {
    const char *name;
    int nargs;
    int (*run)(char **argv);
    const char *syntax;
    const char *help;
} commands[] = {
    { "pid", 0, cmd_pid, "pid", "getpid()" },
    { "hostname", 0, cmd_hostname, "hostname", "gethostname()" },
    { "cwd", 0, cmd_cwd, "cwd", "getcwd()" },
    { "ids", 0, cmd_ids, "ids", "uid= gid= euid= egid= groups=a,b" },
    { "caps", 0, cmd_caps, "caps", "CapInh= CapPrm= CapEff= CapBnd= CapAmb= (hex)" },
    { "env", 0, cmd_env, "env", "the environment, one VAR=value a line" },
    { "umask", 0, cmd_umask, "umask", "the umask, octal (0022)" },
    { "rlimit", 1, cmd_rlimit, "rlimit NAME", "soft= hard= (nofile, nproc, core, stack, ...)" },
    { "syscall", 1, cmd_syscall, "syscall NAME", "ok | errno=EPERM (unshare, sethostname, ...)" },
    { "nnp", 0, cmd_nnp, "nnp", "NoNewPrivs (0 or 1)" },
    { "seccomp", 0, cmd_seccomp, "seccomp", "Seccomp mode (0 none, 1 strict, 2 filter)" },
    { "exit", 1, cmd_exit, "exit N", "exit with status N" },
    { "kill-self", 1, cmd_kill_self, "kill-self SIG", "die by signal SIG (name or number)" },
    { "fork-loop", 1, cmd_fork_loop, "fork-loop N", "forked= failed= errno= (children killed after)" },
    { "alloc", 1, cmd_alloc, "alloc MB", "allocate and touch MB MiB: allocated=i ... done=MB" },
    { "ls-fds", 0, cmd_ls_fds, "ls-fds", "open fds: N=target" },
    { "mounts", 0, cmd_mounts, "mounts", "/proc/self/mountinfo" },
    { "cat", 1, cmd_cat, "cat PATH", "the file's contents" },
    { "write", 2, cmd_write, "write PATH TEXT", "write TEXT (no newline added) to PATH: ok" },
    { "sleep", 1, cmd_sleep, "sleep SECONDS", "sleep (fractions allowed): slept=SECONDS" },
    { "pause", 0, cmd_pause, "pause", "ready, then signal=SIGxxx per signal; exit 0 on SIGTERM" },
    { "isatty", 0, cmd_isatty, "isatty", "stdin= stdout= stderr= (1 if a tty)" },
};

static int usage(FILE *out, int code)
{
    fprintf(out, "usage: skiff-probe COMMAND [ARGS]\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-19s %s\n", commands[i].syntax, commands[i].help);
    return code;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr, 2);
    if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
        return usage(stdout, 0);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        const struct command *c = &commands[i];
        if (strcmp(c->name, argv[1]) != 0)
            continue;
        if (argc - 2 != c->nargs)
            die(2, "usage: skiff-probe %s", c->syntax);
        int rc = c->run(argv + 2);
        if (fflush(stdout) != 0 || ferror(stdout))
            die_errno("write stdout");
        return rc;
    }
    fprintf(stderr, "skiff-probe: unknown command '%s'\n", argv[1]);
    return usage(stderr, 2);
}
