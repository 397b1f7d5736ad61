// The steps between clone() and execve(), as plain data.
//
// Swift decides everything (which namespaces, which mounts, which capabilities, which seccomp
// program) and fills a `cskiff_spawn`. The C code only carries it out: no malloc, no locks and no
// Swift runs in the child. Each step is named (`enum cskiff_step`) so a failure comes back to the
// parent as (step, errno, detail) over the report pipe, and with `debug` set every step is reported
// as an event before it runs.
#ifndef CSKIFF_SPAWN_H
#define CSKIFF_SPAWN_H

#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

enum cskiff_step {
    CSKIFF_STEP_NONE = 0,
    CSKIFF_STEP_CLONE,
    CSKIFF_STEP_SETNS,
    CSKIFF_STEP_WAIT_PARENT,
    CSKIFF_STEP_UNSHARE_CGROUP,
    CSKIFF_STEP_OOM_SCORE,
    CSKIFF_STEP_PROPAGATION,
    CSKIFF_STEP_ROOTFS_OVERLAY,
    CSKIFF_STEP_ROOTFS_BIND,
    CSKIFF_STEP_MKDIR,
    CSKIFF_STEP_MOUNT,
    CSKIFF_STEP_MKNOD,
    CSKIFF_STEP_SYMLINK,
    CSKIFF_STEP_PIVOT_ROOT,
    CSKIFF_STEP_CHROOT,
    CSKIFF_STEP_MASK_PATH,
    CSKIFF_STEP_READONLY_PATH,
    CSKIFF_STEP_ROOT_READONLY,
    CSKIFF_STEP_LOOPBACK,
    CSKIFF_STEP_SETHOSTNAME,
    CSKIFF_STEP_SETDOMAINNAME,
    CSKIFF_STEP_SYSCTL,
    CSKIFF_STEP_RLIMIT,
    CSKIFF_STEP_SETSID,
    CSKIFF_STEP_OPEN_TERMINAL,
    CSKIFF_STEP_CONSOLE,
    CSKIFF_STEP_STDIO,
    CSKIFF_STEP_NO_NEW_PRIVS,
    CSKIFF_STEP_CAP_BOUNDING,
    CSKIFF_STEP_SETGROUPS,
    CSKIFF_STEP_SETGID,
    CSKIFF_STEP_SETUID,
    CSKIFF_STEP_CAPSET,
    CSKIFF_STEP_CAP_AMBIENT,
    CSKIFF_STEP_SECCOMP,
    CSKIFF_STEP_CHDIR,
    CSKIFF_STEP_WAIT_START,
    CSKIFF_STEP_EXEC,
    CSKIFF_STEP_HOOK,
    CSKIFF_STEP_JOIN_CGROUP,
    CSKIFF_STEP_COUNT
};

/// A short name for a step ("mount", "pivot_root", ...), for messages and event logs.
const char *cskiff_step_name(int step);

/// How the target of a mount is made before mounting on it.
enum cskiff_target_kind {
    CSKIFF_TARGET_NONE = 0, // must already exist (a remount)
    CSKIFF_TARGET_DIR = 1,  // mkdir -p inside the rootfs
    CSKIFF_TARGET_FILE = 2  // mkdir -p of the parent, then an empty file (bind of a file)
};

struct cskiff_mount {
    const char *source;          // NULL for none
    const char *target;          // absolute path inside the container
    const char *fstype;          // NULL for bind mounts and remounts
    const char *data;            // filesystem options, NULL for none
    unsigned long flags;         // MS_* for mount(2)
    unsigned long bind_remount;  // for binds: MS_* applied by a second MS_BIND|MS_REMOUNT (ro, nosuid...); 0 = none
    unsigned long propagation;   // MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE (| MS_REC), 0 = leave
    int target_kind;             // enum cskiff_target_kind
    unsigned int rec_attr_set;   // MOUNT_ATTR_* set on the mount and all below it (rro, rnosuid...), 0 = none
    unsigned int rec_attr_clr;   // MOUNT_ATTR_* cleared recursively (rrw, rsuid...)
    int readonly_last;           // mounted rw, remounted read-only after the devices and symlinks (runc's finalizeRootfs)
};

struct cskiff_device {
    const char *path;            // absolute path inside the container
    uint32_t mode;               // S_IFCHR/S_IFBLK/S_IFIFO | permissions
    uint32_t major, minor;
    uint32_t uid, gid;
    int bind_from_host;          // in a user namespace mknod is refused: bind the host's node instead
};

struct cskiff_symlink {
    const char *target;          // what the link points to
    const char *linkpath;        // absolute path inside the container
};

struct cskiff_namespace_join {
    int fd;                      // an open namespace file (/proc/PID/ns/..., or a bind-mounted one)
    int nstype;                  // CLONE_NEW*
};

struct cskiff_rlimit {
    int resource;                // RLIMIT_*
    uint64_t soft, hard;
};

struct cskiff_sysctl {
    const char *path;            // under /proc/sys, e.g. "net/ipv4/ip_forward"
    const char *value;
};

/// An OCI hook the child runs itself (createContainer, startContainer).
struct cskiff_hook {
    const char *path;            // the program
    const char *const *argv;     // NULL-terminated, argv[0] as the hook's `args` give it
    const char *const *envp;     // NULL-terminated
    int timeout;                 // seconds; 0: wait as long as it takes
};

struct cskiff_spawn {
    // Namespaces. `clone_flags` are the namespaces to create (CLONE_NEWCGROUP is unshared by the child
    // after the parent has placed it in its cgroup). `joins` are entered with setns in the child,
    // except a pid namespace, which the parent enters around clone so the child is born in it.
    uint64_t clone_flags;
    const struct cskiff_namespace_join *joins;
    int n_joins;
    int unshare_cgroup;

    // Root filesystem. NULL for a process joining an existing container (exec).
    const char *rootfs;          // absolute host path
    int use_chroot;              // no pivot_root: move the rootfs onto "/" (MS_MOVE) and chroot (runc --no-pivot)
    // With use_chroot: the host's proc and sysfs mounts outside the rootfs, detached first so that no full
    // procfs stays in the namespace for a nested mount of proc to pass the kernel's visibility check.
    const char *const *no_pivot_detach;
    int n_no_pivot_detach;
    unsigned long rootfs_propagation; // applied to "/" first: MS_SLAVE|MS_REC unless asked otherwise
    unsigned long rootfs_propagation_after; // linux.rootfsPropagation, applied to the new "/" (0: not set)
    int host_mount_namespace;    // no mount namespace (as runc): mounts made under the rootfs in the host's, then chroot
    // An image's layers: the child mounts overlayfs with these options on `rootfs` (inside its own mount
    // namespace, so the host never holds the mount). Lower dirs may be relative to `rootfs_overlay_dir`,
    // which keeps 100+ layers within the one page mount(2) takes. NULL: `rootfs` is ready as it is.
    const char *rootfs_overlay_options;
    const char *rootfs_overlay_dir;
    int root_readonly;
    const struct cskiff_mount *mounts;
    int n_mounts;
    const struct cskiff_device *devices;
    int n_devices;
    const struct cskiff_symlink *symlinks;
    int n_symlinks;
    const char *const *masked_paths;
    int n_masked_paths;
    const char *const *readonly_paths;
    int n_readonly_paths;

    int loopback_up;             // bring "lo" up (a new network namespace starts with it down)
    const char *hostname;        // NULL: leave
    const char *domainname;      // NULL: leave
    const struct cskiff_sysctl *sysctls;
    int n_sysctls;

    // Process.
    const char *const *argv;     // NULL-terminated
    const char *const *envp;     // NULL-terminated
    const char *cwd;
    uint32_t uid, gid;
    const uint32_t *additional_gids;
    int n_additional_gids;
    int set_groups;              // call setgroups (not allowed in a user namespace with setgroups=deny)
    int umask;                   // -1: leave
    const struct cskiff_rlimit *rlimits;
    int n_rlimits;
    int oom_score_adj_set;
    int oom_score_adj;
    int setsid;

    // stdio: -1 means inherit.
    int stdin_fd, stdout_fd, stderr_fd;
    // With `terminal_socket` >= 0 the child opens a pseudo-terminal in the container's own devpts
    // (/dev/ptmx, as runc does, so `tty` names /dev/pts/N), sends the master over this socket, and makes
    // the slave its controlling terminal and stdio; with `bind_console` also bind-mounts it on /dev/console.
    int terminal_socket;
    int bind_console;
    unsigned short console_rows, console_cols;  // the terminal's size before exec (0: leave)
    int preserve_fds;            // fds 3..3+N-1 stay open across exec (runc's --preserve-fds)

    // Security.
    int no_new_privs;
    int apply_caps;              // 0: keep the caller's capabilities (a privileged exec)
    uint64_t cap_bounding, cap_effective, cap_permitted, cap_inheritable, cap_ambient;
    int last_cap;                // /proc/sys/kernel/cap_last_cap
    const void *seccomp_filter;  // struct sock_filter[], NULL for none
    unsigned short seccomp_len;  // number of instructions
    unsigned int seccomp_flags;  // SECCOMP_FILTER_FLAG_*
    // With SECCOMP_FILTER_FLAG_NEW_LISTENER: a unix socket the child sends the filter's notify fd over
    // (then reports SECCOMP on the report pipe, for the parent to hand the fd to the seccomp agent),
    // before it closes its own copy. -1: none.
    int seccomp_notify_socket;

    // Synchronisation. When `wait_parent` is set the child waits for one byte on the sync pipe
    // (after the parent wrote uid/gid maps and cgroup.procs). With `start_fd` >= 0 the child reports
    // READY after all setup and blocks reading one byte from it (the exec fifo of `oci create`).
    int wait_parent;
    // Joining the container's cgroup (see CgroupJoin.swift). The child writes "0" to each of these open
    // cgroup v1 `tasks` files before anything else. With `use_cgroup_dir`, the cgroup2 directory open as
    // `cgroup_dir_fd` is joined at clone3 with CLONE_INTO_CGROUP or, on a kernel without it, by the
    // parent writing the pid to its cgroup.procs while the child waits.
    const int *cgroup_task_fds;
    int n_cgroup_task_fds;
    int use_cgroup_dir;
    int cgroup_dir_fd;
    int start_fd;
    int debug;                   // report every step as an event

    // OCI hooks (child_hooks.c). With `pause_for_hooks` the child keeps the sync pipe, reports HOOKS
    // once its mounts are made (before pivot_root) and waits for one more byte while the parent runs the
    // prestart and createRuntime hooks. createContainer hooks run next, in the container's namespaces;
    // startContainer hooks after `start`, just before execve. Each hook reads `{"pid":PID,` followed by
    // `hook_state_creating` (createContainer) or `hook_state_created` (startContainer) on its stdin.
    int pause_for_hooks;
    const struct cskiff_hook *create_container_hooks;
    int n_create_container_hooks;
    const struct cskiff_hook *start_container_hooks;
    int n_start_container_hooks;
    const char *hook_state_creating;
    const char *hook_state_created;
    int start_result_fd;         // >= 0: a failed startContainer hook is described here for `start` to read
};

// What the child writes on the report pipe. Records are fixed-size and smaller than PIPE_BUF, so
// each write is atomic.
enum cskiff_report_kind {
    CSKIFF_REPORT_EVENT = 0,
    CSKIFF_REPORT_ERROR = 1,
    CSKIFF_REPORT_READY = 2,
    CSKIFF_REPORT_HOOKS = 3,     // mounts made: the parent runs its hooks, then writes a byte on the sync pipe
    CSKIFF_REPORT_SECCOMP = 4    // the notify fd waits on `seccomp_notify_socket`: the parent passes it on
};

struct cskiff_report {
    int32_t kind;
    int32_t step;
    int32_t err;                 // errno for errors
    char detail[500];            // NUL-terminated, e.g. "mount proc on /proc"
};

struct cskiff_child {
    pid_t pid;                   // in the caller's pid namespace
    int pidfd;                   // from CLONE_PIDFD
    int sync_fd;                 // write end: cskiff_release() writes the go byte
    int report_fd;               // read end: cskiff_read_report() until it returns 0 (EOF = exec'd or died)
    int in_cgroup_dir;           // 1: born in `cgroup_dir_fd` (CLONE_INTO_CGROUP); 0: the parent must move it
};

/// Clone a child that carries out `spec`. Returns 0 and fills `out`, or -1 with errno set
/// (nothing is left running on failure).
int cskiff_spawn(const struct cskiff_spawn *spec, struct cskiff_child *out);

/// Let a child that waits for the parent go on; closes the sync pipe.
int cskiff_release(struct cskiff_child *child);

/// Read one report. Returns 1 with `out` filled, 0 at EOF, -1 with errno on a read error.
int cskiff_read_report(int fd, struct cskiff_report *out);

/// Wait for the child through its pidfd. Returns 0 with either `exit_code` >= 0 (it exited) or
/// `signal` > 0 (it was killed), or -1 with errno.
int cskiff_wait(int pidfd, int *exit_code, int *signal);

/// The foreground loop of an attached run: forward SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2
/// (and SIGWINCH as a resize) to the child; with `console_master` >= 0 copy stdin to the terminal and
/// the terminal to stdout (stdin in raw mode while it is a tty). Returns when the child has exited,
/// like cskiff_wait. The caller must have blocked those signals in every thread (cskiff_block_signals).
int cskiff_supervise(int pidfd, int console_master, int *exit_code, int *signal);

/// cskiff_supervise for a child that a cancellation ends instead (a build's RUN step): with
/// `cancel_fd` >= 0 no signal is taken or forwarded, and once `cancel_fd` is readable the child is
/// SIGKILLed (the wait goes on until it is gone). With `cancel_fd` < 0, cskiff_supervise. The terminal's
/// output goes to `console_out` (STDOUT_FILENO, or the pipe of an attached run's log). With `relay_input`
/// 0 (a terminal without -i) stdin is neither read nor put in raw mode: nothing typed reaches the container.
int cskiff_supervise_cancellable(int pidfd, int console_master, int cancel_fd, int console_out, int relay_input,
                                 int *exit_code, int *signal);

/// Block the signals cskiff_supervise forwards, in the calling thread (threads made later inherit it).
/// Call first thing in main, before any thread exists.
void cskiff_block_signals(void);

/// Send a signal through a pidfd (never to a recycled pid).
int cskiff_pidfd_signal(int pidfd, int sig);

/// Open a pidfd for an existing pid.
int cskiff_pidfd_open(pid_t pid);

/// Send `fd` over the unix socket at `path` (the console socket of `oci create`).
int cskiff_send_fd(const char *socket_path, int fd);

/// Send `fd` over a connected unix socket (SCM_RIGHTS). 0, or -1 with errno.
int cskiff_send_fd_on(int sock, int fd);

/// Send `fd` with `len` bytes of `payload` over a connected unix socket (SCM_RIGHTS): the bytes sent,
/// or -1 with errno.
ssize_t cskiff_send_fd_with(int sock, int fd, const void *payload, size_t len);

/// Receive an fd sent with SCM_RIGHTS (O_CLOEXEC), or -1 (errno; 0 when the peer closed first).
int cskiff_recv_fd(int sock);

/// Set a terminal's window size (rows and columns both non-zero, else nothing).
void cskiff_set_window_size(int fd, unsigned short rows, unsigned short cols);

#ifdef __cplusplus
}
#endif

#endif
