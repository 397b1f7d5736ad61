// bpf(2) for cgroup v2 device filters: load a BPF_PROG_TYPE_CGROUP_DEVICE program that Swift generated
// (DeviceFilterProgram) and attach it to a cgroup directory. The kernel's verifier decides whether the
// program is accepted; its log comes back to the caller.
#ifndef CSKIFF_BPF_H
#define CSKIFF_BPF_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Load `count` instructions (struct bpf_insn, 8 bytes each) as a cgroup device program. Returns the
/// program fd (O_CLOEXEC), or -1 with errno; the verifier's log, when there is one, is written to `log`
/// (NUL-terminated, at most `log_size` bytes; may be NULL).
int cskiff_bpf_load_device_filter(const void *insns, uint32_t count, const char *license, char *log,
                                  uint32_t log_size);

/// Attach a loaded device program to the cgroup2 directory open as `cgroup_fd`, with BPF_F_ALLOW_MULTI
/// (every program attached on the way from the root must allow an access). 0, or -1 with errno.
int cskiff_bpf_attach_device_filter(int prog_fd, int cgroup_fd);

/// Detach it again. 0, or -1 with errno.
int cskiff_bpf_detach_device_filter(int prog_fd, int cgroup_fd);

/// How many device programs are attached directly to the cgroup open as `cgroup_fd`. >= 0, or -1 with errno.
int cskiff_bpf_count_device_filters(int cgroup_fd);

#ifdef __cplusplus
}
#endif

#endif
