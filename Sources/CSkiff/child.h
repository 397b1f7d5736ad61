// Internal to CSkiff: what the child's steps share. Everything here runs between clone() and
// execve(): async-signal-safe calls only, no malloc, no stdio.
#ifndef CSKIFF_CHILD_H
#define CSKIFF_CHILD_H

#include "report.h"

struct child {
    const struct cskiff_spawn *spec;
    int report_fd;
    int console_fd;  // the slave of the terminal opened in the container, or -1
    int sync_fd;     // kept open after the first byte when the parent runs hooks (pause_for_hooks), else -1
    int wait_parent; // wait for the parent's byte: spec->wait_parent, or the parent must move it into its cgroup
};

/// Report that a step is about to run (only with spec->debug).
void child_event(struct child *c, int step, const struct msg *m);

/// Report a failed step with the current errno and leave. Never returns.
__attribute__((noreturn)) void child_fail(struct child *c, int step, const struct msg *m);

/// The same with an explicit errno.
__attribute__((noreturn)) void child_fail_errno(struct child *c, int step, int err, const struct msg *m);

/// Entry point of the cloned child. Never returns: it execs or exits.
__attribute__((noreturn)) void child_main(struct child *c, int sync_fd);

/// Mount propagation, the spec's mounts, devices and /dev links, then pivot_root (or chroot).
void child_setup_rootfs(struct child *c);

/// maskedPaths, readonlyPaths and a read-only root, after the sysctls are written (as runc orders it:
/// /proc/sys is among the read-only paths).
void child_protect_paths(struct child *c);

/// With pause_for_hooks: tell the parent to run its prestart/createRuntime hooks and wait until it has.
/// Then run the createContainer hooks. Called after the mounts, before pivot_root.
void child_create_hooks(struct child *c);

/// The startContainer hooks, after `start` and just before execve.
void child_start_hooks(struct child *c);

#endif
