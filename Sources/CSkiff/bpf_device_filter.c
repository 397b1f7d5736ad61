// bpf(2) wrappers for cgroup v2 device filters (see include/cskiff_bpf.h). Runs in the parent, never
// between clone and exec.
#include "include/cskiff_bpf.h"

#include <errno.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int sys_bpf(int cmd, union bpf_attr *attr) {
    return (int)syscall(SYS_bpf, cmd, attr, sizeof *attr);
}

int cskiff_bpf_load_device_filter(const void *insns, uint32_t count, const char *license, char *log,
                                  uint32_t log_size) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insns = (uint64_t)(uintptr_t)insns;
    attr.insn_cnt = count;
    attr.license = (uint64_t)(uintptr_t)license;
    strncpy(attr.prog_name, "skiff_devices", sizeof attr.prog_name - 1);
    if (log && log_size > 0) log[0] = '\0';
    int fd = sys_bpf(BPF_PROG_LOAD, &attr);
    if (fd >= 0 || !log || log_size < 2) return fd;
    // Rejected: load once more with the verifier's log on, so the error can say why.
    int err = errno;
    attr.log_buf = (uint64_t)(uintptr_t)log;
    attr.log_size = log_size;
    attr.log_level = 1;
    int again = sys_bpf(BPF_PROG_LOAD, &attr);
    if (again >= 0) close(again);
    log[log_size - 1] = '\0';
    errno = err;
    return -1;
}

static int attach_op(int cmd, int prog_fd, int cgroup_fd) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.target_fd = (uint32_t)cgroup_fd;
    attr.attach_bpf_fd = (uint32_t)prog_fd;
    attr.attach_type = BPF_CGROUP_DEVICE;
    if (cmd == BPF_PROG_ATTACH) attr.attach_flags = BPF_F_ALLOW_MULTI;
    return sys_bpf(cmd, &attr);
}

int cskiff_bpf_attach_device_filter(int prog_fd, int cgroup_fd) {
    return attach_op(BPF_PROG_ATTACH, prog_fd, cgroup_fd) < 0 ? -1 : 0;
}

int cskiff_bpf_detach_device_filter(int prog_fd, int cgroup_fd) {
    return attach_op(BPF_PROG_DETACH, prog_fd, cgroup_fd) < 0 ? -1 : 0;
}

int cskiff_bpf_count_device_filters(int cgroup_fd) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.query.target_fd = (uint32_t)cgroup_fd;
    attr.query.attach_type = BPF_CGROUP_DEVICE;
    attr.query.prog_ids = 0;
    attr.query.prog_cnt = 0;
    if (sys_bpf(BPF_PROG_QUERY, &attr) < 0) return -1;
    return (int)attr.query.prog_cnt;
}
